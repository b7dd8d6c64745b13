"""Writes to patients that carry a rule: registering a patient (login and record together),
and the access log of who looked at or changed a patient's data."""

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User, UserManager
from accounts.services import send_activation, tell_existing_account
from healthcare.core.errors import DomainError, NotAllowed, NotVisible
from patients.models import AccessLog, Guardianship, Patient
from patients.permissions import can_add_patients, can_change_patient, forget_dependants


@transaction.atomic
def register_patient(
    *, email, password, first_name, last_name, phone="", date_of_birth=None, is_active=True
) -> User:
    """Create a patient's login and their Patient profile together, or neither.

    Self-registration always makes a patient: doctors and staff are created by the clinic.
    """
    user = User.objects.create_user(
        email=email,
        password=password,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=phone.strip(),
        role=User.Role.PATIENT,
        is_active=is_active,
        # An account made inactive waits for its activation link; one deactivated later
        # by staff keeps email_confirmed and so can never be re-activated by a link.
        email_confirmed=is_active,
    )
    Patient.objects.create(user=user, date_of_birth=date_of_birth)
    return user


class EmailTaken(DomainError):
    code = "email_taken"
    default_message = gettext_lazy("A user with this email address already exists.")

    def __init__(self):
        super().__init__(fields={"email": str(self.default_message)})


@transaction.atomic
def register_walk_in(
    *, first_name, last_name, actor, phone="", email="", date_of_birth=None
) -> Patient:
    """Staff register a patient who walked in or phoned: a record without an online
    account (no password, perhaps no email address) that can be booked at once.

    Later the patient may be invited to claim the account (accounts.services.
    invite_to_claim): the same login, so every visit and record stays theirs.
    """
    if not can_add_patients(actor):
        raise NotAllowed(_("Your role cannot register patients."))
    return _patient_without_account(
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        email=email,
        date_of_birth=date_of_birth,
    )


