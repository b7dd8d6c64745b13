"""Fill an empty database with a clinic that looks lived in: `manage.py seed_demo`.

Idempotent: every person is looked up by email first, and the calendar is only filled
while the demo doctors have no appointments, so a second run creates nothing. Times
are relative to now, so a freshly seeded demo always has a recent past and a future,
and the printed doctor's today has visits done, one checked in and visits due, at
whatever hour it is seeded (seed_today).
"""

import datetime
import logging
import random
from base64 import b32encode
from dataclasses import dataclass, field
from unittest import mock

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from accounts.second_factor import AUTHENTICATOR, role_requires
from appointments.models import Appointment
from appointments.selectors import next_free_slots
from appointments.services import (
    add_closure,
    add_time_off,
    book_appointment,
    cancel_appointment,
)
from appointments.tasks import announce, schedule_reminder
from doctors.models import Closure, Doctor, Site, Specialty, TimeOff, VisitType, VisitTypeOffer
from doctors.services import create_doctor, set_working_hours
from healthcare.core.errors import DomainError
from patients.models import Guardianship, Patient
from patients.services import add_dependant, register_patient
from records.services import write_record

DEMO_PASSWORD = "demo-clinic-2030"  # nosec B105 (demo data; refused in production)
ADMIN_EMAIL = "admin@clinic.example"  # a superuser: IT
# Clinic staff in the roles the clinic ships (groups made by records' migration 0006).
STAFF = [
    ("reception@clinic.example", "Rosa", "Fernandez", "Reception"),
    ("manager@clinic.example", "Martin", "Hale", "Clinic manager"),
    ("records@clinic.example", "Ruth", "Okoye", "Records officer"),
]
# The demo's doctors and staff log in with a second factor too, all from this one
# published secret (RFC 6238's test key): type it into an authenticator app, or let
# `manage.py demo_code` print the current code. Never used outside the demo.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"

SPECIALTIES = {
    "general-practice": "General Practice",
    "cardiology": "Cardiology",
    "dermatology": "Dermatology",
    "paediatrics": "Paediatrics",
    "orthopaedics": "Orthopaedics",
}

MON, TUE, WED, THU, FRI, SAT = range(6)


# The clinic's sites; a doctor's week is spread over them by weekday (index into SITES).
SITES = [
    ("Riverside Health Centre", "1 Riverside Walk\nLondon SE1 9RA", "020 7946 0100"),
    ("Northgate Clinic", "48 Northgate Street\nLondon N1 2AB", "020 7946 0200"),
    ("Southbank Clinic", "7 Southbank Road\nLondon SE11 5QQ", "020 7946 0300"),
]
SITE_BY_WEEKDAY = [0, 1, 0, 2, 0, 0, 0]

# (name, description, minutes, spacing, buffer, bookable from, until, who books online)
VISIT_TYPES = [
    (
        "New patient consultation",
        "A first visit with a doctor you have not seen before: history, examination, a plan.",
        30, None, 0, None, None, VisitType.OnlineBooking.NEW_PATIENTS,
    ),
    (
        "Follow-up",
        "A short visit with your own doctor about something you have seen them for.",
        15, None, 0, None, None, VisitType.OnlineBooking.EXISTING_PATIENTS,
    ),
    (
        "Vaccination",
        "Flu, travel and routine vaccinations.",
        10, 10, 0, None, None, VisitType.OnlineBooking.ANYONE,
    ),
    (
        "Minor procedure",
        "Small procedures under local anaesthetic (moles, cysts, joint injections); mornings.",
        45, 15, 15, "08:00", "12:30", VisitType.OnlineBooking.EXISTING_PATIENTS,
    ),
]  # fmt: skip
# Every doctor offers the consultation (their slot length), new-patient visits and
# follow-ups; these specialties offer more.
EXTRA_TYPES = {
    "general-practice": ["Vaccination"],
    "dermatology": ["Minor procedure"],
    "orthopaedics": ["Minor procedure"],
}
BANK_HOLIDAY_DAYS_AHEAD = 12


