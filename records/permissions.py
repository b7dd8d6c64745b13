"""Who may read, write and amend medical records: one function per rule."""

from appointments.selectors import visible_patients
from patients.models import Patient
from patients.permissions import acts_for, can_read_clinical_content
from records.models import readable_by


def is_appointments_doctor(user, appointment):
    """Whether `user` is the doctor of this appointment, who alone writes its record."""
    doctor = user.doctor_profile
    return doctor is not None and appointment.doctor_id == doctor.pk


def is_author(user, record):
    """Whether `user` is the doctor who wrote this record, who alone amends it."""
    doctor = user.doctor_profile
    return doctor is not None and record.doctor_id == doctor.pk


def reads_records_of(user, patient, now=None):
    """Whether `user` may read `patient`'s records now: the patient themself or their
    guardian; a doctor in
    a care relationship with them or whose broken glass lasts; staff whose role reads
    clinical content. Whether any records exist is not said."""
    if (doctor := user.doctor_profile) is not None:
        readable = Patient.objects.filter(readable_by(doctor, now, patient_field="pk"))
        return readable.filter(pk=patient.pk).exists()
    return acts_for(user, patient) or can_read_clinical_content(user)


def can_break_the_glass(user, patient, now=None):
    """A doctor who may see the patient (a visit with them that was not cancelled) but may
    not read their records now: who is offered to break the glass."""
    return (
        user.doctor_profile is not None
        and visible_patients(user).filter(pk=patient.pk).exists()
        and not reads_records_of(user, patient, now)
    )


def can_export(user, patient):
    """Whether `user` may download all of `patient`'s data: the patient, or staff whose role
    reads clinical content (the copy holds all of it)."""
    return patient.user_id == user.pk or can_read_clinical_content(user)
