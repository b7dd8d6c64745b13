"""`{{ user.picture|thumbnail_url }}`: the small version of a profile picture, for lists."""

from django import template

register = template.Library()


@register.filter
def thumbnail_url(picture):
    """Cloudinary makes a face-cropped thumbnail; local files are shown as they are."""
    if not picture:
        return ""
    thumbnail = getattr(picture.storage, "thumbnail_url", None)
    return thumbnail(picture.name) if thumbnail else picture.url
