"""Who may do what with appointments: one function per rule."""


def can_subscribe(user):
    """Whether `user` may have a calendar feed: a patient or a doctor with a profile."""
    return user.patient_profile is not None or user.doctor_profile is not None
