"""The admin as clinic staff meet it: one date format (the site's), only the models their
role works with, and no bulk deletion of appointments."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import StaffFactory, staff_in
from tests.appointments.factories import AppointmentFactory
from tests.conftest import CLINIC_TZ, login
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

DEVELOPER_PAGES = [
    reverse("admin:django_tasks_database_dbtaskresult_changelist"),
    reverse("admin:auth_group_changelist"),
]


@pytest.fixture
def clerk_with_every_permission():
    user = StaffFactory(is_superuser=False)
    user.user_permissions.set(Permission.objects.all())
    return user


@pytest.mark.parametrize("role", ["Reception", "Clinic manager", "Records officer"])
def test_staff_do_not_see_the_sites_machinery(now, role):
    client = login(staff_in(role))

    index = client.get(reverse("admin:index")).text

    for url in DEVELOPER_PAGES:
        assert f'href="{url}"' not in index
        assert client.get(url).status_code == 403


def test_even_a_permission_given_by_mistake_does_not_show_it(now, clerk_with_every_permission):
    client = login(clerk_with_every_permission)

    index = client.get(reverse("admin:index")).text

    assert f'href="{reverse("admin:patients_patient_changelist")}"' in index
    for url in DEVELOPER_PAGES:
        assert f'href="{url}"' not in index
        assert client.get(url).status_code == 403


def test_it_superusers_still_see_it(now, staff):
    client = login(staff)

    index = client.get(reverse("admin:index")).text

    for url in DEVELOPER_PAGES:
        assert f'href="{url}"' in index
        assert client.get(url).status_code == 200


def test_appointments_have_no_bulk_delete_even_for_it(now, staff):
    AppointmentFactory()

    page = login(staff).get(reverse("admin:appointments_appointment_changelist")).text

    assert 'value="delete_selected"' not in page
    assert 'value="cancel_selected"' in page


def test_dates_and_times_read_the_same_as_on_the_site(now, staff):
    patient = PatientFactory(date_of_birth=datetime.date(1988, 3, 14))
    User.objects.filter(pk=patient.user.pk).update(
        date_joined=datetime.datetime(2030, 1, 6, 9, 5, tzinfo=CLINIC_TZ)
    )
    client = login(staff)

    patients = client.get(reverse("admin:patients_patient_changelist")).text
    user_page = client.get(reverse("admin:accounts_user_change", args=[patient.user.pk])).text

    assert "Mon 14 Mar 1988" in patients
    assert "Sun 6 Jan 2030, 09:05" in user_page
    assert "a.m." not in user_page and "Jan. 6" not in user_page
