import datetime

import factory

from accounts.models import User
from doctors.models import (
    Closure,
    Doctor,
    Site,
    Specialty,
    TimeOff,
    VisitType,
    VisitTypeOffer,
    WorkingHours,
)
from tests.accounts.factories import UserFactory


class SpecialtyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialty
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Specialty {n}")
    slug = factory.Sequence(lambda n: f"specialty-{n}")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Site {n}")
    address = factory.LazyAttribute(lambda o: f"1 {o.name} Road\nLondon")
    phone = "020 7946 0000"


def main_site():
    return Site.objects.default()


class VisitTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitType
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Visit type {n}")
    length_minutes = 30


def offer(doctor, visit_type, length=None):
    return VisitTypeOffer.objects.create(
        doctor=doctor, visit_type=visit_type, length_minutes=length
    )


class DoctorFactory(factory.django.DjangoModelFactory):
    """A doctor working Monday to Friday, 09:00–12:00 and 13:00–17:00 at the main site,
    offering the default visit type ("Consultation") at `slot_minutes` (30).

    Pass `working_hours=[]` for a doctor with no hours, or a list of
    (weekday, "HH:MM", "HH:MM"[, site]) rows for others; `offers=[]` for a doctor who
    offers nothing, or a list of visit types or (visit type, length) pairs.
    """

    class Meta:
        model = Doctor
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=User.Role.DOCTOR)
    specialty = factory.SubFactory(SpecialtyFactory)
    license_number = factory.Sequence(lambda n: f"LIC-{n:06d}")
    years_of_experience = 10
    slot_minutes = 30

    @factory.post_generation
    def working_hours(obj, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            extracted = [
                (day, start, end)
                for day in range(5)
                for start, end in (("09:00", "12:00"), ("13:00", "17:00"))
            ]
        WorkingHours.objects.bulk_create(
            WorkingHours(
                doctor=obj,
                weekday=day,
                start_time=datetime.time.fromisoformat(start),
                end_time=datetime.time.fromisoformat(end),
                site=site[0] if site else main_site(),
            )
            for day, start, end, *site in extracted
        )

    @factory.post_generation
    def offers(obj, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            default = VisitType.objects.default()
            extracted = [(default, None if obj.slot_minutes == 30 else obj.slot_minutes)]
        for item in extracted:
            visit_type, length = item if isinstance(item, tuple) else (item, None)
            offer(obj, visit_type, length)


def doctor_named(first, last, **kwargs):
    return DoctorFactory(user__first_name=first, user__last_name=last, **kwargs)


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    doctor = factory.SubFactory(DoctorFactory)
    reason = "Conference"


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    site = None
    reason = "Bank holiday"
