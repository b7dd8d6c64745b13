"""Fill a database with a large clinic for the load benchmark: `manage.py seed_bench`.

By default 500 doctors, 100 000 patients and 1 000 000 appointments spread over two
years that end at the booking horizon (so mostly history, as in a real diary), with a
medical record (and its first version) for every fulfilled visit. Scale it down with
--doctors, --patients and --appointments, e.g. `seed_bench --appointments 10000`.

Rows go in with PostgreSQL's COPY (psycopg 3), or with batched INSERTs elsewhere; no
model is saved one by one and every password is the same precomputed hash. The data
respect every rule the database checks: each doctor works Monday to Friday 09:00–12:00
and 13:00–17:00 in 30-minute slots (the clinic's time zone), every appointment is one
of those slots, and at any slot time each patient has at most one appointment, so the
no-overlap exclusion constraints hold for doctors and patients alike.

Logins: doctorN@bench.example and patientN@bench.example (N from 1), staff
admin@bench.example, all with the password given by --password.
"""

import random
import time as clock
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import NOT_PROVIDED
from django.utils import timezone

from accounts.models import User
from appointments.models import Appointment
from doctors.models import Doctor, Site, Specialty, VisitType, VisitTypeOffer, WorkingHours
from patients.models import Patient
from records.models import MedicalRecord, MedicalRecordVersion

Status = Appointment.Status

SPECIALTIES = [
    "General Practice",
    "Cardiology",
    "Dermatology",
    "Paediatrics",
    "Orthopaedics",
    "Neurology",
    "Ophthalmology",
    "Psychiatry",
    "Gynaecology",
    "Endocrinology",
    "Gastroenterology",
    "Urology",
]
FIRST_NAMES = [
    "Amara", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Hugo", "Isla", "Jonas",
    "Keira", "Liam", "Maya", "Noah", "Olivia", "Priya", "Quentin", "Rosa", "Samir", "Tara",
    "Umar", "Vera", "William", "Xena", "Yusuf", "Zoe",
]  # fmt: skip
LAST_NAMES = [
    "Adams", "Bennett", "Chen", "Dimitrov", "Evans", "Fischer", "Garcia", "Hughes", "Ibrahim",
    "Jones", "Kowalski", "Lopez", "Murphy", "Nakamura", "Okafor", "Patel", "Quinn", "Rossi",
    "Singh", "Taylor", "Usman", "Vasquez", "Walsh", "Young", "Zhang",
]  # fmt: skip
REASONS = ["Check-up", "Follow-up", "Persistent cough", "Back pain", "Rash", "Headaches", ""]
DIAGNOSES = [
    "Upper respiratory tract infection",
    "Mechanical low back pain",
    "Contact dermatitis",
    "Tension-type headache",
    "Essential hypertension, controlled",
    "No abnormality found",
]
WORKING_INTERVALS = [(time(9), time(12)), (time(13), time(17))]
WORKING_DAYS = range(5)  # Monday to Friday
SLOT_MINUTES = 30
BATCH = 5000


def slot_times():
    """The local start times of a working day's slots."""
    times = []
    for start, end in WORKING_INTERVALS:
        moment = datetime.combine(date.min, start)
        while (moment + timedelta(minutes=SLOT_MINUTES)).time() <= end and moment.time() < end:
            times.append(moment.time())
            moment += timedelta(minutes=SLOT_MINUTES)
    return times


class Writer:
    """Inserts rows of one model fast: COPY on PostgreSQL, batched INSERTs elsewhere.

    Columns not given get their model default (auto_now fields: the seed's time), so the
    command keeps working when a model gains a field with a default.
    """

    def __init__(self, model, columns, now):
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.given = [fields[name] for name in columns]
        self.rest = []
        for name, field in fields.items():
            if name in columns or field.db_default is not NOT_PROVIDED:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now
            else:
                value = field.get_default()  # "" for text fields without a default
                if value is None and not field.null:
                    raise CommandError(f"{model.__name__}.{name} needs a value in seed_bench.")
            self.rest.append((field, value))
        self.fields = self.given + [field for field, _ in self.rest]
        self.tail = tuple(value for _, value in self.rest)

    def write(self, rows):
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        count = 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + self.tail)
                        count += 1
                return count
            placeholders = ", ".join(["%s"] * len(self.fields))
            # Table and column names are this command's constants; values go as parameters.
            sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # nosec B608
            batch = []
            for row in rows:
                batch.append(
                    [
                        f.get_db_prep_save(v, connection)
                        for f, v in zip(self.fields, row + self.tail, strict=True)
                    ]
                )
                if len(batch) >= BATCH:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
        return count


def next_id(model):
    return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1


