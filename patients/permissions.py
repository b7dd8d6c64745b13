"""Who may do what for a patient: one function per rule."""

from accounts.permissions import has_staff_permission
from patients.models import Guardianship


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


def dependant_ids(user):
    """The ids of the patients `user` manages as their guardian, read once per user object
    (a request's user), so lists that ask for each row cost one query."""
    if not hasattr(user, "_dependant_ids"):
        user._dependant_ids = (
            frozenset(
                Guardianship.objects.active()
                .filter(guardian__user_id=user.pk)
                .values_list("dependant_id", flat=True)
            )
            if user.is_authenticated and user.is_patient
            else frozenset()
        )
    return user._dependant_ids


def forget_dependants(user):
    """After adding or removing a dependant: `user`'s next check reads them afresh."""
    user.__dict__.pop("_dependant_ids", None)


def is_guardian_of(user, patient):
    """Whether `user` manages `patient`'s care (an active family link)."""
    return patient.pk in dependant_ids(user)


def acts_for(user, patient):
    """Whether `user` acts as `patient` online: the patient themself, or their guardian.
    Everything a patient may do for their own visits and records, a guardian may do for
    their dependant's, under the same rules."""
    return patient.user_id == user.pk or is_guardian_of(user, patient)


def can_add_patients(user):
    """Clinic staff who register patients (a login and a profile) for them."""
    return has_staff_permission(user, "patients.add_patient")


def can_change_patient(user, patient):
    """The patient themself, or staff whose role changes patients' details."""
    return patient.user_id == user.pk or has_staff_permission(user, "patients.change_patient")
