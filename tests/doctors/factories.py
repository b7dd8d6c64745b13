import datetime

import factory

from accounts.models import User
from doctors.models import Doctor, Specialty, TimeOff, WorkingHours
from tests.accounts.factories import UserFactory


class SpecialtyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialty
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Specialty {n}")
    slug = factory.Sequence(lambda n: f"specialty-{n}")


class DoctorFactory(factory.django.DjangoModelFactory):
    """A doctor working Monday to Friday, 09:00–12:00 and 13:00–17:00, 30-minute slots.

    Pass `working_hours=[]` for a doctor with no hours, or a list of
    (weekday, "HH:MM", "HH:MM") triples for others.
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
            )
            for day, start, end in extracted
        )


def doctor_named(first, last, **kwargs):
    return DoctorFactory(user__first_name=first, user__last_name=last, **kwargs)


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    doctor = factory.SubFactory(DoctorFactory)
    reason = "Conference"
