"""Who may do what with appointments: one function per rule."""

from healthcare.core.errors import NotVisible


def can_subscribe(user):
    """Whether `user` may have a calendar feed: a patient or a doctor with a profile."""
    return user.patient_profile is not None or user.doctor_profile is not None


def appointment_role(user, appointment):
    """The part `user` plays for this appointment, or raise NotVisible (a 404)."""
    if user.is_clinic_staff:
        return "staff"
    if user.is_doctor and appointment.doctor.user_id == user.pk:
        return "doctor"
    if user.is_patient and appointment.patient.user_id == user.pk:
        return "patient"
    raise NotVisible()
