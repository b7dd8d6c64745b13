"""Small image files made with Pillow, for testing picture uploads."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}


def image_bytes(image_format="PNG", size=(8, 8)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 110, 105)).save(buffer, image_format)
    return buffer.getvalue()


def picture_upload(image_format="PNG", name=None, size=(8, 8), padding=0):
    """A real picture in `image_format`; `padding` junk bytes appended make it bigger on disk."""
    content = image_bytes(image_format, size) + b"\0" * padding
    name = name or f"me.{image_format.lower()}"
    return SimpleUploadedFile(name, content, content_type=CONTENT_TYPES[image_format])


def fake_jpeg_upload():
    return SimpleUploadedFile("me.jpg", b"I am a text file, not a picture.\n" * 20, "image/jpeg")