def week(days, *intervals):
    """Working hours: the same "HH:MM" intervals on each of `days`."""
    return [(day, start, end) for day in days for start, end in intervals]


@dataclass(frozen=True)
class DemoTimeOff:
    """Time off `days_from_today` (local), from `start` for `hours` hours."""

    days_from_today: int
    start: str
    hours: int
    reason: str


@dataclass(frozen=True)
class DemoDoctor:
    first_name: str
    last_name: str
    specialty: str
    license_number: str
    years_of_experience: int
    slot_minutes: int
    hours: list
    bio: str
    accepting_new_patients: bool = True
    time_off: list = field(default_factory=list)

    @property
    def email(self):
        return f"{self.first_name}.{self.last_name}@clinic.example".lower()


DOCTORS = [
    DemoDoctor(
        "Sarah",
        "Okafor",
        "general-practice",
        "GMC-6123457",
        14,
        20,
        week([MON, TUE, WED, THU, FRI], ("08:30", "12:30"), ("13:30", "17:00")),
        "Dr Okafor is a family doctor with a special interest in asthma and in the care "
        "of older patients with several long-term conditions.",
    ),
    DemoDoctor(
        "James",
        "Whitfield",
        "cardiology",
        "GMC-4487120",
        22,
        30,
        week([MON, WED, THU], ("09:00", "12:00"), ("14:00", "18:00")),
        "Consultant cardiologist. Sees patients with chest pain, palpitations, heart "
        "failure and high blood pressure; runs the clinic's ECG service.",
        time_off=[DemoTimeOff(9, "00:00", 72, "European cardiology congress")],
    ),
    DemoDoctor(
        "Priya",
        "Raman",
        "dermatology",
        "GMC-7031985",
        9,
        20,
        week([TUE, WED, THU, FRI], ("10:00", "13:00"), ("14:00", "16:40")),
        "Dermatologist treating eczema, acne and psoriasis, with a mole-check clinic on "
        "Friday afternoons.",
        time_off=[DemoTimeOff(20, "00:00", 24 * 7, "Annual leave")],
    ),
    DemoDoctor(
        "Tomasz",
        "Nowak",
        "orthopaedics",
        "GMC-5290346",
        17,
        45,
        week([MON, TUE, THU], ("09:00", "13:30"), ("14:15", "17:15")),
        "Orthopaedic surgeon for knees, hips and sports injuries. Previously team "
        "doctor for a rugby club.",
        time_off=[DemoTimeOff(-10, "00:00", 24 * 4, "Annual leave")],
    ),
    DemoDoctor(
        "Eleanor",
        "Hughes",
        "paediatrics",
        "GMC-6648211",
        11,
        30,
        week([MON, TUE, WED, THU, FRI], ("08:00", "11:30"), ("15:00", "18:30"))
        + week([SAT], ("09:00", "12:00")),
        "Paediatrician for children from birth to 16: development checks, allergies "
        "and childhood asthma. Saturday morning clinic for school-age children.",
        time_off=[DemoTimeOff(1, "13:00", 6, "Training: paediatric life support")],
    ),
    DemoDoctor(
        "Daniel",
        "Mensah",
        "general-practice",
        "GMC-7719402",
        6,
        15,
        week([MON, TUE, WED, THU], ("12:00", "15:00"), ("16:00", "20:00")),
        "GP running the clinic's evening surgery for people who work during the day. "
        "His list is full: he sees patients he has seen before.",
        accepting_new_patients=False,
    ),
    DemoDoctor(
        "Aisha",
        "Siddiqui",
        "cardiology",
        "GMC-3958870",
        19,
        40,
        week([TUE, THU, FRI], ("08:00", "10:00"), ("10:40", "12:40"), ("13:20", "16:00")),
        "Consultant cardiologist with a focus on heart rhythm problems and on heart "
        "health in pregnancy.",
    ),
]


