""" "Download my data": a patient's whole data as a FHIR R4 Bundle (valid against HL7's
official JSON schema) and as a readable PDF; the patient's own, or staff's for them;
every download written to the access log."""

import base64
import functools
import gzip
import io
import json
from pathlib import Path

import jsonschema
import pytest
from django.urls import reverse
from pypdf import PdfReader

from patients.models import AccessLog
from patients.services import log_access
from records.services import amend_record
from tests.api_support import api_client
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at

pytestmark = pytest.mark.django_db
SCHEMA = Path(__file__).parent / "fhir" / "fhir.schema.json.gz"
EXPORT = reverse("records:export")


@functools.cache
def fhir_validator():
    schema = json.loads(gzip.decompress(SCHEMA.read_bytes()))
    return jsonschema.Draft6Validator(schema)


def assert_valid_fhir(resource):
    errors = sorted(fhir_validator().iter_errors(resource), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message[:300]}" for e in errors[:5])


def resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.fixture
def history(record, patient, doctor, staff):
    """The record amended once, a booked visit next week (cancelled one too), staff looked."""
    patient.allergies = "Penicillin\nLatex"
    patient.medical_history = "Asthma since childhood"
    patient.emergency_contact_name = "Zoë Łukasiewicz"
    patient.emergency_contact_phone = "0161 496 0123"
    patient.save()
    amend_record(
        record=record, author=doctor.user, diagnosis="Pneumonia", notes="Fluids", reason="X-ray"
    )
    AppointmentFactory(patient=patient, doctor=doctor, start=at(7, "10:00"), reason="Review")
    AppointmentFactory(
        patient=patient,
        doctor=doctor,
        start=at(8, "10:00"),
        status="cancelled",
        cancellation_reason="Feeling better",
    )
    log_access(actor=staff, action="view", target="patient", object_id=patient.pk, patient=patient)
    return record


class TestFhirBundle:
    def test_the_patients_own_bundle_is_valid_fhir_r4_and_holds_everything(
        self, history, patient, patient_client, doctor
    ):
        response = patient_client.get(EXPORT)

        assert response.status_code == 200
        assert response["Content-Type"] == "application/fhir+json"
        assert response["Content-Disposition"].startswith("attachment; filename=")
        assert "no-store" in response["Cache-Control"]
        bundle = response.json()
        assert_valid_fhir(bundle)
        assert bundle["type"] == "collection"
        [person] = resources(bundle, "Patient")
        assert person["name"] == [
            {
                "use": "official",
                "family": patient.user.last_name,
                "given": [patient.user.first_name],
            }
        ]
        assert person["birthDate"] == "1985-06-15"
        assert person["contact"][0]["name"]["text"] == "Zoë Łukasiewicz"
        assert [a["code"]["text"] for a in resources(bundle, "AllergyIntolerance")] == [
            "Penicillin",
            "Latex",
        ]
        assert [p["identifier"][0]["value"] for p in resources(bundle, "Practitioner")] == [
            doctor.license_number
        ]
        assert sorted(a["status"] for a in resources(bundle, "Appointment")) == [
            "booked",
            "cancelled",
            "fulfilled",
        ]
        assert len(resources(bundle, "Encounter")) == 1

    def test_every_version_of_a_record_is_there_the_earlier_one_superseded(
        self, history, patient_client
    ):
        bundle = patient_client.get(EXPORT).json()

        documents = resources(bundle, "DocumentReference")
        texts = [
            base64.b64decode(d["content"][0]["attachment"]["data"]).decode() for d in documents
        ]
        assert [d["status"] for d in documents] == ["superseded", "current"]
        assert "Diagnosis: Acute bronchitis" in texts[0]
        assert "Diagnosis: Pneumonia" in texts[1] and documents[1]["description"] == "X-ray"
        replaced = next(e for e in bundle["entry"] if e["resource"] is documents[0])["fullUrl"]
        assert documents[1]["relatesTo"] == [
            {"code": "replaces", "target": {"reference": replaced}}
        ]

    def test_every_reference_points_into_the_bundle(self, history, patient_client):
        bundle = patient_client.get(EXPORT).json()
        urls = {entry["fullUrl"] for entry in bundle["entry"]}

        text = json.dumps(bundle)
        references = {part.split('"')[0] for part in text.split('"reference": "')[1:]}
        assert references and references <= urls

    def test_the_access_log_is_in_it_the_download_itself_included(
        self, history, patient, patient_client, staff
    ):
        bundle = patient_client.get(EXPORT).json()

        events = resources(bundle, "AuditEvent")
        assert [e["outcomeDesc"] for e in events] == [
            "Created",
            "Amended",
            "Viewed",
            "Downloaded a copy",
        ]
        assert events[2]["agent"][0]["who"]["display"].startswith(staff.display_name)
        export = AccessLog.objects.get(action="export")
        assert (export.actor, export.patient) == (patient.user, patient)


class TestPdf:
    def test_the_readable_copy_has_the_same_content(self, history, patient, patient_client):
        response = patient_client.get(EXPORT, {"format": "pdf"})

        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        text = "\n".join(
            page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
        )
        assert patient.user.display_name in text
        assert "Zoë Łukasiewicz" in text  # beyond Latin-1: the embedded font has it
        assert "Acute bronchitis" in text and "Pneumonia" in text and "X-ray" in text
        assert "Feeling better" in text and "Downloaded a copy" in text
        assert AccessLog.objects.filter(action="export", actor=patient.user).count() == 1


class TestWhoMayDownload:
    def test_staff_make_a_patients_copy_and_it_is_logged_as_theirs(
        self, history, patient, staff_client, staff
    ):
        url = reverse("patients:export", args=[patient.pk])

        assert_valid_fhir(staff_client.get(url).json())
        assert staff_client.get(url, {"format": "pdf"}).content.startswith(b"%PDF")
        assert AccessLog.objects.filter(action="export", actor=staff).count() == 2

    def test_nobody_else_gets_it_and_nothing_is_logged(
        self, history, patient, other_patient, doctor_client
    ):
        url = reverse("patients:export", args=[patient.pk])
        other = api_client(other_patient.user)

        assert doctor_client.get(url).status_code == 404
        assert doctor_client.get(EXPORT).status_code == 404
        assert other.get(reverse("api:patient-export", args=[patient.pk])).status_code == 404
        assert not AccessLog.objects.filter(action="export").exists()


class TestApi:
    def test_the_patient_downloads_the_bundle(self, history, patient):
        client = api_client(patient.user)

        response = client.get(reverse("api:patient-export", args=[patient.pk]))

        assert response.status_code == 200
        assert response["Content-Type"] == "application/fhir+json"
        assert_valid_fhir(json.loads(response.content))

    def test_and_the_pdf(self, history, patient):
        client = api_client(patient.user)

        response = client.get(reverse("api:patient-export-pdf", args=[patient.pk]))

        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")
        assert AccessLog.objects.filter(action="export").count() == 1
