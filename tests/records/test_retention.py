"""Retention: a closed account's records stay RECORD_RETENTION_YEARS after the last visit,
then the purge erases what it may and leaves tombstones; staff see what is due."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import SecurityEvent
from appointments.models import Appointment
from appointments.services import close_account, retire_user
from patients.models import AccessLog
from patients.services import log_access
from records.models import MedicalRecord, MedicalRecordVersion
from records.selectors import add_years, due_for_purge
from records.services import amend_record, purge_due, write_record
from tests.accounts.factories import PASSWORD
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at, clock_at, login

pytestmark = pytest.mark.django_db
Status = Appointment.Status


@pytest.fixture
def closed(now, patient, doctor):
    """A patient seen this morning (a record, amended once), who then closed their account."""
    patient.allergies = "Penicillin"
    patient.medical_history = "Asthma"
    patient.emergency_contact_name = "Sam"
    patient.save()
    visit = AppointmentFactory(
        patient=patient,
        doctor=doctor,
        start=at(0, "07:30"),
        status=Status.CHECKED_IN,
        reason="Cough for weeks",
    )
    record = write_record(appointment=visit, author=doctor.user, diagnosis="Bronchitis")
    amend_record(record=record, author=doctor.user, diagnosis="Pneumonia", reason="X-ray")
    log_access(actor=doctor.user, action="view", target="patient", object_id=1, patient=patient)
    close_account(user=patient.user, password=PASSWORD)
    return patient


def due_ids(moment):
    with clock_at(moment):
        return list(due_for_purge().values_list("pk", flat=True))


def test_due_from_the_day_eight_years_after_the_last_visit_not_a_day_earlier(closed):
    assert due_ids(at(datetime.date(2038, 1, 6), "23:59")) == []
    assert due_ids(at(datetime.date(2038, 1, 7), "00:00")) == [closed.pk]
    assert due_ids(at(datetime.date(2038, 1, 8), "12:00")) == [closed.pk]


def test_the_retention_period_is_a_setting(closed, settings):
    settings.RECORD_RETENTION_YEARS = 10

    assert due_ids(at(datetime.date(2040, 1, 6), "12:00")) == []
    assert due_ids(at(datetime.date(2040, 1, 7), "12:00")) == [closed.pk]


def test_a_later_amendment_or_visit_moves_the_end_of_retention(closed, doctor):
    record = MedicalRecord.objects.get(patient=closed)
    with clock_at(at(datetime.date(2031, 3, 2), "10:00")):
        amend_record(record=record, author=doctor.user, diagnosis="Pneumonia, resolved")

    assert due_ids(at(datetime.date(2039, 3, 1), "12:00")) == []
    assert due_ids(at(datetime.date(2039, 3, 2), "12:00")) == [closed.pk]


def test_a_cancelled_visit_does_not_count_as_a_visit(closed, doctor):
    AppointmentFactory(
        patient=closed, doctor=doctor, start=at(200, "09:00"), status=Status.CANCELLED
    )

    assert due_ids(at(datetime.date(2038, 1, 7), "12:00")) == [closed.pk]


def test_a_patient_retired_by_staff_is_kept_the_same_way(now, patient, doctor, staff):
    AppointmentFactory(patient=patient, doctor=doctor, start=at(-7, "09:00"), status="fulfilled")
    retire_user(user=patient.user, actor=staff)

    assert due_ids(at(datetime.date(2037, 12, 30), "12:00")) == []
    assert due_ids(at(datetime.date(2037, 12, 31), "12:00")) == [patient.pk]


def test_an_account_still_open_is_never_due(now, patient, doctor):
    AppointmentFactory(patient=patient, doctor=doctor, start=at(-7, "09:00"))

    assert due_ids(at(datetime.date(2050, 1, 1), "12:00")) == []


def test_29_february_counts_on_to_1_march():
    assert add_years(datetime.date(2032, 2, 29), 1) == datetime.date(2033, 3, 1)
    assert add_years(datetime.date(2032, 2, 29), 4) == datetime.date(2036, 2, 29)


class TestPurge:
    @pytest.fixture
    def purged(self, closed):
        with clock_at(at(datetime.date(2038, 1, 7), "03:00")):
            assert call_command("purge_due_records") is None
        return closed

    def test_nothing_is_purged_a_day_early(self, closed):
        with clock_at(at(datetime.date(2038, 1, 6), "03:00")):
            assert purge_due() == 0

        assert MedicalRecordVersion.objects.filter(diagnosis="Pneumonia").exists()

    def test_clinical_text_and_personal_details_are_erased(self, purged):
        purged.refresh_from_db()
        user = purged.user
        assert (user.first_name, user.last_name, user.phone) == ("", "", "")
        assert user.email == f"purged-{user.pk}@purged.invalid"
        assert not user.is_active and not user.has_usable_password()
        assert (purged.allergies, purged.medical_history, purged.date_of_birth) == ("", "", None)
        assert purged.emergency_contact_name == "" and purged.purged_at is not None
        assert list(Appointment.objects.values_list("reason", flat=True)) == [""]
        record = MedicalRecord.objects.get()
        assert (record.diagnosis, record.prescription, record.notes) == ("", "", "")

    def test_record_versions_become_tombstones_who_and_when_kept(self, purged, doctor):
        versions = MedicalRecordVersion.objects.order_by("version")

        assert [(v.version, v.diagnosis, v.reason) for v in versions] == [(1, "", ""), (2, "", "")]
        assert all(v.purged_at and v.author_id == doctor.user.pk for v in versions)
        assert versions[0].created_at == at(0, "08:00")  # written this morning, still known

    def test_the_logs_stay_whole_and_say_it_happened(self, purged, doctor):
        log = list(AccessLog.objects.filter(patient=purged).order_by("pk"))
        event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.ACCOUNT_PURGED)

        assert [(e.actor_id, e.action) for e in log] == [
            (doctor.user.pk, "create"),
            (doctor.user.pk, "amend"),
            (doctor.user.pk, "view"),
            (None, "purge"),
        ]
        assert event.actor_id == purged.user_id
        assert "last contact 2030-01-07" in event.detail
        assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ACCOUNT_CLOSED).count() == 0

    def test_a_purge_runs_once(self, purged):
        with clock_at(at(datetime.date(2039, 1, 1), "03:00")):
            assert purge_due() == 0
        assert AccessLog.objects.filter(action="purge").count() == 1

    def test_the_dry_run_lists_without_purging(self, closed, capsys):
        with clock_at(at(datetime.date(2038, 1, 7), "03:00")):
            call_command("purge_due_records", dry_run=True)

        out = capsys.readouterr().out
        assert f"patient #{closed.pk}: closed 2030-01-07, due since 2038-01-07" in out
        assert "1 account(s) due for purge." in out
        assert MedicalRecordVersion.objects.filter(diagnosis="Pneumonia").exists()


class TestAdmin:
    URL = reverse("admin:records_closedaccount_changelist")

    def test_staff_see_each_closed_account_and_when_it_is_due(self, closed, staff_client):
        kept = staff_client.get(self.URL, {"retention": "kept"}).text
        due = staff_client.get(self.URL, {"retention": "due"}).text

        assert closed.user.display_name in kept and "Thu 7 Jan 2038" in kept
        assert closed.user.display_name not in due

    def test_once_due_it_is_listed_as_due(self, closed, staff):
        with clock_at(at(datetime.date(2038, 1, 7), "09:00")):
            due = login(staff).get(self.URL, {"retention": "due"}).text

        assert closed.user.display_name in due

    def test_nobody_changes_or_deletes_anything_there(self, closed, staff_client):
        change = reverse("admin:records_closedaccount_change", args=[closed.pk])
        delete = reverse("admin:records_closedaccount_delete", args=[closed.pk])

        assert 'type="submit"' not in staff_client.get(change).text.split('id="content-main"')[1]
        assert staff_client.post(delete).status_code == 403
