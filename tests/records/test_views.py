"""Record pages as a browser sees them: writing, amending, history, a patient's own
records and "who looked at my records" — and that a forbidden access changes nothing."""

import datetime

import pytest
from django.urls import reverse

from appointments.models import Appointment
from patients.models import AccessLog
from patients.services import log_access
from records.models import MedicalRecord, MedicalRecordVersion
from records.services import amend_record
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at, clock_at, login
from tests.doctors.factories import DoctorFactory
from tests.html_support import messages_of
from tests.records.factories import MedicalRecordFactory

pytestmark = pytest.mark.django_db

Status = Appointment.Status
MINE = reverse("records:mine")
ACCESS_LOG = reverse("records:access_log")


def write_url(appointment):
    return reverse("records:write", args=[appointment.pk])


def detail_url(record):
    return reverse("records:detail", args=[record.pk])


def amend_url(record):
    return reverse("records:amend", args=[record.pk])


@pytest.fixture
def colleague(patient):
    """Another doctor who also treats the patient: may read, may not write or amend."""
    doctor = DoctorFactory()
    AppointmentFactory(doctor=doctor, patient=patient, start=at(3, "10:00"))
    return doctor


def snapshot():
    """Everything a forbidden request must leave untouched."""
    return (
        list(AccessLog.objects.values_list("pk", flat=True)),
        list(MedicalRecord.objects.values_list("pk", "diagnosis", "version")),
        list(MedicalRecordVersion.objects.values_list("pk", flat=True)),
        list(Appointment.objects.values_list("pk", "status")),
    )


class TestOwnLists:
    """Who sees what on each page is in tests/test_authorization_matrix.py."""

    def test_a_patient_sees_only_their_own_lists(self, record, other_patient):
        client = login(other_patient.user)

        assert record.diagnosis not in client.get(MINE).content.decode()
        log_access(
            actor=record.doctor.user,
            action="view",
            target="record",
            object_id=record.pk,
            patient=record.patient,
        )
        assert "Nobody else has looked" in client.get(ACCESS_LOG).content.decode()


class TestForbiddenWritesChangeNothing:
    @pytest.mark.parametrize("who", ["other_doctor", "patient", "staff"])
    def test_only_the_visits_doctor_can_write_its_record(self, request, visit, who):
        user = request.getfixturevalue(who)
        before = snapshot()

        response = login(getattr(user, "user", user)).post(
            write_url(visit), {"diagnosis": "Made up"}
        )

        assert response.status_code == 404
        assert snapshot() == before

    def test_anonymous_cannot_write(self, client, visit):
        before = snapshot()

        response = client.post(write_url(visit), {"diagnosis": "Made up"})

        assert response.status_code == 302
        assert snapshot() == before

    @pytest.mark.parametrize("who", ["colleague", "other_doctor", "patient", "staff"])
    def test_only_the_author_can_amend(self, request, record, who):
        user = request.getfixturevalue(who)
        before = snapshot()

        response = login(getattr(user, "user", user)).post(
            amend_url(record), {"diagnosis": "Rewritten", "reason": "Because"}
        )

        assert response.status_code == 404
        assert snapshot() == before

    def test_there_is_no_delete(self, record, doctor_client, staff_client):
        for client in (doctor_client, staff_client):
            assert "Delete" not in client.get(detail_url(record)).content.decode()
        assert doctor_client.post(detail_url(record)).status_code == 405
        assert MedicalRecord.objects.filter(pk=record.pk).exists()


