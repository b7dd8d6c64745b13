"""Break the glass: outside a care relationship a doctor may still open a patient's
records by giving a reason, for BREAK_GLASS_HOURS (4). The access is logged as such
with the reason, the patient sees it under "Who looked at my records", and staff review
it in the admin.

Who may: a doctor who may see the patient (a visit with them that was not cancelled)
and cannot read their records now. Anyone else is told it does not exist (404) or, in
the API, that their role may not (403).
"""

from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import SecurityEvent
from appointments.models import Appointment
from patients.models import AccessLog
from records.models import BreakGlassAccess
from tests.accounts.factories import staff_in
from tests.api_support import api_client, assert_error
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at, clock_at, login
from tests.html_support import messages_of
from tests.records.factories import MedicalRecordFactory

pytestmark = pytest.mark.django_db

Status = Appointment.Status
REASON = {"reason": "emergency", "explanation": "Brought in unconscious; need allergies."}


@pytest.fixture
def former(now, patient, doctor, other_doctor):
    """`doctor` last saw the patient two years ago; the patient has a record from last
    week, written by another doctor."""
    AppointmentFactory(
        patient=patient, doctor=doctor, start=at(-730, "09:00"), status=Status.FULFILLED
    )
    recent = AppointmentFactory(
        patient=patient, doctor=other_doctor, start=at(-7, "09:00"), status=Status.FULFILLED
    )
    return MedicalRecordFactory(appointment=recent, diagnosis="Type 1 diabetes")


def break_glass_url(patient):
    return reverse("records:break_glass", args=[patient.pk])


class TestThePages:
    def test_the_patient_page_offers_to_break_the_glass_instead_of_the_records(
        self, former, patient, doctor
    ):
        page = login(doctor.user).get(reverse("patients:detail", args=[patient.pk]))

        content = page.content.decode()
        assert "Type 1 diabetes" not in content
        assert break_glass_url(patient) in content
        assert not AccessLog.objects.filter(target=AccessLog.Target.RECORD).exists()

    def test_the_record_page_is_403_with_the_offer(self, former, patient, doctor):
        page = login(doctor.user).get(reverse("records:detail", args=[former.pk]))

        assert page.status_code == 403
        assert "Type 1 diabetes" not in page.content.decode()
        assert break_glass_url(patient) in page.content.decode()
        assert not AccessLog.objects.exists()

    def test_the_form_asks_for_a_reason_and_an_explanation(self, former, patient, doctor):
        page = login(doctor.user).get(break_glass_url(patient))

        content = page.content.decode()
        assert page.status_code == 200
        assert 'value="emergency"' in content and 'value="covering"' in content
        assert 'name="explanation"' in content

    def test_breaking_the_glass_opens_the_records_and_is_logged_with_the_reason(
        self, former, patient, doctor, now
    ):
        client = login(doctor.user)

        response = client.post(break_glass_url(patient), REASON, REMOTE_ADDR="203.0.113.5")

        assert response.status_code == 302
        assert response["Location"] == reverse("patients:detail", args=[patient.pk])
        assert "12:00" in messages_of(response)[0]  # until when
        grant = BreakGlassAccess.objects.get()
        assert (grant.doctor, grant.patient, grant.reason) == (doctor.user, patient, "emergency")
        assert grant.expires_at == now + timedelta(hours=4)
        entry = AccessLog.objects.get()
        assert (entry.actor, entry.action, entry.target, entry.patient) == (
            doctor.user,
            AccessLog.Action.BREAK_GLASS,
            AccessLog.Target.PATIENT,
            patient,
        )
        assert entry.reason == "Emergency: Brought in unconscious; need allergies."
        assert entry.ip_address == "203.0.113.5"
        page = client.get(reverse("patients:detail", args=[patient.pk])).content.decode()
        assert "Type 1 diabetes" in page

    def test_the_form_can_lead_back_to_the_record_that_was_asked_for(self, former, patient, doctor):
        record_url = reverse("records:detail", args=[former.pk])

        response = login(doctor.user).post(f"{break_glass_url(patient)}?next={record_url}", REASON)
        elsewhere = login(doctor.user).post(
            f"{break_glass_url(patient)}?next=https://evil.example/", REASON
        )

        assert response["Location"] == record_url
        assert elsewhere["Location"] == reverse("patients:detail", args=[patient.pk])

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"reason": "emergency", "explanation": ""}, "explanation"),
            ({"reason": "emergency", "explanation": "   "}, "explanation"),
            ({"reason": "curiosity", "explanation": "Just looking"}, "reason"),
            ({"reason": "covering", "explanation": "x" * 501}, "explanation"),
        ],
    )
    def test_without_a_reason_nothing_opens(self, former, patient, doctor, data, field):
        response = login(doctor.user).post(break_glass_url(patient), data)

        assert response.status_code == 200
        assert response.context["form"].has_error(field)
        assert not BreakGlassAccess.objects.exists()
        assert not AccessLog.objects.exists()

    def test_an_explanation_of_500_characters_is_accepted(self, former, patient, doctor):
        response = login(doctor.user).post(
            break_glass_url(patient), {"reason": "covering", "explanation": "x" * 500}
        )

        assert response.status_code == 302
        assert BreakGlassAccess.objects.get().explanation == "x" * 500

    def test_a_doctor_in_a_care_relationship_is_told_they_need_not(
        self, now, patient, doctor, former
    ):
        AppointmentFactory(patient=patient, doctor=doctor, start=at(3, "09:00"))

        response = login(doctor.user).post(break_glass_url(patient), REASON)

        assert response.status_code == 302
        assert "already" in messages_of(response)[0]
        assert not BreakGlassAccess.objects.exists()
        assert not AccessLog.objects.exists()

    def test_a_doctor_who_never_saw_the_patient_gets_404(self, former, patient, other_patient):
        stranger = AppointmentFactory(patient=other_patient, start=at(1, "09:00")).doctor

        response = login(stranger.user).post(break_glass_url(patient), REASON)

        assert response.status_code == 404
        assert not BreakGlassAccess.objects.exists()

    def test_the_patient_sees_it_with_the_reason(self, former, patient, doctor):
        login(doctor.user).post(break_glass_url(patient), REASON)

        page = login(patient.user).get(reverse("records:access_log")).content.decode()

        assert "broke the glass" in page.lower()
        assert "Emergency: Brought in unconscious; need allergies." in page
        assert doctor.user.display_name in page


