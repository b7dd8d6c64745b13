"""The API's doctor directory and profiles (staff write, a doctor their bio)."""

import json

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import SecurityEvent
from doctors.api import DoctorSerializer
from doctors.models import Doctor
from tests.api_support import api_client, assert_error, assert_list_queries_do_not_grow, ids
from tests.appointments.mail_support import run_worker
from tests.doctors.factories import DoctorFactory, SpecialtyFactory, doctor_named

pytestmark = pytest.mark.django_db

LIST = reverse("api:doctor-list")


def detail(doctor):
    return reverse("api:doctor-detail", args=[doctor.pk])


@pytest.fixture
def cardiology(db):
    return SpecialtyFactory(name="Cardiology", slug="cardiology")


class TestDirectory:
    def test_anyone_lists_active_doctors_by_name(self, cardiology):
        patel = doctor_named("Asha", "Patel", specialty=cardiology, years_of_experience=12)
        jones = doctor_named("Bryn", "Jones")
        doctor_named("Olive", "Gone", user__is_active=False)

        response = api_client().get(LIST)

        assert ids(response) == [jones.pk, patel.pk]
        assert response.json()["results"][1] == {
            "id": patel.pk,
            "first_name": "Asha",
            "last_name": "Patel",
            "specialty": {"id": cardiology.pk, "name": "Cardiology", "slug": "cardiology"},
            "license_number": patel.license_number,
            "years_of_experience": 12,
            "bio": "",
            "accepting_new_patients": True,
            "slot_minutes": 30,
            "is_active": True,
        }

    def test_each_entry_is_the_documented_public_profile(self, cardiology):
        # The list builds its entries from plain values (doctors.api.public_profiles):
        # they must be exactly what DoctorSerializer, which the schema documents, gives.
        doctor_named(
            "Asha",
            "Patel",
            specialty=cardiology,
            bio="Heart & lungs.\nTuesdays.",
            accepting_new_patients=False,
            slot_minutes=45,
        )
        doctor_named("Bryn", "Jones", years_of_experience=3)
        documented = DoctorSerializer(Doctor.objects.directory(), many=True).data

        response = api_client().get(LIST)

        assert response.json()["results"] == json.loads(json.dumps(documented))

    def test_filters_by_specialty_slug_and_name(self, cardiology):
        patel = doctor_named("Asha", "Patel", specialty=cardiology)
        doctor_named("Asha", "Jones")
        doctor_named("Bryn", "Patel")

        assert ids(api_client().get(LIST, {"specialty": "cardiology"})) == [patel.pk]
        assert ids(api_client().get(LIST, {"search": "asha patel"})) == [patel.pk]
        assert ids(api_client().get(LIST, {"specialty": "unknown"})) == []

    def test_an_overlong_search_is_400(self):
        response = api_client().get(LIST, {"search": "x" * 101})

        assert_error(response, 400, "invalid", fields=["search"])

    def test_query_count_does_not_grow_with_rows(self):
        assert_list_queries_do_not_grow(api_client(), LIST, lambda n: DoctorFactory())


class TestProfile:
    def test_anyone_reads_a_doctors_profile(self, doctor):
        response = api_client().get(detail(doctor))

        assert response.status_code == 200
        assert response.json()["id"] == doctor.pk

    def test_a_retired_doctor_is_not_found_except_by_staff(self, staff):
        retired = DoctorFactory(user__is_active=False)

        assert_error(api_client().get(detail(retired)), 404, "not_found")
        assert api_client(staff).get(detail(retired)).json()["is_active"] is False

    def test_an_unknown_doctor_is_404(self):
        assert_error(api_client().get(reverse("api:doctor-detail", args=[999])), 404)


