"""Who may do what for a patient: one function per rule."""


def is_patient_or_staff(user, patient):
    """The patient themself or clinic staff: who may change the patient's profile or book
    a visit for them."""
    return user.is_clinic_staff or patient.user_id == user.pk
