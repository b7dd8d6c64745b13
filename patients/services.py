"""Writes to patients that carry a rule: registering a patient (login and record together),
and the access log of who looked at or changed a patient's data."""

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User, UserManager
from accounts.services import send_activation, tell_existing_account
from healthcare.core.errors import DomainError, NotAllowed
from patients.models import AccessLog, Patient
from patients.permissions import can_add_patients, can_change_patient


@transaction.atomic
def register_patient(
    *,
    email,
    password,
    first_name,
    last_name,
    phone="",
    date_of_birth=None,
    is_active=True,
    language="",
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
        language=language,
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
    *, email, password, first_name, last_name, phone="", date_of_birth=None, language=""
) -> None:
    """A person signs themselves up; what they see next never says if the address was free.

    A free address gets an inactive patient account and a link that activates it. An
    address that already has an account gets an email saying so (and, if that account
    is still waiting for activation, its link again); nothing is created or changed. The
    password is hashed in both cases so that the time taken tells nothing either.
    The emails are queued with the account (or alone) and sent by the worker; a new
    account keeps `language`, the one the person signed up in, for its emails.
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
                    language=language,
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
