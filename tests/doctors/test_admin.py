import datetime

import pytest
from django.urls import reverse

from accounts.models import User
from doctors.models import Doctor, Specialty, WorkingHours
from tests.conftest import at
from tests.doctors.factories import DoctorFactory, SpecialtyFactory, TimeOffFactory, main_site

# Every admin page here is looked at on Monday 7 January 2030, 08:00 in the clinic.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


CHANGELIST = "admin:doctors_doctor_changelist"
ADD = "admin:doctors_doctor_add"


def change_url(doctor):
    return reverse("admin:doctors_doctor_change", args=[doctor.pk])


def add_data(specialty, **overrides):
    return {
        "email": "Nadia.Haddad@clinic.example",
        "password1": "a-long-and-unusual-passphrase",
        "password2": "a-long-and-unusual-passphrase",
        "first_name": "Nadia",
        "last_name": "Haddad",
        "phone": "020 7946 0111",
        "specialty": specialty.pk,
        "license_number": "GMC-1234567",
        "years_of_experience": 12,
        "bio": "Endocrinologist.",
        "slot_minutes": 20,
        "accepting_new_patients": "on",
        **overrides,
    }


def inline_data(doctor, hours, existing=()):
    """The change form's POST: profile fields plus the working-hours formset."""
    data = {
        "specialty": doctor.specialty_id,
        "license_number": doctor.license_number,
        "years_of_experience": doctor.years_of_experience,
        "bio": "Changed biography",
        "slot_minutes": doctor.slot_minutes,
        "accepting_new_patients": "on",
        "working_hours-TOTAL_FORMS": len(existing) + len(hours),
        "working_hours-INITIAL_FORMS": len(existing),
        "time_off-TOTAL_FORMS": 0,
        "time_off-INITIAL_FORMS": 0,
        "offers-TOTAL_FORMS": 0,
        "offers-INITIAL_FORMS": 0,
        "_save": "Save",
    }
    rows = [
        (
            interval.pk,
            interval.weekday,
            f"{interval.start_time:%H:%M}",
            f"{interval.end_time:%H:%M}",
        )
        for interval in existing
    ]
    rows += [(None, *row) for row in hours]
    for i, (pk, weekday, start, end) in enumerate(rows):
        data |= {
            f"working_hours-{i}-id": pk or "",
            f"working_hours-{i}-doctor": doctor.pk,
            f"working_hours-{i}-weekday": weekday,
            f"working_hours-{i}-start_time": start,
            f"working_hours-{i}-end_time": end,
            f"working_hours-{i}-site": main_site().pk,
        }
    return data


def test_changelist_shows_name_email_specialty_and_licence(staff_client):
    doctor = DoctorFactory(specialty=SpecialtyFactory(name="Cardiology", slug="cardiology"))

    response = staff_client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    page = response.content.decode()
    for heading in ("Name", "Email address", "Specialty", "Licence number", "Active"):
        assert heading in page
    assert doctor.user.display_name in page
    assert doctor.user.email in page
    assert "Cardiology" in page
    assert doctor.license_number in page


@pytest.mark.parametrize("rows", [2, 10])
def test_changelist_query_count_does_not_grow_with_rows(
    staff_client, rows, django_assert_num_queries
):
    DoctorFactory.create_batch(rows)

    with django_assert_num_queries(6):
        response = staff_client.get(reverse(CHANGELIST))

    assert len(response.context["cl"].result_list) == rows


def test_changelist_searches_by_name_and_filters_by_specialty(staff_client):
    wanted = DoctorFactory(user__last_name="Okafor")
    DoctorFactory(user__last_name="Okafor")
    DoctorFactory(specialty=wanted.specialty, user__last_name="Smith")

    response = staff_client.get(
        reverse(CHANGELIST), {"q": "okafor", "specialty__id__exact": wanted.specialty_id}
    )

    assert list(response.context["cl"].result_list) == [wanted]


def test_add_page_asks_for_login_person_and_profile(staff_client):
    response = staff_client.get(reverse(ADD))

    assert response.status_code == 200
    page = response.content.decode()
    for name in ("email", "password1", "first_name", "license_number", "slot_minutes"):
        assert f'name="{name}"' in page


def test_adding_a_doctor_creates_the_login_and_the_profile_together(staff_client):
    specialty = SpecialtyFactory()

    response = staff_client.post(reverse(ADD), add_data(specialty))

    doctor = Doctor.objects.select_related("user").get()
    assert response.status_code == 302
    assert response.url == change_url(doctor)  # on to the working hours
    assert doctor.user.role == User.Role.DOCTOR
    assert doctor.user.email == "nadia.haddad@clinic.example"
    assert doctor.user.check_password("a-long-and-unusual-passphrase")
    assert not doctor.user.is_staff
    assert (doctor.specialty, doctor.license_number) == (specialty, "GMC-1234567")
    assert (doctor.years_of_experience, doctor.slot_minutes) == (12, 20)
    assert doctor.accepting_new_patients