@dataclass(frozen=True)
class DemoPatient:
    first_name: str
    last_name: str
    date_of_birth: datetime.date
    blood_type: str
    phone: str
    allergies: str = ""
    medical_history: str = ""
    emergency_contact_name: str = ""
    emergency_contact_phone: str = ""

    @property
    def email(self):
        return f"{self.first_name}.{self.last_name}@example.com".lower()


D = datetime.date
PATIENTS = [
    DemoPatient(
        "Amelia", "Clarke", D(1988, 3, 14), "A+", "0161 496 0123", "Penicillin",
        "Mild asthma since childhood.", "Tom Clarke", "0161 496 0124",
    ),
    DemoPatient("Oliver", "Bennett", D(1975, 11, 2), "O-", "0161 496 0231"),
    DemoPatient(
        "Fatima", "Rahman", D(1992, 7, 23), "B+", "0161 496 0345", "",
        "Eczema, treated with emollients.",
    ),
    DemoPatient(
        "George", "Thompson", D(1951, 1, 30), "A-", "0161 496 0456", "Aspirin",
        "Type 2 diabetes. High blood pressure.", "Margaret Thompson", "0161 496 0457",
    ),
    DemoPatient(
        "Chloe", "Martin", D(2016, 5, 9), "O+", "0161 496 0567", "Peanuts",
        "", "Claire Martin (mother)", "0161 496 0568",
    ),
    DemoPatient("Mohammed", "Ali", D(1983, 9, 17), "AB+", "0161 496 0678"),
    DemoPatient(
        "Sophie", "Walker", D(1969, 12, 5), "A+", "0161 496 0789", "",
        "Osteoarthritis of the right knee.",
    ),
    DemoPatient("Lucas", "Fernandes", D(1999, 2, 21), "O+", "0161 496 0812"),
    DemoPatient("Grace", "Kim", D(1979, 6, 11), "B-", "0161 496 0923", "Latex"),
    DemoPatient(
        "Harry", "Evans", D(2012, 10, 28), "A+", "0161 496 0934", "Eggs",
        "", "Rhian Evans (mother)", "0161 496 0935",
    ),
    DemoPatient("Isabella", "Rossi", D(1994, 4, 3), "O-", "0161 496 0946"),
    DemoPatient(
        "Noah", "Patel", D(2019, 8, 30), "B+", "0161 496 0969", "",
        "Born at 35 weeks; no problems since.", "Anjali Patel (mother)", "0161 496 0970",
    ),
    DemoPatient(
        "William", "Davies", D(1958, 8, 19), "AB-", "0161 496 0957", "",
        "Atrial fibrillation, on anticoagulation.", "Ann Davies", "0161 496 0958",
    ),
]  # fmt: skip

