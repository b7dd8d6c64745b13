import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import forms
from accounts.forms import AccountForm, EmailAuthenticationForm, validate_profile_picture
from tests.accounts.factories import PASSWORD, UserFactory
from tests.accounts.pictures import fake_jpeg_upload, image_bytes, picture_upload


class TestProfilePictureValidation:
    @pytest.mark.parametrize(
        ("image_format", "extension"), [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")]
    )
    def test_real_pictures_are_accepted(self, image_format, extension):
        upload = picture_upload(image_format)

        assert validate_profile_picture(upload) is upload
        assert upload.name == f"picture.{extension}"

    def test_stored_name_follows_the_decoded_format_not_the_uploaders_name(self):
        upload = picture_upload("PNG", name="holiday.html")

        validate_profile_picture(upload)

        assert upload.name == "picture.png"

    def test_text_file_named_jpg_is_refused(self):
        with pytest.raises(ValidationError) as error:
            validate_profile_picture(fake_jpeg_upload())

        assert error.value.code == "invalid_image"

    def test_gif_is_refused(self):
        with pytest.raises(ValidationError) as error:
            validate_profile_picture(picture_upload("GIF"))

        assert error.value.code == "invalid_image"

    def test_truncated_png_is_refused_because_it_does_not_decode(self):
        content = image_bytes("PNG", size=(64, 64))
        upload = SimpleUploadedFile("me.png", content[: len(content) // 2], "image/png")

        with pytest.raises(ValidationError) as error:
            validate_profile_picture(upload)

        assert error.value.code == "invalid_image"

    def test_file_over_the_byte_limit_is_refused(self, settings):
        settings.PROFILE_PICTURE_MAX_BYTES = 1024

        with pytest.raises(ValidationError) as error:
            validate_profile_picture(picture_upload("PNG", padding=2048))

        assert error.value.code == "file_too_large"

    def test_picture_with_too_many_pixels_is_refused_before_decoding(self, monkeypatch):
        monkeypatch.setattr(forms, "PROFILE_PICTURE_MAX_PIXELS", 100)

        with pytest.raises(ValidationError) as error:
            validate_profile_picture(picture_upload("PNG", size=(20, 20)))

        assert error.value.code == "image_too_large"

    def test_upload_is_rewound_after_checking(self):
        upload = picture_upload("PNG")

        validate_profile_picture(upload)

        assert upload.read() == image_bytes("PNG")


@pytest.mark.django_db
class TestEmailAuthenticationForm:
    def test_logs_in_with_email_in_any_case(self):
        user = UserFactory(email="ann@example.org")

        form = EmailAuthenticationForm(data={"username": "ANN@example.org", "password": PASSWORD})

        assert form.is_valid(), form.errors
        assert form.get_user() == user

    def test_wrong_password_and_unknown_email_give_the_same_error(self):
        UserFactory(email="ann@example.org")

        wrong_password = EmailAuthenticationForm(
            data={"username": "ann@example.org", "password": "not-it"}
        )
        unknown_email = EmailAuthenticationForm(
            data={"username": "nobody@example.org", "password": "not-it"}
        )

        assert not wrong_password.is_valid()
        assert not unknown_email.is_valid()
        assert wrong_password.non_field_errors() == unknown_email.non_field_errors()

    def test_inactive_user_gets_the_same_error_as_a_wrong_password(self):
        UserFactory(email="gone@example.org", is_active=False)

        form = EmailAuthenticationForm(data={"username": "gone@example.org", "password": PASSWORD})

        assert not form.is_valid()
        assert form.has_error("__all__", "invalid_login")


@pytest.mark.django_db
class TestAccountForm:
    def test_remove_checkbox_only_offered_when_there_is_a_picture(self):
        assert "remove_picture" not in AccountForm(instance=UserFactory()).fields
        assert "remove_picture" in AccountForm(instance=UserFactory(picture="p/x.png")).fields

    def test_uploading_and_removing_at_once_is_refused(self):
        user = UserFactory(picture="p/x.png")
        data = {"first_name": "A", "last_name": "B", "phone": "", "remove_picture": "on"}

        form = AccountForm(data, {"picture": picture_upload("PNG")}, instance=user)

        assert not form.is_valid()
        assert "remove_picture" in form.errors

    def test_names_are_required(self):
        form = AccountForm({"first_name": "", "last_name": "", "phone": ""}, instance=UserFactory())

        assert not form.is_valid()
        assert set(form.errors) == {"first_name", "last_name"}
