"""Moving from one slot length per doctor to visit types and sites loses and changes
nothing: every appointment keeps its times, status and patient, and becomes a
consultation at the main site; every doctor offers the consultation at their old length."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("doctors", "0002_single_line_fields"), ("appointments", "0005_calendarfeed")]
AFTER = [
    ("doctors", "0003_visit_types_sites_closures"),
    ("appointments", "0006_visit_types_sites_closures"),
]
START = datetime.datetime(2030, 1, 7, 9, 0, tzinfo=datetime.UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def latest_schema_afterwards():
    """Going back to BEFORE also unapplies later migrations that depend on it (e.g. the
    waitlist's visit types and sites), which AFTER does not name: every app is brought back
    to its latest migration, so the tests after this one find the schema they expect."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_existing_appointments_become_consultations_at_the_main_site_unchanged():
    apps = migrate(BEFORE)
    User = apps.get_model("accounts", "User")
    Specialty = apps.get_model("doctors", "Specialty")
    Doctor = apps.get_model("doctors", "Doctor")
    WorkingHours = apps.get_model("doctors", "WorkingHours")
    Patient = apps.get_model("patients", "Patient")
    Appointment = apps.get_model("appointments", "Appointment")
    specialty = Specialty.objects.create(name="Cardiology", slug="cardiology")
    doctors = [
        Doctor.objects.create(
            user=User.objects.create(email=f"dr{minutes}@example.org", role="doctor"),
            specialty=specialty,
            license_number=f"LIC-{minutes}",
            slot_minutes=minutes,
        )
        for minutes in (30, 20)
    ]
    for doctor in doctors:
        WorkingHours.objects.create(
            doctor=doctor, weekday=0, start_time=datetime.time(9), end_time=datetime.time(12)
        )
    patient = Patient.objects.create(user=User.objects.create(email="p@example.org"))
    rows = []
    for i, (doctor, status) in enumerate(
        [(doctors[0], "booked"), (doctors[1], "fulfilled"), (doctors[1], "cancelled")]
    ):
        start = START + datetime.timedelta(hours=i)
        rows.append(
            Appointment.objects.create(
                patient=patient,
                doctor=doctor,
                start=start,
                end=start + datetime.timedelta(minutes=doctor.slot_minutes),
                status=status,
                reason=f"visit {i}",
            )
        )
    before = list(
        Appointment.objects.order_by("pk").values(
            "pk", "patient_id", "doctor_id", "start", "end", "status", "reason", "sequence"
        )
    )

    migrate(AFTER)

    from appointments.models import Appointment as Current
    from doctors.models import Doctor as CurrentDoctor
    from doctors.models import WorkingHours as CurrentHours

    after = list(
        Current.objects.order_by("pk").values(
            "pk", "patient_id", "doctor_id", "start", "end", "status", "reason", "sequence"
        )
    )
    assert after == before
    for appointment in Current.objects.select_related("visit_type", "site"):
        assert appointment.visit_type.name == "Consultation"
        assert appointment.site.name == "Main site"
        assert appointment.busy_until == appointment.end
    lengths = {
        doctor.license_number: [(o.visit_type.name, o.length) for o in doctor.offers.all()]
        for doctor in CurrentDoctor.objects.prefetch_related("offers__visit_type")
    }
    assert lengths == {"LIC-30": [("Consultation", 30)], "LIC-20": [("Consultation", 20)]}
    assert {h.site.name for h in CurrentHours.objects.select_related("site")} == {"Main site"}
