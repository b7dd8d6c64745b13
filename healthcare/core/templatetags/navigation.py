"""The main navigation's links, each marked when it is the page being shown."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_link(context, url_name, label):
    """A link to `url_name`: `aria-current="page"` on that very page, and "true" on the
    pages under it (an appointment under "My appointments"), so screen readers and the
    eye both see where one is."""
    url = reverse(url_name)
    request = context.get("request")
    path = request.path if request is not None else ""
    if path == url:
        return format_html('<a href="{}" aria-current="page">{}</a>', url, label)
    if url != "/" and path.startswith(url):
        return format_html('<a href="{}" aria-current="true">{}</a>', url, label)
    return format_html('<a href="{}">{}</a>', url, label)