class TestWriteRecord:
    def test_the_form_asks_for_diagnosis_prescription_and_notes(self, visit, doctor_client):
        content = doctor_client.get(write_url(visit)).content.decode()

        for field in ("diagnosis", "prescription", "notes"):
            assert f'name="{field}"' in content
        assert visit.patient.user.display_name in content
        assert "marks the appointment as fulfilled" in content

    @pytest.mark.parametrize("status", [Status.BOOKED, Status.CHECKED_IN])
    def test_saving_the_record_fulfils_the_appointment(self, visit, doctor_client, status):
        Appointment.objects.filter(pk=visit.pk).update(status=status)

        response = doctor_client.post(
            write_url(visit),
            {"diagnosis": "Acute bronchitis", "prescription": "Rest", "notes": "Fluids"},
        )

        record = MedicalRecord.objects.get()
        assert response.status_code == 302
        assert response.url == detail_url(record)
        visit.refresh_from_db()
        assert visit.status == Status.FULFILLED
        assert (record.diagnosis, record.prescription, record.notes) == (
            "Acute bronchitis",
            "Rest",
            "Fluids",
        )
        assert list(record.versions.values_list("version", flat=True)) == [1]
        entry = AccessLog.objects.get()
        assert (entry.action, entry.target, entry.object_id, entry.ip_address) == (
            "create",
            "record",
            record.pk,
            "127.0.0.1",
        )
        page = doctor_client.get(response.url)
        assert "The record is saved and the appointment is marked fulfilled." in messages_of(page)

    def test_a_missing_diagnosis_is_a_field_error(self, visit, doctor_client):
        response = doctor_client.post(write_url(visit), {"diagnosis": "   ", "notes": "Kept"})

        assert response.status_code == 200
        form = response.context["form"]
        assert form.errors["diagnosis"] == ["Please enter a diagnosis."]
        assert "Kept" in response.content.decode()
        assert not MedicalRecord.objects.exists()
        visit.refresh_from_db()
        assert visit.status == Status.CHECKED_IN

    def test_too_long_a_text_is_a_field_error(self, visit, doctor_client):
        response = doctor_client.post(
            write_url(visit), {"diagnosis": "Flu", "prescription": "x" * 5001}
        )

        assert "prescription" in response.context["form"].errors
        assert not MedicalRecord.objects.exists()

    def test_a_visit_on_another_day_cannot_have_a_record_yet(self, now, doctor, doctor_client):
        tomorrow = AppointmentFactory(doctor=doctor, start=at(1, "10:00"))

        page = doctor_client.get(write_url(tomorrow))
        response = doctor_client.post(write_url(tomorrow), {"diagnosis": "Flu"})

        assert 'name="diagnosis"' not in page.content.decode()
        assert "from the day of the appointment" in page.content.decode()
        assert response.status_code == 200
        assert "A patient can be checked in on the day of the appointment." in messages_of(response)
        assert not MedicalRecord.objects.exists()
        tomorrow.refresh_from_db()
        assert tomorrow.status == Status.BOOKED

    @pytest.mark.parametrize("status", [Status.CANCELLED, Status.NOSHOW])
    def test_a_closed_visit_cannot_have_a_record(self, now, doctor, doctor_client, status):
        closed = AppointmentFactory(doctor=doctor, start=at(0, "07:00"), status=status)

        response = doctor_client.post(write_url(closed), {"diagnosis": "Flu"})

        assert response.status_code == 200
        assert messages_of(response)
        assert not MedicalRecord.objects.exists()

    def test_a_second_record_is_refused_and_points_to_the_first(self, record, visit, doctor_client):
        response = doctor_client.post(write_url(visit), {"diagnosis": "Again"}, follow=True)

        assert response.redirect_chain[-1][0] == detail_url(record)
        assert "Amend it instead of writing a new one" in messages_of(response)[0]
        assert MedicalRecord.objects.get().diagnosis == "Acute bronchitis"