class Command(BaseCommand):
    help = "Fill the database with a large clinic for the load benchmark (bulk inserts)."

    def add_arguments(self, parser):
        parser.add_argument("--doctors", type=int, default=500)
        parser.add_argument("--patients", type=int, default=100_000)
        parser.add_argument("--appointments", type=int, default=1_000_000)
        parser.add_argument(
            "--days",
            type=int,
            default=730,
            help="Days of calendar, ending at the booking horizon (mostly history).",
        )
        parser.add_argument("--password", default="bench-clinic-2030")
        parser.add_argument("--seed", type=int, default=2030)
        parser.add_argument(
            "--no-records", action="store_true", help="Skip medical records of past visits."
        )

    def handle(self, *args, **opts):
        if opts["doctors"] < 1 or opts["patients"] < 1 or opts["appointments"] < 0:
            raise CommandError("Give at least one doctor and one patient.")
        if User.objects.filter(email__endswith="@bench.example").exists():
            raise CommandError(
                "This database already holds benchmark data: seed an empty (migrated) one."
            )
        self.rng = random.Random(opts["seed"])  # nosec B311 (repeatable fake data, no secret)
        self.now = timezone.now()
        self.started = clock.perf_counter()
        with transaction.atomic():
            password = make_password(opts["password"])
            specialties = self.seed_specialties()
            self.sites = self.seed_sites()
            self.visit_type = VisitType.objects.default()
            doctor_users, doctors = self.seed_doctors(opts["doctors"], specialties, password)
            patients = self.seed_patients(opts["patients"], password)
            self.seed_staff(password)
            fulfilled = self.seed_appointments(
                opts["appointments"], doctors, doctor_users, patients, opts["days"]
            )
            if not opts["no_records"]:
                self.seed_records(fulfilled)
            self.reset_sequences()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in (User, Patient, Doctor, WorkingHours, Appointment, MedicalRecord):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        self.say("done")

    def say(self, message):
        elapsed = clock.perf_counter() - self.started
        self.stdout.write(f"[{elapsed:7.1f}s] {message}")

    def seed_specialties(self):
        ids = []
        for name in SPECIALTIES:
            slug = name.lower().replace(" ", "-")
            specialty, _ = Specialty.objects.get_or_create(slug=slug, defaults={"name": name})
            ids.append(specialty.pk)
        return ids

    def seed_sites(self):
        """Three sites; a doctor works at one each weekday (site_of)."""
        return [
            Site.objects.get_or_create(name=name, defaults={"address": f"{name} Road"})[0].pk
            for name in ("Bench North", "Bench Centre", "Bench South")
        ]

    def site_of(self, doctor_id, weekday):
        return self.sites[(doctor_id + weekday) % len(self.sites)]

    def _users(self, first_id, count, role, prefix, password):
        writer = Writer(
            User,
            ["id", "email", "password", "first_name", "last_name", "role", "is_active"],
            self.now,
        )
        rng = self.rng
        rows = (
            (
                first_id + i,
                f"{prefix}{i + 1}@bench.example",
                password,
                rng.choice(FIRST_NAMES),
                f"{rng.choice(LAST_NAMES)}-{i + 1}",
                role,
                True,
            )
            for i in range(count)
        )
        writer.write(rows)
        return list(range(first_id, first_id + count))

    def seed_doctors(self, count, specialties, password):
        user_ids = self._users(next_id(User), count, User.Role.DOCTOR, "doctor", password)
        first = next_id(Doctor)
        doctor_ids = list(range(first, first + count))
        Writer(
            Doctor,
            [
                *("id", "user_id", "specialty_id", "license_number", "years_of_experience"),
                *("slot_minutes", "accepting_new_patients", "bio"),
            ],
            self.now,
        ).write(
            (
                doctor_id,
                user_id,
                specialties[i % len(specialties)],
                f"BENCH-{i + 1:07d}",
                self.rng.randint(1, 35),
                SLOT_MINUTES,
                True,
                "",
            )
            for i, (doctor_id, user_id) in enumerate(zip(doctor_ids, user_ids, strict=True))
        )
        offer_id = next_id(VisitTypeOffer)
        Writer(VisitTypeOffer, ["id", "doctor_id", "visit_type_id"], self.now).write(
            (offer_id + n, doctor_id, self.visit_type.pk) for n, doctor_id in enumerate(doctor_ids)
        )
        hours_id = next_id(WorkingHours)
        Writer(
            WorkingHours,
            ["id", "doctor_id", "weekday", "start_time", "end_time", "site_id"],
            self.now,
        ).write(
            (hours_id + n, doctor_id, day, start, end, self.site_of(doctor_id, day))
            for n, (doctor_id, day, (start, end)) in enumerate(
                (d, day, interval)
                for d in doctor_ids
                for day in WORKING_DAYS
                for interval in WORKING_INTERVALS
            )
        )
        self.say(f"{count} doctors with working hours")
        return user_ids, doctor_ids

    def seed_patients(self, count, password):
        user_ids = self._users(next_id(User), count, User.Role.PATIENT, "patient", password)
        first = next_id(Patient)
        patient_ids = list(range(first, first + count))
        Writer(Patient, ["id", "user_id", "date_of_birth"], self.now).write(
            (patient_id, user_id, date(1940, 1, 1) + timedelta(days=(user_id * 7919) % 25000))
            for patient_id, user_id in zip(patient_ids, user_ids, strict=True)
        )
        self.say(f"{count} patients")
        return patient_ids

    def seed_staff(self, password):
        Writer(
            User,
            [
                *("id", "email", "password", "first_name", "last_name", "role", "is_active"),
                *("is_staff", "is_superuser"),
            ],
            self.now,
        ).write(
            [
                (
                    next_id(User),
                    "admin@bench.example",
                    password,
                    "Bench",
                    "Admin",
                    User.Role.ADMIN,
                    True,
                    True,
                    True,
                )
            ]
        )

    def seed_appointments(self, count, doctors, doctor_users, patients, days):
        """Appointments on the slot grid; returns (appointment, patient, doctor, author) of
        the fulfilled ones, for their records."""
        tz = timezone.get_current_timezone()
        today = timezone.localdate(self.now)
        # Like a real diary: a long history, and the future only up to the booking horizon.
        horizon = settings.CLINIC_BOOKING_HORIZON.days
        first_day = today - timedelta(days=max(days - horizon, 0))
        starts = []  # every slot start of the span, in UTC, in order
        for n in range(days):
            day = first_day + timedelta(days=n)
            if day.weekday() not in WORKING_DAYS:
                continue
            for at in slot_times():
                starts.append(datetime.combine(day, at, tzinfo=tz).astimezone(UTC))
        per_time = min(len(doctors), len(patients))  # one per doctor, distinct patients
        if count > per_time * len(starts):
            raise CommandError(
                f"At most {per_time * len(starts)} appointments fit this many doctors, "
                "patients and days."
            )
        # How many appointments start at each slot time: even, remainder spread at random.
        base, extra = divmod(count, len(starts))
        counts = [base] * len(starts)
        for index in self.rng.sample(range(len(starts)), extra):
            counts[index] += 1

        rng = self.rng
        order = patients[:]
        rng.shuffle(order)
        length = timedelta(minutes=SLOT_MINUTES)
        first_id = next_id(Appointment)
        doctor_user = dict(zip(doctors, doctor_users, strict=True))
        fulfilled = []
        now = self.now
        # Consecutive appointments take consecutive patients of a shuffled list, so the
        # (at most len(patients)) appointments of one slot time all have distinct patients.
        columns = ["id", "patient_id", "doctor_id", "start", "end", "reason", "status"]
        columns += ["booked_by_id", "cancelled_at", "cancellation_reason", "created_at"]
        columns += ["visit_type_id", "site_id", "busy_until"]
        visit_type_id = self.visit_type.pk

        def rows():
            serial = 0
            for start, how_many in zip(starts, counts, strict=True):
                if not how_many:
                    continue
                end = start + length
                for doctor_id in rng.sample(doctors, how_many):
                    patient_id = order[serial % len(order)]
                    pk = first_id + serial
                    serial += 1
                    roll = rng.random()
                    cancelled_at, why = None, ""
                    if end <= now:
                        if roll < 0.85:
                            status = Status.FULFILLED
                            fulfilled.append((pk, patient_id, doctor_id, doctor_user[doctor_id]))
                        elif roll < 0.92:
                            status = Status.CANCELLED
                            cancelled_at, why = start - timedelta(days=2), "Feeling better"
                        else:
                            status = Status.NOSHOW
                    elif roll < 0.93:
                        status = Status.BOOKED
                    else:
                        status = Status.CANCELLED
                        cancelled_at, why = now, "Cannot make it"
                    created = min(start - timedelta(days=7), now)
                    yield (
                        pk,
                        patient_id,
                        doctor_id,
                        start,
                        end,
                        REASONS[serial % len(REASONS)],
                        status,
                        None,
                        cancelled_at,
                        why,
                        created,
                        visit_type_id,
                        self.site_of(doctor_id, start.astimezone(tz).weekday()),
                        end,
                    )

        written = Writer(Appointment, columns, now).write(rows())
        self.say(f"{written} appointments from {first_day} over {days} days")
        return fulfilled

    def seed_records(self, fulfilled):
        first = next_id(MedicalRecord)
        columns = ["id", "patient_id", "doctor_id", "appointment_id", "diagnosis"]
        columns += ["prescription", "notes", "version"]
        Writer(MedicalRecord, columns, self.now).write(
            (
                first + n,
                patient_id,
                doctor_id,
                appointment_id,
                DIAGNOSES[n % len(DIAGNOSES)],
                "",
                "",
                1,
            )
            for n, (appointment_id, patient_id, doctor_id, _) in enumerate(fulfilled)
        )
        version_id = next_id(MedicalRecordVersion)
        Writer(
            MedicalRecordVersion,
            [
                *("id", "record_id", "version", "diagnosis", "prescription", "notes"),
                *("author_id", "reason"),
            ],
            self.now,
        ).write(
            (version_id + n, first + n, 1, DIAGNOSES[n % len(DIAGNOSES)], "", "", author, "")
            for n, (_, _, _, author) in enumerate(fulfilled)
        )
        self.say(f"{len(fulfilled)} medical records of fulfilled visits")

    def reset_sequences(self):
        models_ = [User, Specialty, Doctor, VisitTypeOffer, WorkingHours, Patient, Appointment]
        models_ += [MedicalRecord, MedicalRecordVersion]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models_):
                cursor.execute(sql)