# What patients come for, and what the doctor wrote, by specialty.
VISITS = {
    "general-practice": [
        ("Cough for three weeks", "Post-viral cough", "Honey and warm fluids", "Chest clear."),
        ("Feeling tired all the time", "Iron-deficiency anaemia", "Ferrous sulfate 200 mg daily",
         "Repeat blood count in 8 weeks."),
        ("Asthma review", "Asthma, well controlled", "Continue inhalers", "Peak flow normal."),
        ("Sore throat and fever", "Tonsillitis", "Phenoxymethylpenicillin 500 mg four times daily",
         "Return if not better in 5 days."),
    ],
    "cardiology": [
        ("Palpitations", "Ventricular ectopic beats", "", "ECG normal apart from ectopics; "
         "reassured."),
        ("High blood pressure follow-up", "Essential hypertension", "Amlodipine 5 mg daily",
         "Home readings 150/95. Recheck in 4 weeks."),
        ("Chest pain on exertion", "Stable angina", "Glyceryl trinitrate spray as needed",
         "Exercise test booked."),
    ],
    "dermatology": [
        ("Itchy rash on both hands", "Contact dermatitis", "Hydrocortisone 1% cream twice daily",
         "Avoid the new hand soap."),
        ("Mole check", "Benign melanocytic naevus", "", "No changes since photos last year."),
        ("Acne getting worse", "Acne vulgaris", "Adapalene gel at night", "Review in 3 months."),
    ],
    "paediatrics": [
        ("Ear pain since yesterday", "Acute otitis media", "Paracetamol as needed",
         "Most settle in three days."),
        ("Wheezy when running", "Exercise-induced asthma", "Salbutamol inhaler with spacer",
         "Inhaler technique shown to child and parent."),
        ("Two-year development check", "Normal development", "", "Height and weight on track."),
    ],
    "orthopaedics": [
        ("Knee pain going down stairs", "Patellofemoral pain", "Physiotherapy referral",
         "Quadriceps strengthening."),
        ("Ankle sprain at football", "Lateral ligament sprain, grade 1",
         "Ibuprofen 400 mg as needed", "Walking boot for 2 weeks."),
        ("Hip stiffness in the morning", "Early osteoarthritis of the hip", "Paracetamol regularly",
         "X-ray shows mild narrowing."),
    ],
}  # fmt: skip

CANCELLATION_REASONS = [
    "Patient asked to cancel: travelling for work.",
    "Patient feels better and no longer needs the visit.",
    "The doctor was called to an emergency; the clinic will rebook.",
]


