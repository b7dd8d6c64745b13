"""Forms of the user admin."""

from django import forms
from django.contrib.admin.widgets import AdminFileWidget
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.forms import ProfilePictureField
from accounts.models import User


class UserAddForm(AdminUserCreationForm):
    """Add a patient or a member of the clinic's staff.

    Doctors are not offered: a doctor's login is created together with their profile
    on the "Add doctor" page, so no doctor account can exist without one.
    """

    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (User.Role.PATIENT, User.Role.PATIENT.label),
            (User.Role.ADMIN, User.Role.ADMIN.label),
        ],
        initial=User.Role.PATIENT,
        help_text=_(
            "A patient gets a patient record; clinic staff can log in to this admin. "
            "To add a doctor, use Doctors › Add doctor, which creates the profile too."
        ),
    )

    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "phone")


class UserAdminChangeForm(UserChangeForm):
    # The same checks as on the profile page: a real JPEG, PNG or WebP of limited size.
    picture = ProfilePictureField(
        required=False,
        widget=AdminFileWidget(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = User
        fields = "__all__"
