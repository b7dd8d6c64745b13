"""Who may do what for a patient: one function per rule."""

from accounts.permissions import has_staff_permission


def can_read_clinical_content(user):
    """Clinic staff whose role reads clinical content (records, medical details, reasons
    for visits), every read logged. Doctors read by care relationship instead."""
    return has_staff_permission(user, "patients.view_clinical_content")


def sees_clinical_content(user):
    """Whether what `user` is shown may include clinical content: yes for patients and
    doctors (their visibility rules decide what), for staff only if their role reads it."""
    return not user.is_clinic_staff or can_read_clinical_content(user)


def can_see_all_patients(user):
    """Clinic staff whose role works with patients (reception, records officer)."""
    return has_staff_permission(user, "patients.view_patient")


def can_add_patients(user):
    """Clinic staff who register patients (a login and a profile) for them."""
    return has_staff_permission(user, "patients.add_patient")


def can_change_patient(user, patient):
    """The patient themself, or staff whose role changes patients' details."""
    return patient.user_id == user.pk or has_staff_permission(user, "patients.change_patient")
