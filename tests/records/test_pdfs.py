"""Records to keep: a PDF of a medical record and of a visit's summary, for whoever may
see them, each copy written to the access log (the patient's own too)."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from patients.models import AccessLog
from records.services import amend_record
from tests.accounts.factories import staff_in
from tests.conftest import login

pytestmark = pytest.mark.django_db


def text_of(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    pages = PdfReader(io.BytesIO(response.content)).pages
    return "\n".join(page.extract_text() for page in pages)


def copies():
    return list(
        AccessLog.objects.filter(action=AccessLog.Action.EXPORT)
        .order_by("pk")
        .values_list("actor__email", "target", "object_id")
    )


class TestRecordPdf:
    def test_the_patient_downloads_their_record_with_its_history(
        self, now, patient_client, patient, record, doctor
    ):
        amend_record(
            record=record,
            author=doctor.user,
            diagnosis="Pneumonia",
            prescription="Rest",
            notes="Fluids",
            reason="X-ray result",
        )

        text = text_of(patient_client.get(reverse("records:pdf", args=[record.pk])))

        assert "Pneumonia" in text and "Rest" in text and "Fluids" in text
        assert patient.user.display_name in text
        assert "X-ray result" in text  # the history names each change's reason
        assert copies() == [(patient.user.email, "record", record.pk)]

    def test_the_record_page_offers_it(self, now, patient_client, record):
        page = patient_client.get(reverse("records:detail", args=[record.pk])).text

        assert f'href="{reverse("records:pdf", args=[record.pk])}"' in page

    def test_nobody_else_gets_it(self, now, record, other_patient):
        response = login(other_patient.user).get(reverse("records:pdf", args=[record.pk]))

        assert response.status_code == 404
        assert copies() == []


class TestVisitSummaryPdf:
    def test_the_patient_gets_the_visit_with_its_record(self, now, patient_client, patient, record):
        visit = record.appointment

        text = text_of(patient_client.get(reverse("appointments:pdf", args=[visit.pk])))

        assert "Visit summary" in text
        assert "Mon 7 Jan 2030, 07:30" in text and "08:00" in text
        assert "Acute bronchitis" in text and "Check-up" in text
        assert copies() == [
            (patient.user.email, "appointment", visit.pk),
            (patient.user.email, "record", record.pk),
        ]

    def test_the_appointment_page_offers_it(self, now, patient_client, visit):
        page = patient_client.get(reverse("appointments:detail", args=[visit.pk])).text

        assert f'href="{reverse("appointments:pdf", args=[visit.pk])}"' in page

    def test_reception_gets_the_visit_without_reason_or_record(self, now, record):
        reception = staff_in("Reception")
        visit = record.appointment

        text = text_of(login(reception).get(reverse("appointments:pdf", args=[visit.pk])))

        assert visit.patient.user.display_name in text
        assert "Check-up" not in text and "Acute bronchitis" not in text
        assert copies() == [(reception.email, "appointment", visit.pk)]

    def test_another_patient_gets_nothing(self, now, visit, other_patient):
        response = login(other_patient.user).get(reverse("appointments:pdf", args=[visit.pk]))

        assert response.status_code == 404
        assert copies() == []
