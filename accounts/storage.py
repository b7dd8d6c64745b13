"""Profile pictures on Cloudinary, through the `cloudinary` package.

Used as STORAGES["default"] when CLOUDINARY_URL is set (the package reads its account,
key and secret from that variable); local files are used otherwise. A stored picture's
name is the delivery URL Cloudinary answered with, so pages show exactly what Cloudinary
serves and no second request is needed to find it. Lists ask for a small face-cropped
thumbnail made by a Cloudinary transformation instead of the full picture.
"""

import posixpath
import re
import urllib.request
from urllib.parse import urlsplit

import cloudinary
import cloudinary.api
import cloudinary.exceptions
import cloudinary.uploader
import cloudinary.utils
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible

# Delivery URLs look like https://res.cloudinary.com/<cloud>/image/upload/[<transformations>/]
# [v<version>/]<public id>.<format>.
DELIVERY_PATH = re.compile(r"/image/upload/(?:(?P<version>v\d+)/)?(?P<public_id>.+)$")
THUMBNAIL = {"width": 96, "height": 96, "crop": "thumb", "gravity": "face"}


@deconstructible
class CloudinaryStorage(Storage):
    """A Django storage whose files are images in the clinic's Cloudinary account."""

    resource_type = "image"

    def _public_id(self, name):
        """The Cloudinary public ID behind a stored name (a delivery URL) or a new name."""
        if "://" in name:
            match = DELIVERY_PATH.search(urlsplit(name).path)
            name = match["public_id"] if match else urlsplit(name).path.lstrip("/")
        return posixpath.splitext(name)[0]

    def _save(self, name, content):
        content.seek(0)
        result = cloudinary.uploader.upload(
            (posixpath.basename(name), b"".join(content.chunks())),
            public_id=self._public_id(name),
            resource_type=self.resource_type,
            overwrite=False,
            invalidate=True,
        )
        return result["secure_url"]

    def _open(self, name, mode="rb"):
        url = self.url(name)
        if not url.startswith("https://"):
            raise ValueError(f"Refusing to read a picture from a non-HTTPS address: {url}")
        with urllib.request.urlopen(url, timeout=10) as response:  # nosec B310 (https only)
            return ContentFile(response.read(), name=name)

    def delete(self, name):
        if name:
            cloudinary.uploader.destroy(
                self._public_id(name), resource_type=self.resource_type, invalidate=True
            )

    def exists(self, name):
        try:
            cloudinary.api.resource(self._public_id(name), resource_type=self.resource_type)
        except cloudinary.exceptions.NotFound:
            return False
        return True

    def size(self, name):
        return cloudinary.api.resource(self._public_id(name), resource_type=self.resource_type)[
            "bytes"
        ]

    def url(self, name):
        if "://" in name:
            return name
        public_id, extension = posixpath.splitext(name)
        url, _options = cloudinary.utils.cloudinary_url(
            public_id, format=extension.lstrip(".") or None, secure=True
        )
        return url

    def thumbnail_url(self, name):
        """The picture as a small square thumbnail, cut to the face by Cloudinary."""
        url = self.url(name)
        transformation, _options = cloudinary.utils.generate_transformation_string(
            **dict(THUMBNAIL)
        )
        return url.replace("/image/upload/", f"/image/upload/{transformation}/", 1)
