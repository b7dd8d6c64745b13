"""Who may write and amend medical records: one function per rule."""


def is_appointments_doctor(user, appointment):
    """Whether `user` is the doctor of this appointment, who alone writes its record."""
    doctor = user.doctor_profile
    return doctor is not None and appointment.doctor_id == doctor.pk


def is_author(user, record):
    """Whether `user` is the doctor who wrote this record, who alone amends it."""
    doctor = user.doctor_profile
    return doctor is not None and record.doctor_id == doctor.pk


def can_export(user, patient):
    """Whether `user` may download all of `patient`'s data: the patient, or clinic staff."""
    return user.is_clinic_staff or patient.user_id == user.pk
