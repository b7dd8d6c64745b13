"""Who may do what for a patient: one function per rule."""


def can_read_clinical_content(user):
    """Clinic staff whose role reads clinical content (records, medical details, reasons
    for visits), every read logged. Doctors read by care relationship instead."""
    return user.is_clinic_staff and user.has_perm("patients.view_clinical_content")


def is_patient_or_staff(user, patient):
    """The patient themself or clinic staff: who may change the patient's profile or book
    a visit for them."""
    return user.is_clinic_staff or patient.user_id == user.pk
