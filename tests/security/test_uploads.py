"""Profile pictures: decoded, size-capped, stripped of metadata, stored under random names."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.forms import validate_profile_picture
from accounts.models import User
from tests.conftest import login

GPS_IFD = 0x8825
MAKE, MODEL, DATETIME, ORIENTATION = 0x010F, 0x0110, 0x0132, 0x0112
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def photo_with_metadata(image_format, size=(40, 20), orientation=None):
    """A picture carrying what a phone adds: GPS position, camera, date, a comment."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[MODEL] = "SecretPhone 12"
    exif[DATETIME] = "2029:12:24 18:00:00"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    if orientation:
        exif[ORIENTATION] = orientation
    buffer = io.BytesIO()
    extra = {"comment": b"home address"} if image_format == "JPEG" else {}
    image.save(buffer, image_format, exif=exif.tobytes(), **extra)
    return buffer.getvalue()


def metadata_of(content):
    with Image.open(io.BytesIO(content)) as image:
        image.load()
        return image, dict(image.getexif()), dict(image.info)


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_exif_and_gps_are_stripped(image_format):
    content = photo_with_metadata(image_format)
    assert b"SecretPhone" in content  # the fixture really carries it
    upload = SimpleUploadedFile("me.img", content, CONTENT_TYPES[image_format])

    stored = validate_profile_picture(upload).read()

    image, exif, info = metadata_of(stored)
    assert b"SecretPhone" not in stored and b"PhoneMaker" not in stored
    assert b"home address" not in stored
    assert exif == {}
    assert not {"exif", "xmp", "comment", "icc_profile"} & set(info)
    assert image.format == image_format
    assert image.size == (40, 20)


def test_the_picture_stays_upright_once_its_orientation_tag_is_gone():
    content = photo_with_metadata("JPEG", size=(40, 20), orientation=6)  # "rotate 90°"

    stored = validate_profile_picture(SimpleUploadedFile("me.jpg", content, "image/jpeg")).read()

    image, exif, _info = metadata_of(stored)
    assert image.size == (20, 40)
    assert ORIENTATION not in exif


def test_bytes_hidden_after_the_image_are_dropped():
    content = photo_with_metadata("PNG") + b"<script>alert(1)</script>"

    stored = validate_profile_picture(SimpleUploadedFile("me.png", content, "image/png")).read()

    assert b"<script>" not in stored


def test_a_large_upload_spooled_to_disk_is_rewritten_on_disk(settings):
    content = photo_with_metadata("JPEG")
    upload = TemporaryUploadedFile("me.jpg", "image/jpeg", len(content), None)
    upload.write(content)
    upload.seek(0)

    validate_profile_picture(upload)

    with open(upload.temporary_file_path(), "rb") as on_disk:
        assert b"SecretPhone" not in on_disk.read()
    upload.close()


@pytest.mark.django_db
def test_profile_page_stores_a_clean_picture_under_a_random_name(patient, media_root):
    client = login(patient.user)
    upload = SimpleUploadedFile("nia-okafor-home.jpg", photo_with_metadata("JPEG"), "image/jpeg")

    client.post(
        reverse("accounts:profile"),
        {"first_name": "Nia", "last_name": "Okafor", "phone": "", "picture": upload},
    )

    name = User.objects.get(pk=patient.user.pk).picture.name
    assert name.startswith("profile-pictures/") and name.endswith(".jpg")
    assert "nia" not in name and "okafor" not in name
    assert b"SecretPhone" not in (media_root / name).read_bytes()


@pytest.mark.django_db
def test_the_admin_stores_a_clean_picture_too(staff, patient, media_root):
    user = patient.user
    upload = SimpleUploadedFile("x.png", photo_with_metadata("PNG"), "image/png")
    admin = login(staff)
    page = admin.get(reverse("admin:accounts_user_change", args=[user.pk]))
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, list)
    }

    response = admin.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        {**data, "email": user.email, "picture": upload, "is_active": "on"},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    name = User.objects.get(pk=user.pk).picture.name
    assert b"SecretPhone" not in (media_root / name).read_bytes()


def test_oversized_uploads_are_refused_before_decoding(settings):
    settings.PROFILE_PICTURE_MAX_BYTES = 100
    upload = SimpleUploadedFile("me.jpg", photo_with_metadata("JPEG"), "image/jpeg")

    with pytest.raises(ValidationError, match="at most"):
        validate_profile_picture(upload)