class Command(BaseCommand):
    help = "Create demo users, doctors, patients and appointments (safe to run again)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Refusing to seed demo data in production: it has known passwords.")
        self.rng = random.Random(2030)  # nosec B311 (the same demo every time, no secret)
        self.now = timezone.now()
        self.created = {}
        # The demo's bookings happened "in the past": nobody is emailed about them.
        quiet = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
        logging.getLogger("appointments.notifications").setLevel(logging.WARNING)
        with override_settings(MAILERS=quiet), transaction.atomic():
            self.password = make_password(DEMO_PASSWORD)
            admin = self.seed_admin()
            self.seed_staff()
            specialties = self.seed_specialties()
            self.sites = self.seed_sites()
            self.visit_types = self.seed_visit_types()
            doctors = [self.seed_doctor(demo, specialties, admin) for demo in DOCTORS]
            patients = [self.seed_patient(demo) for demo in PATIENTS]
            self.seed_family(patients[0])
            self.seed_second_factors()
            self.seed_closures(admin)
            if not Appointment.objects.filter(doctor__in=doctors).exists():
                self.seed_today(doctors[0], patients)
                self.seed_past(doctors, patients, admin)
                self.seed_future(doctors, patients, admin)
                self.announce_quietly(since=self.now)
            elif not self.todays(doctors[0]).exists():
                # Seeded on an earlier day: today is empty, so it is laid again.
                self.seed_today(doctors[0], patients)
        self.report()

    def announce_quietly(self, since):
        """Run the seeded bookings' email tasks here, into the quiet mailer.

        So the worker does not email everybody about them later, and the upcoming visits
        still get their reminders set up, as their confirmations would have done.
        """
        seeded = DBTaskResult.objects.filter(
            task_path=announce.module_path, status="READY", enqueued_at__gte=since
        )
        for result in seeded:
            announce.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
        seeded.delete()

    def count(self, what, n=1):
        if n:
            self.created[what] = self.created.get(what, 0) + n

    # -- people -----------------------------------------------------------------------

    def seed_admin(self):
        admin = User.objects.filter(email__iexact=ADMIN_EMAIL).first()
        if admin is None:
            admin = User.objects.create_superuser(
                email=ADMIN_EMAIL, first_name="Clinic", last_name="Admin"
            )
            self.set_demo_password(admin)
            self.count("admin")
        return admin

    def seed_staff(self):
        for email, first_name, last_name, role in STAFF:
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email,
                    first_name=first_name,
                    last_name=last_name,
                    role=User.Role.ADMIN,
                    is_staff=True,
                )
                self.set_demo_password(user)
                self.count("staff")
            user.groups.add(Group.objects.get(name=role))

    def seed_second_factors(self):
        """Every demo login whose role needs a second factor and has none gets the demo's
        authenticator (a developer's own, set up on the site, is left alone)."""
        demo_logins = User.objects.filter(email__endswith="@clinic.example")
        for user in demo_logins:
            if role_requires(user) and not TOTPDevice.objects.filter(user=user).exists():
                TOTPDevice.objects.create(
                    user=user, name=AUTHENTICATOR, key=DEMO_TOTP_KEY, confirmed=True
                )
                self.count("second factors")

    def set_demo_password(self, user):
        # Hashed once for all demo users (with the normal hasher): hashing a dozen
        # passwords one by one takes several seconds, every time the demo is built.
        user.password = self.password
        user.save(update_fields=["password"])

    def seed_specialties(self):
        specialties = {}
        for slug, name in SPECIALTIES.items():
            specialties[slug], created = Specialty.objects.get_or_create(
                slug=slug, defaults={"name": name}
            )
            self.count("specialties", created)
        return specialties

    def seed_sites(self):
        sites = []
        for name, address, phone in SITES:
            site, created = Site.objects.get_or_create(
                name=name, defaults={"address": address, "phone": phone}
            )
            self.count("sites", created)
            sites.append(site)
        return sites

    def seed_visit_types(self):
        types = {VisitType.objects.default().name: VisitType.objects.default()}
        for name, description, minutes, spacing, buffer, start, until, who in VISIT_TYPES:
            visit_type, created = VisitType.objects.get_or_create(
                name=name,
                defaults={
                    "description": description,
                    "length_minutes": minutes,
                    "spacing_minutes": spacing,
                    "buffer_minutes": buffer,
                    "bookable_from": datetime.time.fromisoformat(start) if start else None,
                    "bookable_until": datetime.time.fromisoformat(until) if until else None,
                    "online_booking": who,
                },
            )
            self.count("visit types", created)
            types[name] = visit_type
        return types

    def seed_closures(self, admin):
        """A bank holiday (the whole clinic) and a site closed for a day of training."""
        if Closure.objects.exists():
            return
        today = timezone.localdate(self.now)
        holiday = today + datetime.timedelta(days=BANK_HOLIDAY_DAYS_AHEAD)
        holiday += datetime.timedelta(days=-holiday.weekday())  # that week's Monday
        training = holiday + datetime.timedelta(days=8)  # the next Tuesday
        for site, day, reason in (
            (None, holiday, "Bank holiday"),
            (self.sites[1], training, "Northgate is closed for staff training"),
        ):
            add_closure(
                site=site,
                start=local(day, "00:00"),
                end=local(day + datetime.timedelta(days=1), "00:00"),
                reason=reason,
                actor=admin,
                cancel_appointments=True,
            )
            self.count("closures")

    def seed_doctor(self, demo, specialties, admin):
        existing = Doctor.objects.filter(user__email__iexact=demo.email).first()
        if existing is not None:
            return existing
        doctor = create_doctor(
            email=demo.email,
            password=None,
            first_name=demo.first_name,
            last_name=demo.last_name,
            phone="020 7946 0" + demo.license_number[-3:],
            specialty=specialties[demo.specialty],
            license_number=demo.license_number,
            years_of_experience=demo.years_of_experience,
            bio=demo.bio,
            slot_minutes=demo.slot_minutes,
            accepting_new_patients=demo.accepting_new_patients,
        )
        self.set_demo_password(doctor.user)
        set_working_hours(
            doctor=doctor,
            intervals=[
                (
                    day,
                    datetime.time.fromisoformat(start),
                    datetime.time.fromisoformat(end),
                    self.sites[SITE_BY_WEEKDAY[day]],
                )
                for day, start, end in demo.hours
            ],
        )
        for name in ["New patient consultation", "Follow-up", *EXTRA_TYPES.get(demo.specialty, [])]:
            VisitTypeOffer.objects.create(doctor=doctor, visit_type=self.visit_types[name])
        today = timezone.localdate(self.now)
        for off in demo.time_off:
            start = local(today + datetime.timedelta(days=off.days_from_today), off.start)
            end = start + datetime.timedelta(hours=off.hours)
            if end <= self.now:
                # History, like the past appointments: the service only plans ahead.
                TimeOff.objects.create(doctor=doctor, start=start, end=end, reason=off.reason)
            else:
                add_time_off(doctor=doctor, start=start, end=end, reason=off.reason, actor=admin)
        self.count("doctors")
        return doctor

    def seed_patient(self, demo):
        existing = Patient.objects.filter(user__email__iexact=demo.email).first()
        if existing is not None:
            return existing
        user = register_patient(
            email=demo.email,
            password=None,
            first_name=demo.first_name,
            last_name=demo.last_name,
            phone=demo.phone,
            date_of_birth=demo.date_of_birth,
        )
        self.set_demo_password(user)
        patient = user.patient
        patient.blood_type = demo.blood_type
        patient.allergies = demo.allergies
        patient.medical_history = demo.medical_history
        patient.emergency_contact_name = demo.emergency_contact_name
        patient.emergency_contact_phone = demo.emergency_contact_phone
        patient.save()
        self.count("patients")
        return patient

    def seed_family(self, parent):
        """The printed demo patient manages their child's visits ("My family")."""
        if Guardianship.objects.filter(guardian=parent).exists():
            return
        add_dependant(
            guardian=parent.user,
            first_name="Leo",
            last_name=parent.user.last_name,
            date_of_birth=D(2019, 5, 2),
            relationship=Guardianship.Relationship.CHILD,
        )
        self.count("family members")

    # -- the calendar -------------------------------------------------------------------

    def day_bounds(self):
        today = timezone.localdate(self.now)
        return local(today, "00:00"), local(today + datetime.timedelta(1), "00:00")

    def todays(self, doctor):
        midnight, next_midnight = self.day_bounds()
        return Appointment.objects.filter(
            doctor=doctor, start__gte=midnight, start__lt=next_midnight
        )

    def seed_today(self, doctor, patients):
        """The printed doctor's day around now, whatever the hour (even outside their
        working hours): visits done (one still waiting for its record), one checked in
        now, and visits due, all today. Near midnight the day has no room after now, so
        the visits due are the ones whose patients are late.

        Written directly, as the past is; the rest of the calendar is laid around them.
        """
        Status = Appointment.Status
        length = datetime.timedelta(minutes=doctor.slot_minutes)
        midnight, next_midnight = self.day_bounds()
        now_slot = midnight + (self.now - midnight) // length * length
        done = [now_slot - k * length for k in (6, 4, 2) if now_slot - k * length >= midnight]
        if not done and now_slot - length >= midnight:
            done = [now_slot - length]
        due = [
            now_slot + k * length for k in (1, 3) if now_slot + (k + 1) * length <= next_midnight
        ]
        if not due and now_slot - length >= midnight and now_slot - length not in done:
            due = [now_slot - length]
        plan = [(start, Status.FULFILLED) for start in done]
        plan += [(now_slot, Status.CHECKED_IN)] + [(start, Status.BOOKED) for start in due]
        who = self.candidates(doctor, patients, first=True)
        self.doctor_taken, self.patient_taken = {doctor.pk: []}, {}
        for i, (start, status) in enumerate(sorted(plan)):
            end = start + length
            # A patient free then (on a later day's run they may have other visits).
            patient = next(
                (
                    p
                    for p in who
                    if p.pk not in self.patient_taken
                    and not Appointment.objects.active().filter(patient=p).overlapping(start, end)
                ),
                None,
            )
            if patient is None:
                continue
            reason, diagnosis, prescription, notes = self.rng.choice(VISITS[doctor.specialty.slug])
            # The last visit done is left without its record: the dashboard lists it.
            with_record = status == Status.FULFILLED and i < len(done) - 1
            appointment = Appointment.objects.create(
                patient=patient,
                doctor=doctor,
                start=start,
                end=end,
                reason=reason,
                status=Status.CHECKED_IN if with_record else status,
                booked_by=patient.user,
                # Booked days ago: its confirmation (and reminder) went out then.
                reminder_sent_at=self.now if status == Status.BOOKED else None,
            )
            if with_record:
                with mock.patch("django.utils.timezone.now", return_value=end):
                    write_record(
                        appointment=appointment,
                        author=doctor.user,
                        diagnosis=diagnosis,
                        prescription=prescription,
                        notes=notes,
                    )
                self.count("medical records")
            if status == Status.BOOKED and start > self.now:
                schedule_reminder(appointment.pk, start)
            self.doctor_taken[doctor.pk].append((start, end))
            self.patient_taken.setdefault(patient.pk, []).append((start, end))
            self.count("appointments today")

    def seed_past(self, doctors, patients, admin):
        """Four weeks of history. Appointments are written directly (the booking service
        refuses the past); a visit with a record is fulfilled by the doctor writing it
        (records.services.write_record), so records have their first version.

        Slots come from each doctor's hours minus time off, and a patient is never given
        two visits at once, so the rows satisfy the same no-overlap rule.
        """
        busy = {patient.pk: list(self.patient_taken.get(patient.pk, [])) for patient in patients}
        today = timezone.localdate(self.now)
        for doctor in doctors:
            slots = [
                (start, end)
                for start, end in self.past_slots(doctor, today - datetime.timedelta(28), today)
                if not any(s < end and start < e for s, e in self.doctor_taken.get(doctor.pk, []))
            ]
            for i, (start, end) in enumerate(sorted(self.rng.sample(slots, min(9, len(slots))))):
                patient = self.free_patient(doctor, patients, busy, start, end, first=i == 0)
                if patient is None:
                    continue
                busy[patient.pk].append((start, end))
                self.past_visit(doctor, patient, start, end, admin)

    def past_slots(self, doctor, first_day, last_day):
        hours = list(doctor.working_hours.all())
        time_off = list(doctor.time_off.values_list("start", "end"))
        length = datetime.timedelta(minutes=doctor.slot_minutes)
        slots = []
        day = first_day
        while day <= last_day:
            for interval in hours:
                if interval.weekday != day.weekday():
                    continue
                start = local(day, interval.start_time)
                while start + length <= local(day, interval.end_time):
                    end = start + length
                    if end <= self.now and not any(s < end and start < e for s, e in time_off):
                        slots.append((start, end))
                    start = end
            day += datetime.timedelta(days=1)
        return slots

    def candidates(self, doctor, patients, *, first=False):
        """Patients who might see this doctor, shuffled. With `first`, the first demo
        patient leads, so that the printed patient login has a history and plans."""
        today = timezone.localdate(self.now)
        suitable = [patient for patient in patients if suits(doctor, patient, today)]
        shuffled = self.rng.sample(suitable, len(suitable))
        if first and patients[0] in suitable:
            shuffled.insert(0, patients[0])
        return shuffled

    def free_patient(self, doctor, patients, busy, start, end, *, first=False):
        """A patient with nothing else at that time."""
        for patient in self.candidates(doctor, patients, first=first):
            if not any(s < end and start < e for s, e in busy[patient.pk]):
                return patient
        return None

    def past_visit(self, doctor, patient, start, end, admin):
        Status = Appointment.Status
        roll = self.rng.random()
        status = (
            Status.FULFILLED if roll < 0.65 else Status.CANCELLED if roll < 0.85 else Status.NOSHOW
        )
        reason, diagnosis, prescription, notes = self.rng.choice(VISITS[doctor.specialty.slug])
        with_record = status == Status.FULFILLED and self.rng.random() < 0.8
        booked_at = start - datetime.timedelta(days=self.rng.randint(3, 14))
        appointment = Appointment(
            patient=patient,
            doctor=doctor,
            start=start,
            end=end,
            reason=reason,
            # A visit with a record is fulfilled by writing the record (below).
            status=Status.BOOKED if with_record else status,
            booked_by=patient.user,
        )
        if not with_record:
            appointment.sequence = 2 if status == Status.FULFILLED else 1  # one per transition
        if status == Status.CANCELLED:
            by_patient = self.rng.random() < 0.6
            appointment.cancelled_by = patient.user if by_patient else admin
            appointment.cancellation_reason = CANCELLATION_REASONS[0 if by_patient else 2]
            appointment.cancelled_at = booked_at + (start - booked_at) * self.rng.uniform(0.3, 0.9)
        appointment.save()
        self.count("past appointments")
        if with_record:
            # Written at the end of the visit: record versions and the access log are
            # append-only (even in the database), so they are dated right when written.
            with mock.patch("django.utils.timezone.now", return_value=end):
                write_record(
                    appointment=appointment,
                    author=doctor.user,
                    diagnosis=diagnosis,
                    prescription=prescription,
                    notes=notes,
                )
            self.count("medical records")
        Appointment.objects.filter(pk=appointment.pk).update(created_at=booked_at, updated_at=end)

    def seed_future(self, doctors, patients, admin):
        """Three weeks ahead, booked through the booking service, as the front desk would."""
        booked = []
        for doctor in doctors:
            slots = next_free_slots(doctor, days=21, now=self.now)
            for i, slot in enumerate(sorted(self.rng.sample(slots, min(7, len(slots))))):
                for patient in self.candidates(doctor, patients, first=i == 0):
                    try:
                        appointment = book_appointment(
                            patient=patient,
                            doctor=doctor,
                            visit_type=slot.visit_type,
                            start=slot.start,
                            reason=self.rng.choice(VISITS[doctor.specialty.slug])[0],
                            booked_by=admin,
                        )
                    except DomainError:
                        continue  # the patient is busy then, or new to a doctor with a full list
                    booked.append(appointment)
                    self.count("future appointments")
                    break
        for appointment in self.rng.sample(booked, min(2, len(booked))):
            cancel_appointment(appointment=appointment, actor=admin, reason=CANCELLATION_REASONS[2])

    # -- output -------------------------------------------------------------------------

    def report(self):
        if self.created:
            made = ", ".join(f"{n} {what}" for what, n in self.created.items() if n)
            self.stdout.write(self.style.SUCCESS(f"Demo data created: {made}."))
        else:
            self.stdout.write("Demo data is already in place; nothing was created.")
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        self.stdout.write(f"  IT            {ADMIN_EMAIL}  (a superuser, at /admin/)")
        for email, _first, _last, role in STAFF:
            self.stdout.write(f"  {role.lower():<16}{email}")
        self.stdout.write(f"  doctor        {DOCTORS[0].email}")
        self.stdout.write(f"  patient       {PATIENTS[0].email}  (books for a child too)")
        secret = b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()
        self.stdout.write(
            "Staff and doctors then give a code: run `make demo-code` (or `python manage.py "
            "demo_code`), or add this key to an authenticator app: "
            + " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        )


def suits(doctor, patient, today):
    """Children see the paediatrician or a GP; the paediatrician sees only children."""
    is_child = patient.age(today) < 16
    if doctor.specialty.slug == "paediatrics":
        return is_child
    return doctor.specialty.slug == "general-practice" or not is_child


def local(day, at):
    """The aware datetime of a local date and a wall-clock time ("HH:MM" or a time)."""
    if isinstance(at, str):
        at = datetime.time.fromisoformat(at)
    return datetime.datetime.combine(day, at, tzinfo=timezone.get_current_timezone())
