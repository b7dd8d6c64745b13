"""Clinical content in the staff admin: nobody filters or searches a list by it, and every
admin page that shows it is written to the access log.

An attacker with a staff login could list every patient whose diagnosis, allergies,
history or reason for a visit matched a word (`?diagnosis__icontains=HIV`), one page a
question and not a line in the access log. Every admin now refuses a lookup that reaches
a clinical field, here or through relations (Django answers 400), and the pages that
show clinical content (a record, a patient's medical details, the reasons for visits,
list columns included) log one entry per object shown.
"""

import pytest
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse

from appointments.models import Appointment
from patients.models import AccessLog, Patient
from records.models import MedicalRecord, MedicalRecordVersion
from tests.appointments.factories import AppointmentFactory
from tests.conftest import at
from tests.records.factories import MedicalRecordFactory

pytestmark = pytest.mark.django_db

# What the clinic counts as clinical content, field by field.
CLINICAL = {
    Patient: ["blood_type", "allergies", "medical_history"],
    Appointment: ["reason", "cancellation_reason"],
    MedicalRecord: ["diagnosis", "prescription", "notes"],
    MedicalRecordVersion: ["diagnosis", "prescription", "notes", "reason"],
}


def relations(model):
    """(lookup name, related model) of every relation of `model`, both directions."""
    for field in model._meta.get_fields():
        if field.is_relation and field.related_model is not None:
            yield field.name, field.related_model


def clinical_lookups(model, depth=2):
    """Every lookup from `model` that reaches a clinical field through at most `depth`
    relations, e.g. `patient__allergies` from Appointment."""
    paths = [("", model)]
    found = set()
    for _ in range(depth + 1):
        next_paths = []
        for prefix, current in paths:
            for name in CLINICAL.get(current, []):
                found.add(f"{prefix}{name}")
            for name, related in relations(current):
                try:
                    current._meta.get_field(name)
                except FieldDoesNotExist:
                    continue
                next_paths.append((f"{prefix}{name}__", related))
        paths = next_paths
    return sorted(found)


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.fixture
def world(now):
    record = MedicalRecordFactory(diagnosis="Migraine with aura")
    record.patient.allergies = "Penicillin"
    record.patient.save()
    AppointmentFactory(
        patient=record.patient, doctor=record.doctor, start=at(1, "09:00"), reason="Headaches"
    )
    return record


def test_every_admin_list_refuses_lookups_that_reach_clinical_content(world, staff_client):
    tried = 0
    for model in admin.site._registry:
        for lookup in clinical_lookups(model):
            response = staff_client.get(changelist(model), {f"{lookup}__icontains": "a"})

            assert response.status_code == 400, (model, lookup)
            tried += 1
    assert tried > 30


def test_the_attack_as_it_was_run_now_gets_400_and_names_nobody(world, staff_client):
    for model, lookup in [
        (MedicalRecord, "diagnosis__icontains"),
        (MedicalRecord, "versions__notes__icontains"),
        (Patient, "allergies__icontains"),
        (Patient, "medical_records__prescription__icontains"),
        (Appointment, "reason__icontains"),
        (Appointment, "patient__medical_history__icontains"),
    ]:
        response = staff_client.get(changelist(model), {lookup: "i"})

        assert response.status_code == 400, (model, lookup)
        assert world.patient.user.last_name not in response.content.decode()
    assert not AccessLog.objects.exists()


def test_no_admin_searches_clinical_content():
    for model, model_admin in admin.site._registry.items():
        for name in model_admin.search_fields:
            lookup = name.lstrip("^=@")
            for clinical in clinical_lookups(model):
                assert not lookup.startswith(clinical), (model, name)


def test_ordinary_filters_still_work(world, staff_client):
    for model, params in [
        (Appointment, {"status__exact": "booked"}),
        (MedicalRecord, {"doctor__specialty__id__exact": world.doctor.specialty_id}),
        (Patient, {"user__is_active__exact": "1"}),
    ]:
        assert staff_client.get(changelist(model), params).status_code == 200, model


def test_the_appointment_list_logs_each_visit_whose_reason_it_shows(now, staff, staff_client):
    shown = [
        AppointmentFactory(start=at(1, f"{9 + n:02d}:00"), reason=f"Reason {n}") for n in range(3)
    ]

    response = staff_client.get(changelist(Appointment))

    assert "Reason 2" in response.content.decode()
    entries = AccessLog.objects.all()
    assert sorted(entries.values_list("object_id", flat=True)) == [a.pk for a in shown]
    assert {(e.actor, e.action, e.target) for e in entries} == {
        (staff, AccessLog.Action.VIEW, AccessLog.Target.APPOINTMENT)
    }
    assert {e.patient_id for e in entries} == {a.patient_id for a in shown}


def test_an_appointment_page_with_its_reason_is_logged(now, staff, staff_client):
    appointment = AppointmentFactory(start=at(1, "09:00"), reason="Chest pain")

    response = staff_client.get(
        reverse("admin:appointments_appointment_change", args=[appointment.pk])
    )

    assert "Chest pain" in response.content.decode()
    entry = AccessLog.objects.get()
    assert (entry.actor, entry.target, entry.object_id, entry.patient) == (
        staff,
        AccessLog.Target.APPOINTMENT,
        appointment.pk,
        appointment.patient,
    )


def test_lists_without_clinical_content_log_nothing(world, staff_client):
    for model in (Patient, MedicalRecord, AccessLog):
        assert staff_client.get(changelist(model)).status_code == 200
    assert not AccessLog.objects.exists()
