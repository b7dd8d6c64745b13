"""Forms for logging in, resetting a password and keeping one's own login (names, phone,
picture) up to date."""

import io

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from accounts.backends import AWAITS_ACTIVATION
from accounts.models import User
from accounts.services import send_password_reset

# Pillow format name -> the extension the stored file gets.
PROFILE_PICTURE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# A small file can still decode into a huge bitmap ("decompression bomb"); refuse before decoding.
PROFILE_PICTURE_MAX_PIXELS = 50_000_000
PROFILE_PICTURE_SAVE_OPTIONS = {"JPEG": {"quality": 90}, "WEBP": {"quality": 90}}


def _without_metadata(image, image_format):
    """The picture's pixels re-encoded alone: no EXIF (GPS, camera, dates), XMP or comments.

    The EXIF orientation is applied to the pixels first, so the picture stays upright.
    """
    image = ImageOps.exif_transpose(image)
    # Only what the pixels need: a palette picture's transparent colour.
    image.info = {k: v for k, v in image.info.items() if k == "transparency"}
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **PROFILE_PICTURE_SAVE_OPTIONS.get(image_format, {}))
    return buffer.getvalue()


def validate_profile_picture(upload):
    """Accept only a real JPEG, PNG or WebP picture no bigger than the clinic allows.

    The file is fully decoded with Pillow, so a text file named `.jpg`, a damaged image
    or another format is refused. An accepted picture is re-encoded from its pixels, so
    what is stored carries no metadata (EXIF with GPS position, camera, dates) and
    nothing hidden after the image data. The upload is renamed after the format that was
    decoded, so the stored file's extension (and the content type it is served with)
    never comes from the uploader; the storage gives it a random name.
    Returns the upload, its content replaced; raises ValidationError.
    """
    limit = settings.PROFILE_PICTURE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("This picture is %(size)s; pictures can be at most %(limit)s."),
            code="file_too_large",
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
        )
    upload.seek(0)
    try:
        with Image.open(upload, formats=list(PROFILE_PICTURE_FORMATS)) as image:
            too_many_pixels = image.width * image.height > PROFILE_PICTURE_MAX_PIXELS
            image_format = image.format
            if not too_many_pixels:
                image.load()
                clean = _without_metadata(image, image_format)
    except Exception as exc:  # Pillow reports hostile or broken input through many types.
        raise ValidationError(
            _("Upload a JPEG, PNG or WebP picture. This file is not one, or it is damaged."),
            code="invalid_image",
        ) from exc
    finally:
        upload.seek(0)
    if too_many_pixels:
        raise ValidationError(
            _("This picture's dimensions are too large. Please upload a smaller picture."),
            code="image_too_large",
        )
    # In place, so that an upload spooled to a temporary file is rewritten on disk too.
    upload.seek(0)
    upload.truncate()
    upload.write(clean)
    upload.seek(0)
    upload.size = len(clean)
    upload.name = f"picture.{PROFILE_PICTURE_FORMATS[image_format]}"
    return upload


def _picture_help_text():
    return _("A JPEG, PNG or WebP picture of at most %(limit)s.") % {
        "limit": filesizeformat(settings.PROFILE_PICTURE_MAX_BYTES)
    }


# Read when the page is drawn, so it follows the active language and the current limit.
picture_help_text = lazy(_picture_help_text, str)


class ProfilePictureField(forms.FileField):
    """A file field that only lets through what `validate_profile_picture` accepts."""

    widget = forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Profile picture"))
        kwargs.setdefault("help_text", picture_help_text())
        super().__init__(**kwargs)

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is None:
            return None
        return validate_profile_picture(upload)


class EmailAuthenticationForm(AuthenticationForm):
    """Log in with an email address; one message for every kind of failure, but one: the
    right password of an account still waiting for its activation link is told so (only
    the owner knows the password, so this tells nobody else that the address exists)."""

    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The email address or password is not right. Please try again."),
        "awaits_activation": _(
            "This account is waiting for activation: please open the link we emailed to "
            "this address. No email? We can send the link again."
        ),
    }

    def clean(self):
        try:
            return super().clean()
        except ValidationError as refused:
            if self.request is not None and getattr(self.request, AWAITS_ACTIVATION, False):
                raise ValidationError(
                    self.error_messages["awaits_activation"], code="awaits_activation"
                ) from refused
            raise

    def awaits_activation(self):
        return self.has_error(NON_FIELD_ERRORS, "awaits_activation")


class ResendActivationForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's password reset form, whose email the worker sends (accounts/tasks.py).

    Django picks the accounts (active, with a usable password, this address) and would
    send from the request; here the email is queued instead, so a slow or dead mail
    server neither slows nor fails the request. The worker makes its own link: none is
    stored in the task row.
    """

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        send_password_reset(user=context["user"])


class AccountForm(forms.ModelForm):
    """The parts of a login everyone may change about themselves."""

    picture = ProfilePictureField(required=False)
    remove_picture = forms.BooleanField(label=_("Remove my current picture"), required=False)

    class Meta:
        model = User
        fields = ["first_name", "last_name", "phone", "picture"]
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        self._previous_picture = self.instance.picture.name
        if not self._previous_picture:
            del self.fields["remove_picture"]

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("remove_picture"):
            if "picture" in self.changed_data:
                self.add_error(
                    "remove_picture",
                    _("Either upload a new picture or remove the current one, not both."),
                )
            else:
                # False tells the model field to clear the picture.
                cleaned_data["picture"] = False
        return cleaned_data

    def save(self, commit=True):
        user = super().save(commit=commit)
        previous = self._previous_picture
        if commit and previous and previous != user.picture.name:
            # Pictures are personal data: do not keep a replaced or removed one around.
            storage = user.picture.storage
            transaction.on_commit(lambda: storage.delete(previous))
        return user


class ConfirmPasswordForm(forms.Form):
    """A step that needs the account's owner to confirm it is them (closing the account)."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    """A code from an authenticator app, or a recovery code (`for_setup`: the app's only)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "none"}
        ),
    )

    def __init__(self, *args, for_setup=False, **kwargs):
        super().__init__(*args, **kwargs)
        if for_setup:
            self.fields["code"].help_text = _("The 6-digit code your authenticator app shows now.")