def _patient_without_account(*, first_name, last_name, phone="", email="", date_of_birth=None):
    """A patient record whose login cannot log in (no password, perhaps no address): a
    walk-in registered at the desk, or a family member their guardian manages."""
    email = UserManager.normalize_email(email) or None
    if email and User.objects.filter(email__iexact=email).exists():
        raise EmailTaken()
    user = User(
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=phone.strip(),
        role=User.Role.PATIENT,
        is_active=True,
        # Confirmed when they claim the account by the link sent to this address.
        email_confirmed=False,
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # the address was taken since the look-up
        raise EmailTaken() from exc
    return Patient.objects.create(user=user, date_of_birth=date_of_birth)


def _guardian_of(user):
    """The patient record of a patient who may manage family members."""
    guardian = user.patient_profile
    if guardian is None or not user.is_active or not user.has_usable_password():
        raise NotAllowed(_("Only a patient with an online account can add family members."))
    return guardian


@transaction.atomic
def add_dependant(*, guardian, first_name, last_name, date_of_birth, relationship) -> Patient:
    """`guardian` (a patient's login) adds a family member whose care they manage: a patient
    of their own, without an online account, whom only the guardian books and reads for."""
    guardian_patient = _guardian_of(guardian)
    dependant = _patient_without_account(
        first_name=first_name, last_name=last_name, date_of_birth=date_of_birth
    )
    Guardianship.objects.create(
        guardian=guardian_patient, dependant=dependant, relationship=relationship
    )
    log_access(
        actor=guardian,
        action=AccessLog.Action.CREATE,
        target=AccessLog.Target.PATIENT,
        object_id=dependant.pk,
        patient=dependant,
    )
    forget_dependants(guardian)
    return dependant


def family_link(*, guardian, dependant_pk, lock=False) -> Guardianship:
    """The guardian's active link to one of their dependants; anyone else's is a 404.
    `lock` (inside a transaction) locks the link's row until it commits."""
    links = Guardianship.objects.all()
    if lock:
        links = links.select_for_update(of=("self",))
    link = (
        links.active()
        .select_related("dependant__user")
        .filter(guardian__user=guardian, dependant_id=dependant_pk)
        .first()
    )
    if link is None:
        raise NotVisible()
    return link


@transaction.atomic
def change_dependant(
    *, guardian, dependant_pk, first_name, last_name, date_of_birth, relationship
) -> Patient:
    """The guardian corrects a family member's name, date of birth or relationship."""
    link = family_link(guardian=guardian, dependant_pk=dependant_pk, lock=True)
    dependant = link.dependant
    user = dependant.user
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    user.save(update_fields=["first_name", "last_name"])
    dependant.date_of_birth = date_of_birth
    dependant.save(update_fields=["date_of_birth", "updated_at"])
    link.relationship = relationship
    link.save(update_fields=["relationship"])
    log_access(
        actor=guardian,
        action=AccessLog.Action.UPDATE,
        target=AccessLog.Target.PATIENT,
        object_id=dependant.pk,
        patient=dependant,
    )
    return dependant


@transaction.atomic
def set_desk_patient_email(*, patient, email, actor) -> Patient:
    """Staff add or correct the address of a patient who has no online account yet
    (the one the claim invitation goes to)."""
    if not can_change_patient(actor, patient):
        raise NotAllowed(_("Your role cannot change patients' details."))
    user = User.objects.select_for_update().get(pk=patient.user_id)
    email = UserManager.normalize_email(email) or None
    if user.has_usable_password():
        raise NotAllowed(_("Only the patient changes the address of an online account."))
    if email and User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise EmailTaken()
    user.email = email
    try:
        with transaction.atomic():
            user.save(update_fields=["email"])
    except IntegrityError as exc:
        raise EmailTaken() from exc
    patient.user = user
    return patient


def sign_up_patient(
    *, email, password, first_name, last_name, phone="", date_of_birth=None
) -> None:
    """A person signs themselves up; what they see next never says if the address was free.

    A free address gets an inactive patient account and a link that activates it. An
    address that already has an account gets an email saying so (and, if that account
    is still waiting for activation, its link again); nothing is created or changed. The
    password is hashed in both cases so that the time taken tells nothing either.
    The emails are queued with the account (or alone) and sent by the worker.
    """
    email = UserManager.normalize_email(email)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = register_patient(
                    email=email,
                    password=password,
                    first_name=first_name,
                    last_name=last_name,
                    phone=phone,
                    date_of_birth=date_of_birth,
                    is_active=False,
                )
                send_activation(user=user)
        except IntegrityError:  # registered by another request since the look-up
            existing = User.objects.get(email__iexact=email)
        else:
            return
    make_password(password)
    tell_existing_account(user=existing)


def log_access(*, actor, action, target, object_id, patient, ip=None, reason=""):
    """Append an access-log row, unless the patient is looking at their own data."""
    if actor.pk == patient.user_id:
        return None
    return AccessLog.objects.create(
        actor=actor,
        action=action,
        target=target,
        object_id=object_id,
        patient=patient,
        ip_address=ip,
        reason=reason,
    )


def log_views(shown, *, target, actor, ip=None):
    """One VIEW row per (object id, patient) pair `actor` was shown (a list of diagnoses,
    say), written in one query; the patients' own looks at their data are left out."""
    entries = [
        AccessLog(
            actor=actor,
            action=AccessLog.Action.VIEW,
            target=target,
            object_id=object_id,
            patient=patient,
            ip_address=ip,
        )
        for object_id, patient in shown
        if patient.user_id != actor.pk
    ]
    return AccessLog.objects.bulk_create(entries) if entries else []


def log_access_to(subject, *, actor, action=AccessLog.Action.VIEW, ip=None):
    """log_access about `subject`: a patient (their profile) or one of their medical records."""
    if isinstance(subject, Patient):
        target, patient = AccessLog.Target.PATIENT, subject
    else:
        target, patient = AccessLog.Target.RECORD, subject.patient
    return log_access(
        actor=actor, action=action, target=target, object_id=subject.pk, patient=patient, ip=ip
    )


def log_export(*, patient, actor, ip=None):
    """A copy of all of a patient's data was made: always logged, the patient's own too."""
    return log_copy(
        target=AccessLog.Target.PATIENT, object_id=patient.pk, patient=patient, actor=actor, ip=ip
    )


def log_copy(*, target, object_id, patient, actor, ip=None):
    """A copy (a PDF) of one record, visit or profile of `patient` was made: always logged,
    the patient's own copies too, since a copy leaves the clinic's control."""
    return AccessLog.objects.create(
        actor=actor,
        action=AccessLog.Action.EXPORT,
        target=target,
        object_id=object_id,
        patient=patient,
        ip_address=ip,
    )
