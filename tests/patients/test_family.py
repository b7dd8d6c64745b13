"""A patient's family members (dependants): adding, correcting and removing them on the
"My family" page, and who else may reach them (nobody)."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import User
from appointments.models import Appointment
from patients.models import AccessLog, Guardianship, Patient
from patients.services import add_dependant
from tests.appointments.factories import visit
from tests.conftest import at, login
from tests.html_support import messages_of
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

FAMILY = reverse("accounts:family")
Status = Appointment.Status


def edit_url(dependant):
    return reverse("accounts:family_edit", args=[dependant.pk])


def remove_url(dependant):
    return reverse("accounts:family_remove", args=[dependant.pk])


def child_of(parent, first_name="Mia", **kwargs):
    return add_dependant(
        guardian=parent.user,
        first_name=first_name,
        last_name=kwargs.pop("last_name", "Quinn"),
        date_of_birth=kwargs.pop("date_of_birth", datetime.date(2019, 5, 2)),
        relationship=kwargs.pop("relationship", Guardianship.Relationship.CHILD),
    )


class TestAdding:
    def test_a_patient_adds_a_child_who_is_a_patient_without_an_online_account(
        self, now, patient, patient_client
    ):
        response = patient_client.post(
            FAMILY,
            {
                "first_name": " Mia ",
                "last_name": "Quinn",
                "date_of_birth": "2019-05-02",
                "relationship": "child",
            },
            follow=True,
        )

        child = Patient.objects.exclude(pk=patient.pk).get()
        assert "Mia Quinn is added to your family. You can now book visits for them." in (
            messages_of(response)
        )
        assert "Mia Quinn" in response.content.decode()
        assert (child.user.first_name, child.date_of_birth) == ("Mia", datetime.date(2019, 5, 2))
        assert child.user.email is None
        assert not child.user.has_usable_password()
        assert child.user.role == User.Role.PATIENT
        link = Guardianship.objects.get()
        assert (link.guardian, link.dependant, link.relationship) == (patient, child, "child")
        entry = AccessLog.objects.get(patient=child)
        assert (entry.actor, entry.action) == (patient.user, AccessLog.Action.CREATE)

    @pytest.mark.parametrize(
        ("date_of_birth", "error"),
        [
            ("", "This field is required."),
            ("2030-01-08", "The date of birth cannot be in the future."),
            ("1900-01-01", "Please check the date of birth."),
        ],
        ids=["missing", "tomorrow", "implausible"],
    )
    def test_a_date_of_birth_is_required_and_plausible(
        self, now, patient, patient_client, date_of_birth, error
    ):
        response = patient_client.post(
            FAMILY,
            {
                "first_name": "Mia",
                "last_name": "Quinn",
                "date_of_birth": date_of_birth,
                "relationship": "child",
            },
        )

        assert response.status_code == 200
        assert error in response.content.decode()
        assert Patient.objects.count() == 1
        assert not Guardianship.objects.exists()

    def test_born_today_is_accepted(self, now, patient, patient_client):
        patient_client.post(
            FAMILY,
            {
                "first_name": "Newborn",
                "last_name": "Quinn",
                "date_of_birth": now.date().isoformat(),
                "relationship": "child",
            },
        )

        assert Guardianship.objects.get().dependant.date_of_birth == now.date()

    def test_an_unknown_relationship_is_refused(self, now, patient, patient_client):
        response = patient_client.post(
            FAMILY,
            {
                "first_name": "Mia",
                "last_name": "Quinn",
                "date_of_birth": "2019-05-02",
                "relationship": "boss",
            },
        )

        assert "Select a valid choice." in response.content.decode()
        assert not Guardianship.objects.exists()

    def test_the_page_lists_only_the_patients_own_family(self, now, patient, patient_client):
        child_of(patient, "Mia")
        child_of(PatientFactory(), "Somebody")

        content = patient_client.get(FAMILY).content.decode()

        assert "Mia Quinn" in content
        assert "Somebody" not in content

    @pytest.mark.parametrize("who", ["doctor_client", "staff_client"])
    def test_only_patients_have_a_family_page(self, request, who):
        client = request.getfixturevalue(who)

        response = client.get(FAMILY)

        assert response.status_code == 403
        assert not Guardianship.objects.exists()


class TestEditing:
    def test_the_guardian_corrects_name_date_of_birth_and_relationship(
        self, now, patient, patient_client
    ):
        child = child_of(patient)

        response = patient_client.post(
            edit_url(child),
            {
                "first_name": "Amelia",
                "last_name": "Quinn",
                "date_of_birth": "2018-05-02",
                "relationship": "cared_for",
            },
        )

        assert response.status_code == 302
        child.refresh_from_db()
        child.user.refresh_from_db()
        assert child.user.first_name == "Amelia"
        assert child.date_of_birth == datetime.date(2018, 5, 2)
        assert Guardianship.objects.get().relationship == "cared_for"

    def test_the_form_shows_the_family_member_as_they_are(self, now, patient, patient_client):
        child = child_of(patient)

        content = patient_client.get(edit_url(child)).content.decode()

        assert 'value="Mia"' in content
        assert 'value="2019-05-02"' in content


class TestRemoving:
    def test_removing_ends_the_link_deactivates_the_dependant_and_keeps_their_history(
        self, now, patient, patient_client, doctor
    ):
        child = child_of(patient)
        past = visit(child, doctor, -7, status=Status.FULFILLED)
        # Inside the cancellation cut-off (3 hours away): cancelled too.
        soon = visit(child, doctor, 0, "11:00")
        later = visit(child, doctor, 3, "10:00")

        page = patient_client.get(remove_url(child)).content.decode()
        response = patient_client.post(remove_url(child), follow=True)

        assert "Mon 7 Jan 2030, 11:00" in page and "Thu 10 Jan 2030, 10:00" in page
        assert "Mia Quinn is removed from your family." in messages_of(response)
        assert "2 of their appointments were cancelled." in messages_of(response)
        link = Guardianship.objects.get()
        assert link.ended_at == now
        child.refresh_from_db()
        assert not child.user.is_active
        assert child.closed_at == now
        for appointment in (soon, later):
            appointment.refresh_from_db()
            assert appointment.status == Status.CANCELLED
            assert appointment.cancelled_by == patient.user
        past.refresh_from_db()
        assert past.status == Status.FULFILLED
        assert Patient.objects.filter(pk=child.pk).exists()
        # Gone from the guardian's pages.
        assert "Mia Quinn" not in patient_client.get(FAMILY).content.decode()
        assert patient_client.get(reverse("appointments:detail", args=[past.pk])).status_code == 404

    def test_a_removed_dependant_cannot_be_booked(self, now, patient, doctor):
        child = child_of(patient)
        patient_client = login(patient.user)
        patient_client.post(remove_url(child))

        response = patient_client.post(
            reverse("appointments:book_confirm", args=[doctor.pk]),
            {"start": at(1, "09:30").isoformat(), "patient": child.pk},
        )

        assert response.status_code == 200
        assert "Please choose yourself or a family member." in response.content.decode()
        assert not Appointment.objects.exists()
        assert not Appointment.objects.filter(patient=child).exists()


class TestNobodyElse:
    @pytest.mark.parametrize("page", [edit_url, remove_url])
    def test_another_patient_gets_404_and_changes_nothing(self, now, patient, page):
        child = child_of(patient)
        stranger = login(PatientFactory().user)

        seen = stranger.get(page(child))
        posted = stranger.post(
            page(child),
            {
                "first_name": "Hacked",
                "last_name": "X",
                "date_of_birth": "2019-05-02",
                "relationship": "child",
            },
        )

        assert (seen.status_code, posted.status_code) == (404, 404)
        child.user.refresh_from_db()
        assert child.user.first_name == "Mia"
        assert Guardianship.objects.active().count() == 1

    def test_a_removed_link_is_a_404_for_its_former_guardian(self, now, patient, patient_client):
        child = child_of(patient)
        patient_client.post(remove_url(child))

        assert patient_client.get(edit_url(child)).status_code == 404
        assert patient_client.post(remove_url(child)).status_code == 404


class TestStaffSeeTheLinks:
    def test_the_patients_admin_page_shows_both_ends_of_a_link(self, now, patient, staff_client):
        child = child_of(patient)

        parent_page = staff_client.get(reverse("admin:patients_patient_change", args=[patient.pk]))
        child_page = staff_client.get(reverse("admin:patients_patient_change", args=[child.pk]))

        child_url = reverse("admin:patients_patient_change", args=[child.pk])
        parent_url = reverse("admin:patients_patient_change", args=[patient.pk])
        assert f'Manages <a href="{child_url}">Mia Quinn</a> (My child, since' in (
            parent_page.content.decode()
        )
        assert f'Managed by <a href="{parent_url}">{patient.user.display_name}</a>' in (
            child_page.content.decode()
        )