class TestCreate:
    def payload(self, **overrides):
        return {
            "email": "G.House@Clinic.example",
            "password": "a-long-enough-passphrase-7",
            "first_name": "Gregory",
            "last_name": "House",
            "specialty": "cardiology",
            "license_number": "GMC-1234567",
            "years_of_experience": 20,
            "slot_minutes": 20,
            **overrides,
        }

    def test_staff_create_a_doctor_with_their_login(self, staff, cardiology):
        response = api_client(staff).post(LIST, self.payload(), format="json")

        assert response.status_code == 201
        doctor = Doctor.objects.get(license_number="GMC-1234567")
        assert response.json()["id"] == doctor.pk
        assert response.json()["specialty"]["slug"] == "cardiology"
        assert doctor.user.email == "g.house@clinic.example"
        assert (doctor.user.role, doctor.slot_minutes) == ("doctor", 20)
        assert doctor.user.check_password("a-long-enough-passphrase-7")

    def test_without_a_password_the_doctor_is_invited(self, staff, cardiology):
        payload = self.payload()
        del payload["password"]

        response = api_client(staff).post(LIST, payload, format="json")
        run_worker()

        assert response.status_code == 201
        user = Doctor.objects.get(license_number="GMC-1234567").user
        assert not user.has_usable_password()
        [message] = mail.outbox
        assert message.to == ["g.house@clinic.example"]
        assert "/accounts/invitation/" in message.body
        assert SecurityEvent.objects.filter(
            kind=SecurityEvent.Kind.INVITATION_SENT, actor=staff
        ).exists()

    @pytest.mark.parametrize("role", ["patient", "doctor"])
    def test_only_staff_create_doctors(self, role, patient, doctor, cardiology):
        user = patient.user if role == "patient" else doctor.user
        response = api_client(user).post(LIST, self.payload(), format="json")

        assert_error(response, 403, "permission_denied")
        assert not Doctor.objects.filter(license_number="GMC-1234567").exists()

    def test_anonymous_is_401(self, cardiology):
        assert_error(api_client().post(LIST, self.payload(), format="json"), 401)

    def test_bad_fields_are_named(self, staff, doctor):
        response = api_client(staff).post(
            LIST,
            self.payload(
                email=doctor.user.email,
                specialty="nope",
                license_number=doctor.license_number,
                slot_minutes=1,
            ),
            format="json",
        )

        assert_error(
            response,
            400,
            "invalid",
            fields=["email", "specialty", "license_number", "slot_minutes"],
        )


class TestUpdate:
    def test_staff_change_any_part_of_the_profile(self, staff, doctor, cardiology):
        response = api_client(staff).patch(
            detail(doctor),
            {"specialty": "cardiology", "slot_minutes": 15, "last_name": "Quinn"},
            format="json",
        )

        assert response.status_code == 200
        assert response.json()["specialty"]["slug"] == "cardiology"
        doctor.refresh_from_db()
        assert (doctor.slot_minutes, doctor.user.last_name) == (15, "Quinn")
        # The length of the doctor's consultations: their slots follow it.
        assert doctor.offers.get().length == 15

    def test_a_doctor_changes_their_own_bio(self, doctor):
        response = api_client(doctor.user).patch(
            detail(doctor), {"bio": "Family medicine."}, format="json"
        )

        assert response.status_code == 200
        assert response.json()["bio"] == "Family medicine."

    def test_a_doctor_cannot_change_what_the_clinic_sets(self, doctor):
        response = api_client(doctor.user).patch(
            detail(doctor), {"bio": "Hi", "slot_minutes": 5}, format="json"
        )

        body = assert_error(response, 403, "permission_denied")
        assert "slot_minutes" in body["detail"]
        doctor.refresh_from_db()
        assert (doctor.slot_minutes, doctor.bio) == (30, "")

    @pytest.mark.parametrize("role", ["patient", "other_doctor"])
    def test_others_cannot_change_a_profile(self, role, patient, other_doctor, doctor):
        user = patient.user if role == "patient" else other_doctor.user
        response = api_client(user).patch(detail(doctor), {"bio": "Hacked"}, format="json")

        assert_error(response, 403, "permission_denied")

    def test_put_needs_the_whole_profile(self, staff, doctor):
        response = api_client(staff).put(detail(doctor), {"bio": "x"}, format="json")

        assert_error(
            response,
            400,
            "invalid",
            fields=["first_name", "last_name", "specialty", "license_number"],
        )
