"""The application side of the restore drill (.ci/restore-drill.sh): changes made through
the app's own services before and after the recovery point, and the checks on the
restored database.

    python .ci/restore_drill.py before STATE  # bookings, amendments, a cancellation
    python .ci/restore_drill.py after STATE   # more of each, after the recovery point
    python .ci/restore_drill.py verify STATE  # restored: all of before, none of after
    python .ci/restore_drill.py book          # a booking on the restored database

DATABASE_URL says which database. STATE is a JSON file that `before` and `after` write
and `verify` reads: what must be there, what must not, and every table's row count at
the recovery point. Exits non-zero, saying what differs, when the restore lost or kept
the wrong thing.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthcare.settings")

import django

django.setup()

from django.apps import apps  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import User  # noqa: E402
from appointments.models import Appointment  # noqa: E402
from appointments.selectors import next_free_slots  # noqa: E402
from appointments.services import SlotUnavailable, book_appointment, cancel_appointment  # noqa: E402
from doctors.models import Doctor  # noqa: E402
from patients.models import AccessLog, Patient  # noqa: E402
from records.models import MedicalRecord, MedicalRecordVersion  # noqa: E402
from records.services import amend_record  # noqa: E402

REASON = "Restore drill"


def book(count, reason):
    """`count` bookings through the booking service, each a free slot of some doctor."""
    booked = []
    patients = list(Patient.objects.filter(user__is_active=True).select_related("user"))
    for doctor in Doctor.objects.filter(user__is_active=True).order_by("pk"):
        for slot in next_free_slots(doctor, days=21, limit=10):
            for patient in patients:
                try:
                    appointment = book_appointment(
                        patient=patient,
                        doctor=doctor,
                        start=slot.start,
                        reason=reason,
                        booked_by=patient.user,
                        visit_type=slot.visit_type,
                        site=slot.site,
                    )
                except SlotUnavailable:
                    continue
                booked.append(appointment)
                patients.remove(patient)
                break
            if len(booked) == count:
                return booked
            break  # one per doctor: spread them out
    raise SystemExit(f"could book only {len(booked)} of {count} appointments")


def amend(records, label):
    versions = []
    for record in records:
        record = amend_record(
            record=record,
            author=record.doctor.user,
            diagnosis=f"{record.diagnosis} ({label})",
            prescription=record.prescription,
            notes=record.notes,
            reason=REASON,
        )
        versions.append([record.pk, record.version, record.diagnosis])
    return versions


def staff():
    return User.objects.filter(is_staff=True, is_active=True).order_by("pk").first()


def row_counts():
    counts = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table in counts or model._meta.proxy or not model._meta.managed:
                continue
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def upcoming_seeded_visit(exclude=()):
    return (
        Appointment.objects.filter(status=Appointment.Status.BOOKED)
        .exclude(reason=REASON)
        .exclude(pk__in=exclude)
        .order_by("start")
        .select_related("patient__user", "doctor__user")
        .first()
    )


def before(state_path):
    booked = book(3, REASON)
    records = MedicalRecord.objects.select_related("doctor__user").order_by("pk")[:2]
    versions = amend(records, "revised before the recovery point")
    cancelled = upcoming_seeded_visit()
    cancel_appointment(appointment=cancelled, actor=staff(), reason=REASON)
    state = {
        "present": {
            "appointments": [[a.pk, a.start.isoformat(), "booked"] for a in booked],
            "cancelled": [cancelled.pk],
            "versions": versions,
        },
        "counts_at_recovery_point": row_counts(),
    }
    Path(state_path).write_text(json.dumps(state, indent=1))
    print(
        f"before the recovery point: {len(booked)} bookings, {len(versions)} amendments "
        f"and {len([cancelled])} cancellation"
    )


def after(state_path):
    state = json.loads(Path(state_path).read_text())
    booked = book(2, f"{REASON} (after)")
    record = MedicalRecord.objects.select_related("doctor__user").order_by("pk").first()
    [version] = amend([record], "revised after the recovery point")
    # A visit booked before the recovery point is cancelled after it: the restore must
    # bring it back as booked.
    first_id = state["present"]["appointments"][0][0]
    cancel_appointment(
        appointment=Appointment.objects.get(pk=first_id), actor=staff(), reason=REASON
    )
    state["absent"] = {
        "appointments": [a.pk for a in booked],
        "versions": [version[:2]],
        "cancelled": [first_id],
    }
    state["counts_at_end"] = row_counts()
    Path(state_path).write_text(json.dumps(state, indent=1))
    print(f"after the recovery point: {len(booked)} bookings, 1 amendment, 1 cancellation")


def verify(state_path):
    state = json.loads(Path(state_path).read_text())
    problems = []
    checked = 0
    for pk, start, status in state["present"]["appointments"]:
        appointment = Appointment.objects.filter(pk=pk).first()
        checked += 1
        if appointment is None or appointment.start.isoformat() != start:
            problems.append(f"appointment {pk} booked before the recovery point is missing")
        elif appointment.status != status:
            problems.append(f"appointment {pk} is {appointment.status}, expected {status}")
    for pk in state["present"]["cancelled"]:
        checked += 1
        if not Appointment.objects.filter(pk=pk, status=Appointment.Status.CANCELLED).exists():
            problems.append(f"appointment {pk} cancelled before the recovery point is not")
    for record_id, version, diagnosis in state["present"]["versions"]:
        checked += 2
        kept = MedicalRecordVersion.objects.filter(record_id=record_id, version=version)
        if not kept.filter(diagnosis=diagnosis).exists():
            problems.append(f"record {record_id} version {version} is missing")
        current = MedicalRecord.objects.filter(pk=record_id).values_list("version", flat=True)
        if list(current) != [version]:
            problems.append(f"record {record_id} is at version {list(current)}, expected {version}")
    for pk in state["absent"]["appointments"]:
        checked += 1
        if Appointment.objects.filter(pk=pk).exists():
            problems.append(f"appointment {pk} booked after the recovery point is there")
    for record_id, version in state["absent"]["versions"]:
        checked += 1
        if MedicalRecordVersion.objects.filter(record_id=record_id, version=version).exists():
            problems.append(f"record {record_id} version {version} (after) is there")
    counts = row_counts()
    expected = state["counts_at_recovery_point"]
    for table, count in expected.items():
        if counts.get(table) != count:
            problems.append(f"{table}: {counts.get(table)} rows, {count} at the recovery point")
    rows = sum(expected.values())
    changed = sorted(
        table for table, count in state["counts_at_end"].items() if count != expected[table]
    )
    print(
        f"checked {checked} changed rows one by one and the row counts of {len(expected)} "
        f"tables ({rows} rows) against the recovery point; tables that grew after it and "
        f"came back at their earlier count: {', '.join(changed)}"
    )
    print(
        f"restored: {Appointment.objects.count()} appointments, "
        f"{MedicalRecordVersion.objects.count()} record versions, "
        f"{AccessLog.objects.count()} access-log entries"
    )
    if problems:
        print("RESTORE DRILL FAILED:\n  " + "\n  ".join(problems))
        raise SystemExit(1)


def book_on_restored():
    [appointment] = book(1, f"{REASON} (on the restored database)")
    print(f"booked on the restored database: appointment {appointment.pk} at {appointment.start}")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "book":
        book_on_restored()
    else:
        {"before": before, "after": after, "verify": verify}[command](sys.argv[2])
