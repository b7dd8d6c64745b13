"""Forms of the user admin."""

from django import forms
from django.contrib.admin.widgets import AdminFileWidget
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.forms import ProfilePictureField
from accounts.models import User


class LoginAddForm(AdminUserCreationForm):
    """A new login: email address, names, phone and a password (or none, unusable).

    The add pages that create a login together with what it is for start from it: the
    user admin's (clinic staff) and the patient admin's (a patient and their record).
    """

    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "phone")


class UserAddForm(LoginAddForm):
    """Add a member of the clinic's staff: by default they are emailed an invitation whose
    link sets their password (accounts.services.invite); nobody else needs to know it.

    Patients and doctors are not offered: their logins are created together with their
    record or profile, on "Add patient" and "Add doctor", so none can exist without one.
    """

    usable_password = forms.ChoiceField(
        label=_("Password"),
        required=False,
        initial="false",
        choices={
            "false": _("Email an invitation: they choose their own password"),
            "true": _("Set a password now (tell it to them yourself)"),
        },
        widget=forms.RadioSelect(attrs={"class": "radiolist"}),
    )

    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(User.Role.ADMIN, User.Role.ADMIN.label)],
        initial=User.Role.ADMIN,
        help_text=_(
            "Clinic staff can log in to this admin. To add a patient, use Patients › Add "
            "patient; to add a doctor, Doctors › Add doctor: each creates the record or "
            "profile too."
        ),
    )


class UserAdminChangeForm(UserChangeForm):
    # The same checks as on the profile page: a real JPEG, PNG or WebP of limited size.
    picture = ProfilePictureField(
        required=False,
        widget=AdminFileWidget(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = User
        fields = "__all__"
