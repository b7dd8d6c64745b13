"""Medical records: written once by the visit's doctor, amended with history, access logged."""

import pytest

from appointments.models import Appointment
from appointments.services import InvalidTransition
from healthcare.core.errors import NotVisible
from patients.models import AccessLog
from records.models import MedicalRecord, MedicalRecordVersion
from records.services import NothingChanged, RecordError, RecordExists, amend_record, write_record

pytestmark = pytest.mark.django_db

Status = Appointment.Status


def write(visit, author=None, **fields):
    fields.setdefault("diagnosis", "Acute bronchitis")
    return write_record(appointment=visit, author=author or visit.doctor.user, **fields)


def test_writing_the_record_fulfils_the_appointment(visit):
    record = write(visit, prescription="Rest", notes="Fluids", ip="10.0.0.7")

    visit.refresh_from_db()
    assert visit.status == Status.FULFILLED
    assert (record.patient, record.doctor, record.appointment) == (
        visit.patient,
        visit.doctor,
        visit,
    )
    assert list(record.versions.values_list("version", "diagnosis")) == [(1, "Acute bronchitis")]
    entry = AccessLog.objects.get()
    assert (entry.actor, entry.action, entry.target, entry.object_id, entry.ip_address) == (
        visit.doctor.user,
        "create",
        "record",
        record.pk,
        "10.0.0.7",
    )


def test_a_booked_appointment_is_checked_in_on_the_way(now, visit):
    visit.status = Status.BOOKED
    visit.save()

    write(visit)

    visit.refresh_from_db()
    assert visit.status == Status.FULFILLED


def test_only_the_appointments_doctor_writes_the_record(visit, other_doctor, patient, staff):
    for intruder in (other_doctor.user, patient.user, staff):
        with pytest.raises(NotVisible):
            write(visit, author=intruder)

    visit.refresh_from_db()
    assert visit.status == Status.CHECKED_IN
    assert not MedicalRecord.objects.exists()
    assert not AccessLog.objects.exists()


def test_a_second_record_for_one_appointment_is_refused(visit):
    write(visit)

    with pytest.raises(RecordExists):
        write(visit, diagnosis="Something else")

    assert MedicalRecord.objects.count() == 1


def test_no_record_for_a_cancelled_appointment(visit):
    visit.status = Status.CANCELLED
    visit.save()

    with pytest.raises(InvalidTransition):
        write(visit)

    assert not MedicalRecord.objects.exists()
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [{"diagnosis": "   "}, {"diagnosis": "x" * 5001}, {"notes": "x" * 10001}],
    ids=["blank-diagnosis", "long-diagnosis", "long-notes"],
)
def test_invalid_fields_are_refused_with_the_field_named(visit, fields):
    with pytest.raises(RecordError) as error:
        write(visit, **fields)

    assert set(error.value.fields) == set(fields)
    visit.refresh_from_db()
    assert visit.status == Status.CHECKED_IN
    assert not MedicalRecord.objects.exists()


def test_amending_keeps_every_version(visit):
    record = write(visit, prescription="Rest")

    amended = amend_record(
        record=record,
        author=visit.doctor.user,
        diagnosis="Acute bronchitis",
        prescription="Rest; salbutamol inhaler",
        reason="Added inhaler after lab results",
    )

    assert amended.version == 2
    assert amended.prescription == "Rest; salbutamol inhaler"
    first, second = MedicalRecordVersion.objects.filter(record=record).order_by("version")
    assert first.prescription == "Rest"
    assert second.reason == "Added inhaler after lab results"
    assert second.changed_fields(first) == ["prescription"]
    assert [e.action for e in AccessLog.objects.order_by("pk")] == ["create", "amend"]


def test_an_amendment_that_changes_nothing_is_refused(visit):
    record = write(visit, prescription="Rest")

    with pytest.raises(NothingChanged):
        amend_record(
            record=record,
            author=visit.doctor.user,
            diagnosis="Acute bronchitis",
            prescription="Rest",
        )

    assert record.versions.count() == 1


def test_only_the_author_amends(visit, other_doctor, staff):
    record = write(visit)

    for intruder in (other_doctor.user, staff, visit.patient.user):
        with pytest.raises(NotVisible):
            amend_record(record=record, author=intruder, diagnosis="Changed")

    record.refresh_from_db()
    assert record.diagnosis == "Acute bronchitis"
    assert record.versions.count() == 1
    assert AccessLog.objects.count() == 1  # the creation only
