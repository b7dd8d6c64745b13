"""View decorators that admit one role (or two) and hand the view that role's profile."""

import functools

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from accounts.permissions import has_staff_permission


def patient_required(view):
    """Logged-in patients only (passed on as `patient`); others get a friendly refusal."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        patient = request.user.patient_profile
        if patient is None:
            return render(request, "appointments/patients_only.html", status=403)
        return view(request, *args, patient=patient, **kwargs)

    return wrapper


def doctor_required(view):
    """Logged-in doctors only (passed on as `doctor`); for anyone else the page does not exist."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        doctor = request.user.doctor_profile
        if doctor is None:
            raise Http404
        return view(request, *args, doctor=doctor, **kwargs)

    return wrapper


def doctor_or_staff_required(permission):
    """Logged-in doctors (passed on as `doctor`) and staff holding `permission` ("app.codename",
    passed on as `doctor=None`); for anyone else the page does not exist."""

    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            doctor = user.doctor_profile
            if doctor is None and not has_staff_permission(user, permission):
                raise Http404
            return view(request, *args, doctor=doctor, **kwargs)

        return wrapper

    return decorator