class TestRecordPage:
    def test_shows_the_record_its_visit_and_author(self, record, visit, doctor, patient_client):
        content = patient_client.get(detail_url(record)).content.decode()

        assert "Acute bronchitis" in content
        assert "Rest" in content and "Fluids" in content
        assert str(doctor) in content
        assert reverse("appointments:detail", args=[visit.pk]) in content
        assert "Mon 7 Jan 2030, 07:30" in content
        assert "Version 1" in content and "(original)" in content
        assert amend_url(record) not in content  # only the author amends

    def test_every_version_shows_who_when_why_and_what_changed(self, record, doctor, now):
        amend_record(
            record=record,
            author=doctor.user,
            diagnosis="Community-acquired pneumonia",
            prescription="Amoxicillin 500 mg",
            notes="Fluids",
            reason="X-ray result",
        )
        amend_record(
            record=record,
            author=doctor.user,
            diagnosis="Community-acquired pneumonia",
            prescription="Amoxicillin 500 mg",
            notes="Fluids; review in a week",
            reason="",
        )

        content = login(doctor.user).get(detail_url(record)).content.decode()

        history = content[content.index('id="history-heading"') :]
        v3, v2, v1 = (history[history.index(f"Version {n}") :].split("</li>")[0] for n in (3, 2, 1))
        assert history.index("Version 3") < history.index("Version 2") < history.index("Version 1")
        assert f"By {doctor.user.display_name}, Mon 7 Jan 2030, 08:00" in v2
        assert "X-ray result" in v2
        assert "<del>Acute bronchitis</del>" in v2
        assert "<ins>Community-acquired pneumonia</ins>" in v2
        assert "<del>Rest</del>" in v2
        assert "Notes" not in v2  # unchanged in that version
        assert "<del>Fluids</del>" in v3
        assert "Diagnosis" not in v3
        assert "Not given" in v3
        assert "(original)" in v1

    def test_a_view_by_the_doctor_is_logged_and_by_the_patient_is_not(
        self, record, doctor_client, patient_client
    ):
        before = AccessLog.objects.count()  # the "create" row written with the record

        patient_client.get(detail_url(record))
        assert AccessLog.objects.count() == before

        doctor_client.get(detail_url(record))
        entry = AccessLog.objects.first()
        assert AccessLog.objects.count() == before + 1
        assert (entry.action, entry.target, entry.object_id, entry.ip_address) == (
            "view",
            "record",
            record.pk,
            "127.0.0.1",
        )

    def test_staff_and_colleagues_views_are_logged(self, record, staff, colleague):
        for user in (staff, colleague.user):
            login(user).get(detail_url(record))

        assert set(AccessLog.objects.filter(action="view").values_list("actor", flat=True)) == {
            staff.pk,
            colleague.user.pk,
        }

    def test_the_author_sees_the_amend_button(self, record, doctor_client):
        assert amend_url(record) in doctor_client.get(detail_url(record)).content.decode()


class TestAmend:
    def test_the_form_is_prefilled_and_the_view_is_logged(self, record, doctor_client):
        before = AccessLog.objects.count()

        response = doctor_client.get(amend_url(record))

        form = response.context["form"]
        assert form["diagnosis"].value() == "Acute bronchitis"
        assert form["notes"].value() == "Fluids"
        assert 'name="reason"' in response.content.decode()
        assert AccessLog.objects.count() == before + 1

    def test_an_amendment_adds_a_version_and_keeps_the_old_one(self, record, doctor_client):
        response = doctor_client.post(
            amend_url(record),
            {
                "diagnosis": "Pneumonia",
                "prescription": "Rest",
                "notes": "Fluids",
                "reason": "X-ray result",
            },
            follow=True,
        )

        assert response.redirect_chain[-1][0] == detail_url(record)
        assert "The record is amended. The earlier version is kept." in messages_of(response)
        record.refresh_from_db()
        assert (record.diagnosis, record.version) == ("Pneumonia", 2)
        assert list(record.versions.order_by("version").values_list("diagnosis", "reason")) == [
            ("Acute bronchitis", ""),
            ("Pneumonia", "X-ray result"),
        ]
        assert AccessLog.objects.filter(action="amend", object_id=record.pk).count() == 1
        assert "<del>Acute bronchitis</del>" in response.content.decode()

    def test_an_amendment_that_changes_nothing_is_a_form_error(self, record, doctor_client):
        response = doctor_client.post(
            amend_url(record),
            {"diagnosis": "Acute bronchitis", "prescription": "Rest", "notes": "Fluids"},
        )

        assert response.status_code == 200
        assert response.context["form"].non_field_errors() == ["The amendment changes nothing."]
        record.refresh_from_db()
        assert record.version == 1
        assert not AccessLog.objects.filter(action="amend").exists()

    def test_a_blank_diagnosis_is_a_field_error(self, record, doctor_client):
        response = doctor_client.post(amend_url(record), {"diagnosis": "", "notes": "x"})

        assert response.context["form"].errors["diagnosis"] == ["Please enter a diagnosis."]
        record.refresh_from_db()
        assert record.version == 1


