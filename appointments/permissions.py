"""Who may do what with appointments: one function per rule."""

from django.utils.translation import gettext as _

from accounts.permissions import has_staff_permission
from healthcare.core.errors import NotAllowed, NotVisible
from patients.permissions import acts_for


def can_subscribe(user):
    """Whether `user` may have a calendar feed: a patient or a doctor with a profile."""
    return user.patient_profile is not None or user.doctor_profile is not None


def can_see_all_appointments(user):
    """Staff whose role works with the clinic's calendar (every role the clinic ships)."""
    return has_staff_permission(user, "appointments.view_appointment")


def can_change_appointments(user):
    """Staff who check patients in, cancel and move anyone's visits (reception)."""
    return has_staff_permission(user, "appointments.change_appointment")


def can_book_for(user, patient):
    """The patient themself, their guardian, or staff who book for patients (reception)."""
    return acts_for(user, patient) or has_staff_permission(user, "appointments.add_appointment")


def can_override_notice(user):
    """Staff who book for patients may book inside the minimum notice (the desk)."""
    return has_staff_permission(user, "appointments.add_appointment")


def appointment_role(user, appointment):
    """The part `user` plays for this appointment, or raise NotVisible (a 404)."""
    if user.is_doctor and appointment.doctor.user_id == user.pk:
        return "doctor"
    # A guardian acts for their dependant's visits as the patient, under the same rules.
    if user.is_patient and acts_for(user, appointment.patient):
        return "patient"
    if can_see_all_appointments(user):
        return "staff"
    raise NotVisible()


def acting_role(user, appointment):
    """appointment_role, for a change: staff whose role only looks get NotAllowed (403)."""
    role = appointment_role(user, appointment)
    if role == "staff" and not can_change_appointments(user):
        raise NotAllowed(_("Your role can look at appointments but not change them."))
    return role
