"""The security log: log-ins, failures, log-outs, API tokens, password changes, admin changes."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import SecurityEvent
from doctors.models import Specialty
from tests.accounts.factories import PASSWORD
from tests.api_support import api_client
from tests.conftest import login
from tests.doctors.factories import SpecialtyFactory

pytestmark = pytest.mark.django_db

Kind = SecurityEvent.Kind
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0"


def events(*kinds):
    return list(SecurityEvent.objects.filter(kind__in=kinds).order_by("pk"))


def log_in(email, password, client=None):
    client = client or Client(REMOTE_ADDR="198.51.100.23", HTTP_USER_AGENT=BROWSER)
    client.post(reverse("accounts:login"), {"username": email, "password": password})
    return client


class TestLogIns:
    def test_a_log_in_is_recorded_with_who_where_and_which_browser(self, patient):
        log_in(patient.user.email, PASSWORD)

        [event] = events(Kind.LOGIN)
        assert event.actor == patient.user
        assert event.email == patient.user.email
        assert event.ip_address == "198.51.100.23"
        assert event.user_agent == BROWSER

    def test_a_failed_log_in_keeps_the_address_tried_and_no_account(self, patient):
        log_in(patient.user.email.upper(), "wrong-password")
        log_in("nobody@example.org", "wrong-password")

        failures = events(Kind.LOGIN_FAILED)
        assert [(e.email, e.actor) for e in failures] == [
            (patient.user.email, None),
            ("nobody@example.org", None),
        ]
        assert all(e.ip_address == "198.51.100.23" for e in failures)
        assert "wrong-password" not in str(
            list(SecurityEvent.objects.values_list("detail", "target", "email"))
        )

    def test_a_log_out_is_recorded(self, patient):
        client = log_in(patient.user.email, PASSWORD)

        client.post(reverse("accounts:logout"))

        [event] = events(Kind.LOGOUT)
        assert event.actor == patient.user

    def test_the_admins_log_in_is_recorded_too(self, staff):
        Client().post(reverse("admin:login"), {"username": staff.email, "password": "nope"})
        Client().post(reverse("admin:login"), {"username": staff.email, "password": PASSWORD})

        assert [e.kind for e in events(Kind.LOGIN, Kind.LOGIN_FAILED)] == [
            Kind.LOGIN_FAILED,
            Kind.LOGIN,
        ]

    def test_api_tokens_issued_refused_and_revoked_are_recorded(self, patient):
        api = api_client()
        token = reverse("api:auth-token")
        api.post(token, {"email": patient.user.email, "password": "no"}, format="json")
        pair = api.post(token, {"email": patient.user.email, "password": PASSWORD}, format="json")
        api.post(reverse("api:auth-logout"), {"refresh": pair.json()["refresh"]}, format="json")

        assert [(e.kind, e.actor) for e in SecurityEvent.objects.order_by("pk")] == [
            (Kind.LOGIN_FAILED, None),
            (Kind.TOKEN_ISSUED, patient.user),
            (Kind.TOKEN_REVOKED, patient.user),
        ]

    def test_a_password_change_is_recorded(self, patient):
        client = login(patient.user)
        new = "quiet-harbour-lantern-77"

        client.post(
            reverse("accounts:password_change"),
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        )

        [event] = events(Kind.PASSWORD_CHANGED)
        assert event.actor == patient.user


class TestAdminChanges:
    def test_additions_changes_and_deletions_by_staff_are_recorded(self, staff):
        admin = login(staff)
        admin.post(reverse("admin:doctors_specialty_add"), {"name": "Oncology", "slug": "onc"})
        specialty = Specialty.objects.get(slug="onc")
        admin.post(
            reverse("admin:doctors_specialty_change", args=[specialty.pk]),
            {"name": "Clinical oncology", "slug": "onc"},
        )
        admin.post(reverse("admin:doctors_specialty_delete", args=[specialty.pk]), {"post": "yes"})

        recorded = events(Kind.ADMIN_ADDITION, Kind.ADMIN_CHANGE, Kind.ADMIN_DELETION)
        assert [(e.kind, e.actor) for e in recorded] == [
            (Kind.ADMIN_ADDITION, staff),
            (Kind.ADMIN_CHANGE, staff),
            (Kind.ADMIN_DELETION, staff),
        ]
        assert recorded[0].target == f"doctors.specialty #{specialty.pk}: Oncology"
        assert "Name" in recorded[1].detail
        assert recorded[2].target == f"doctors.specialty #{specialty.pk}: Clinical oncology"

    def test_deleting_several_at_once_records_each(self, staff):
        first, second = SpecialtyFactory(name="Alpha"), SpecialtyFactory(name="Beta")

        login(staff).post(
            reverse("admin:doctors_specialty_changelist"),
            {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
        )

        assert not Specialty.objects.exists()
        assert sorted(e.target for e in events(Kind.ADMIN_DELETION)) == [
            f"doctors.specialty #{first.pk}: Alpha",
            f"doctors.specialty #{second.pk}: Beta",
        ]


class TestTheLogItself:
    def test_staff_read_it_in_the_admin_and_nobody_can_change_it(self, staff, patient):
        log_in(patient.user.email, "wrong")
        event = SecurityEvent.objects.get()
        admin = login(staff)

        listing = admin.get(reverse("admin:accounts_securityevent_changelist"))
        detail = admin.get(reverse("admin:accounts_securityevent_change", args=[event.pk]))

        assert listing.status_code == 200
        assert patient.user.email in listing.text
        assert detail.status_code == 200
        assert 'type="submit"' not in detail.text.split('id="content-main"')[1].split("</form>")[0]
        assert admin.get(reverse("admin:accounts_securityevent_add")).status_code == 403
        assert (
            admin.post(reverse("admin:accounts_securityevent_delete", args=[event.pk])).status_code
            == 403
        )

    def test_rows_are_never_changed_or_deleted(self, patient):
        log_in(patient.user.email, "wrong")
        event = SecurityEvent.objects.get()

        with pytest.raises(ValueError, match="never changed"):
            event.save()
        with pytest.raises(ValueError, match="never deleted"):
            event.delete()

    def test_patients_and_doctors_cannot_read_it(self, patient, doctor):
        for user in (patient.user, doctor.user):
            response = login(user).get(reverse("admin:accounts_securityevent_changelist"))
            assert response.status_code == 302  # to the admin's log-in