def test_adding_a_doctor_with_a_taken_email_creates_nothing(staff_client, patient):
    data = add_data(SpecialtyFactory(), email=patient.user.email.upper())

    response = staff_client.post(reverse(ADD), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"]
    assert not Doctor.objects.exists()
    assert User.objects.filter(role=User.Role.DOCTOR).count() == 0


def test_adding_a_doctor_with_a_taken_licence_number_creates_nothing(staff_client, doctor):
    data = add_data(SpecialtyFactory(), license_number=doctor.license_number)

    response = staff_client.post(reverse(ADD), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["license_number"]
    assert Doctor.objects.count() == 1


def test_adding_a_doctor_with_mismatched_passwords_creates_nothing(staff_client):
    response = staff_client.post(reverse(ADD), add_data(SpecialtyFactory(), password2="other"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["password2"]
    assert not User.objects.filter(email="nadia.haddad@clinic.example").exists()


def test_change_page_has_working_hours_and_time_off(staff_client, doctor):
    response = staff_client.get(change_url(doctor))

    assert response.status_code == 200
    page = response.content.decode()
    assert "working_hours-TOTAL_FORMS" in page
    assert "time_off-TOTAL_FORMS" in page


def test_overlapping_working_hours_are_refused_and_nothing_is_saved(staff_client):
    doctor = DoctorFactory(working_hours=[])

    response = staff_client.post(
        change_url(doctor),
        inline_data(doctor, [(0, "09:00", "12:00"), (0, "11:00", "13:00"), (1, "09:00", "12:00")]),
    )

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert "Working hours on Monday overlap." in formset.non_form_errors()
    assert not WorkingHours.objects.exists()
    doctor.refresh_from_db()
    assert doctor.bio != "Changed biography"


def test_valid_working_hours_replace_the_week_and_the_profile_is_saved(staff_client):
    doctor = DoctorFactory(working_hours=[(0, "09:00", "12:00"), (1, "09:00", "12:00")])
    monday, tuesday = doctor.working_hours.order_by("weekday")
    data = inline_data(doctor, [(2, "14:00", "18:00")], existing=[monday, tuesday])
    data["working_hours-1-DELETE"] = "on"

    response = staff_client.post(change_url(doctor), data)

    assert response.status_code == 302
    assert sorted(doctor.working_hours.values_list("weekday", "start_time", "end_time")) == [
        (0, datetime.time(9), datetime.time(12)),
        (2, datetime.time(14), datetime.time(18)),
    ]
    doctor.refresh_from_db()
    assert doctor.bio == "Changed biography"


def test_saving_the_profile_alone_keeps_the_working_hours(staff_client, doctor):
    hours = list(doctor.working_hours.all())

    response = staff_client.post(change_url(doctor), inline_data(doctor, [], existing=hours))

    assert response.status_code == 302
    assert list(doctor.working_hours.all()) == hours


def test_doctor_page_lists_time_off_to_read_with_a_link_to_add_more(staff_client, doctor):
    TimeOffFactory(doctor=doctor, start=at(2, "13:00"), end=at(2, "17:00"), reason="Dentist")

    page = staff_client.get(change_url(doctor)).content.decode()

    assert "Wed 9 Jan 2030, 13:00" in page
    assert "Dentist" in page
    assert 'name="time_off-0-reason"' not in page
    assert f"{reverse('admin:doctors_timeoff_add')}?doctor={doctor.pk}" in page


def test_specialty_admin_lists_doctor_counts_and_adds_with_a_slug(staff_client, doctor):
    changelist = staff_client.get(reverse("admin:doctors_specialty_changelist"))
    added = staff_client.post(
        reverse("admin:doctors_specialty_add"), {"name": "Neurology", "slug": "neurology"}
    )

    assert changelist.status_code == 200
    assert doctor.specialty.name in changelist.content.decode()
    assert added.status_code == 302
    assert Specialty.objects.filter(slug="neurology").exists()


def test_specialty_add_page_fills_the_slug_from_the_name(staff_client):
    response = staff_client.get(reverse("admin:doctors_specialty_add"))

    assert "prepopulated" in response.content.decode()


def test_working_hours_list_is_read_only(staff_client, doctor):
    changelist = staff_client.get(reverse("admin:doctors_workinghours_changelist"))
    add = staff_client.get(reverse("admin:doctors_workinghours_add"))

    assert changelist.status_code == 200
    assert "Monday" in changelist.content.decode()
    assert add.status_code == 403
