"""The profile page's calendar subscription section, without touching the profile view."""

from django import template

from appointments.feeds import feed_url
from appointments.permissions import can_subscribe
from appointments.selectors import active_feed

register = template.Library()


@register.simple_tag(takes_context=True)
def calendar_feed(context):
    """The signed-in user's subscription: {"url", "webcal_url"}, {} if none, None if n/a."""
    request = context["request"]
    user = request.user
    if not user.is_authenticated or not can_subscribe(user):
        return None
    feed = active_feed(user)
    if feed is None:
        return {}
    url = feed_url(request, feed)
    return {"url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}