class TestTheApi:
    def url(self):
        return reverse("api:record-break-glass")

    def test_breaking_the_glass_opens_the_records_until_it_expires(
        self, former, patient, doctor, now
    ):
        client = api_client(doctor.user)
        record = reverse("api:record-detail", args=[former.pk])
        assert_error(client.get(record), 404, "not_found")

        response = client.post(self.url(), {"patient": patient.pk, **REASON}, format="json")

        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["patient"], body["reason"]) == (patient.pk, "emergency")
        assert body["expires_at"] == "2030-01-07T12:00:00Z"
        assert client.get(record).status_code == 200
        assert client.get(reverse("api:record-list")).json()["count"] == 1
        with clock_at(now + timedelta(hours=4, minutes=1)):  # a new token: 15 minutes each
            assert_error(api_client(doctor.user).get(record), 404, "not_found")

    def test_refusals(self, former, patient, doctor, other_patient):
        client = api_client(doctor.user)

        assert_error(
            client.post(self.url(), {"patient": patient.pk, "reason": "emergency"}, format="json"),
            400,
            "invalid",
            fields=["explanation"],
        )
        assert_error(
            client.post(
                self.url(),
                {"patient": patient.pk, "reason": "bored", "explanation": "x"},
                format="json",
            ),
            400,
            "invalid",
            fields=["reason"],
        )
        assert_error(
            client.post(self.url(), {"patient": other_patient.pk, **REASON}, format="json"),
            404,
            "not_found",
        )
        assert_error(
            api_client(patient.user).post(
                self.url(), {"patient": patient.pk, **REASON}, format="json"
            ),
            403,
            "permission_denied",
        )
        assert not BreakGlassAccess.objects.exists()

    def test_a_doctor_in_a_care_relationship_gets_409(self, now, former, patient, doctor):
        AppointmentFactory(patient=patient, doctor=doctor, start=at(3, "09:00"))

        response = api_client(doctor.user).post(
            self.url(), {"patient": patient.pk, **REASON}, format="json"
        )

        assert_error(response, 409, "care_relationship_exists")


class TestTheReview:
    def test_records_officers_list_the_accesses_and_mark_them_reviewed(
        self, former, patient, doctor
    ):
        login(doctor.user).post(break_glass_url(patient), REASON)
        grant = BreakGlassAccess.objects.get()
        officer = staff_in("Records officer")
        client = login(officer)
        changelist = reverse("admin:records_breakglassaccess_changelist")

        listed = client.get(changelist, {"reviewed": "no"})
        client.post(changelist, {"action": "mark_reviewed", "_selected_action": [grant.pk]})

        content = listed.content.decode()
        assert "Brought in unconscious" in content and doctor.user.display_name in content
        grant.refresh_from_db()
        assert grant.reviewed_by == officer and grant.reviewed_at is not None
        event = SecurityEvent.objects.filter(actor=officer).latest("pk")
        assert event.kind == SecurityEvent.Kind.ADMIN_CHANGE
        assert "records.breakglassaccess" in event.target
        assert client.get(changelist, {"reviewed": "no"}).context["cl"].result_count == 0

    def test_nobody_edits_or_deletes_an_access(self, former, patient, doctor, staff_client):
        login(doctor.user).post(break_glass_url(patient), REASON)
        grant = BreakGlassAccess.objects.get()

        change = staff_client.post(
            reverse("admin:records_breakglassaccess_change", args=[grant.pk]),
            {"explanation": "Edited", "_save": "Save"},
        )
        delete = staff_client.post(
            reverse("admin:records_breakglassaccess_delete", args=[grant.pk]), {"post": "yes"}
        )

        assert delete.status_code == 403
        assert change.status_code in (302, 403)
        grant.refresh_from_db()
        assert grant.explanation == REASON["explanation"]

    def test_reception_cannot_review(self, former):
        response = login(staff_in("Reception")).get(
            reverse("admin:records_breakglassaccess_changelist")
        )

        assert response.status_code == 403