class TestMyRecords:
    def test_lists_own_records_newest_first(self, now, patient, patient_client):
        older = MedicalRecordFactory(
            appointment=AppointmentFactory(patient=patient, start=at(-20, "10:00")),
            diagnosis="Sprained ankle",
        )
        newer = MedicalRecordFactory(
            appointment=AppointmentFactory(patient=patient, start=at(-2, "10:00")),
            diagnosis="Hay fever",
        )
        MedicalRecord.objects.filter(pk=older.pk).update(created_at=at(-20, "10:30"))
        MedicalRecordFactory(diagnosis="Someone else's")

        content = patient_client.get(MINE).content.decode()

        assert content.index("Hay fever") < content.index("Sprained ankle")
        assert detail_url(newer) in content and detail_url(older) in content
        assert "Someone else's" not in content
        assert reverse("records:access_log") in content

    def test_no_records_yet_says_so(self, patient_client):
        assert "no medical records yet" in patient_client.get(MINE).content.decode()

    @pytest.mark.parametrize("count", [2, 10])
    def test_query_count_does_not_grow_with_records(
        self, now, patient, patient_client, django_assert_num_queries, count
    ):
        for n in range(count):
            MedicalRecordFactory(
                appointment=AppointmentFactory(patient=patient, start=at(-1 - n, "10:00"))
            )

        # Session, user, patient, count, page.
        with django_assert_num_queries(5):
            response = patient_client.get(MINE)

        assert response.content.decode().count(">Read<span") == count


class TestAccessLogPage:
    def test_shows_who_what_and_when_in_clinic_time(self, now, record, patient_client, staff):
        login(staff).get(detail_url(record))

        content = patient_client.get(ACCESS_LOG).content.decode()

        rows = content[content.index("<tbody>") : content.index("</tbody>")]
        assert rows.count("<tr>") == 2  # the doctor writing it, staff reading it
        assert staff.display_name in rows and "(Clinic staff)" in rows
        assert record.doctor.user.display_name in rows and "(Doctor)" in rows
        assert "Viewed" in rows and "Created" in rows
        assert detail_url(record) in rows
        assert "Mon 7 Jan 2030, 08:00" in rows

    def test_summer_times_are_shown_in_clinic_time(self, patient, patient_client, doctor):
        with clock_at(datetime.datetime(2030, 7, 1, 9, 0, tzinfo=datetime.UTC)):
            log_access(
                actor=doctor.user,
                action="view",
                target="patient",
                object_id=patient.pk,
                patient=patient,
            )

        content = patient_client.get(ACCESS_LOG).content.decode()

        assert "Mon 1 Jul 2030, 10:00" in content
        assert "your profile" in content

    def test_pages_through_a_long_log(self, now, patient, patient_client, doctor):
        for _ in range(25):
            log_access(
                actor=doctor.user, action="view", target="patient", object_id=1, patient=patient
            )

        first = patient_client.get(ACCESS_LOG).content.decode()
        second = patient_client.get(ACCESS_LOG, {"page": 2}).content.decode()

        assert "Page 1 of 2" in first
        assert second[second.index("<tbody>") :].count("<tr>") == 5

    @pytest.mark.parametrize("count", [2, 10])
    def test_query_count_does_not_grow_with_entries(
        self, now, patient, patient_client, django_assert_num_queries, count
    ):
        for _ in range(count):
            log_access(
                actor=DoctorFactory().user,
                action="view",
                target="patient",
                object_id=patient.pk,
                patient=patient,
            )

        # Session, user, patient, count, page (with the actors).
        with django_assert_num_queries(5):
            response = patient_client.get(ACCESS_LOG)

        assert response.content.decode().count("(Doctor)") == count


def test_a_doctor_only_amends_own_records_even_for_a_shared_patient(now, record, colleague):
    own = MedicalRecordFactory(
        appointment=AppointmentFactory(
            doctor=colleague, patient=record.patient, start=at(-5, "10:00")
        ),
        diagnosis="Colleague's finding",
    )
    client = login(colleague.user)

    assert client.get(amend_url(own)).status_code == 200
    assert client.get(amend_url(record)).status_code == 404
