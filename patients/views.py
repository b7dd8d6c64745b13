"""Signing up as a patient.

The doctor's patient list is appointments.views (it shows visits); a patient's page is
records.views (it shows their records).
"""

from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.debug import sensitive_post_parameters

from healthcare.core.ratelimits import limit_posts
from patients.forms import RegistrationForm
from patients.services import sign_up_patient


@sensitive_post_parameters("password1", "password2")
@limit_posts("register-ip")
def register(request):
    """A new patient signs up and is sent a link that activates the account.

    The next page is the same whether or not the address already had an account, so the
    form cannot be used to find out who is registered.
    """
    if request.user.is_authenticated:
        return redirect("accounts:home")
    form = RegistrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sign_up_patient(
            email=data["email"],
            password=data["password1"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
            date_of_birth=data["date_of_birth"],
            language=translation.get_language(),
        )
        return redirect("accounts:register_done")
    return render(request, "accounts/register.html", {"form": form})


def register_done(request):
    return render(request, "accounts/register_done.html")
