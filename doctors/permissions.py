"""Who may do what with a doctor's profile and calendar: one function per rule."""


def can_manage_calendar(user, doctor):
    """Staff or this doctor: who may add or remove the doctor's time off."""
    return user.is_clinic_staff or doctor.user_id == user.pk
