"""Helpers shared by the HTML tests: what a page tells the user, and who is logged in."""

from django.contrib.messages import get_messages


def messages_of(response):
    """The messages the request left for the user (shown on this page or the next)."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def section(content, heading_id):
    """The HTML of the <section> whose heading has this id."""
    start = content.index(f'id="{heading_id}"')
    return content[start : content.index("</section>", start)]


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")
