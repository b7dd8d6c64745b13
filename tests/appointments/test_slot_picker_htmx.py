"""The slot picker's htmx answers: a day or week link asked for by htmx gets only the picker
(and the live-region sentence); everything else, including htmx's history restore,
gets the whole page. The browser side is in tests/e2e."""

import re

import pytest
from django.urls import reverse

from tests.appointments.factories import AppointmentFactory
from tests.conftest import at

HTMX = {"HX-Request": "true"}


def test_htmx_day_link_gets_only_the_slot_picker(now, doctor, patient_client):
    response = patient_client.get(
        reverse("appointments:book", args=[doctor.pk]), {"day": "2030-01-08"}, headers=HTMX
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content and "<h1" not in content
    assert "2. Choose a time on Tuesday 8 January 2030" in content
    assert 'id="day-2030-01-08" href=' in content and 'aria-current="date"' in content
    assert 'id="slot-picker-status" hx-swap-oob="innerHTML"' in content
    assert "14 free times on Tuesday 8 January." in content
    assert "HX-Request" in response["Vary"]


def test_plain_request_and_history_restore_get_the_whole_page(now, doctor, patient_client):
    url = reverse("appointments:book", args=[doctor.pk])
    plain = patient_client.get(url, {"day": "2030-01-08"})
    restore = patient_client.get(
        url, {"day": "2030-01-08"}, headers={**HTMX, "HX-History-Restore-Request": "true"}
    )
    for response in (plain, restore):
        content = response.content.decode()
        assert "<html" in content and 'id="slot-picker"' in content
        assert "2. Choose a time on Tuesday 8 January 2030" in content
        assert "HX-Request" in response["Vary"]


def test_day_links_work_without_javascript_and_ask_htmx_for_the_picker(now, doctor, patient_client):
    url = reverse("appointments:book", args=[doctor.pk])
    content = patient_client.get(url).content.decode()
    assert f'href="{url}?day=2030-01-08#times" hx-get="{url}?day=2030-01-08"' in content
    assert f'href="{url}?week=2030-01-14#week" hx-get="{url}?week=2030-01-14"' in content
    assert 'hx-target="#slot-picker"' in content and 'hx-push-url="true"' in content


def test_htmx_reschedule_day_link_gets_the_picker_with_move_buttons(
    now, doctor, patient, patient_client
):
    appointment = AppointmentFactory(
        doctor=doctor,
        patient=patient,
        start=at(3, "10:00"),
    )
    response = patient_client.get(
        reverse("appointments:reschedule", args=[appointment.pk]),
        {"day": "2030-01-11"},
        headers=HTMX,
    )
    content = response.content.decode()
    assert "<html" not in content
    assert "2. Choose a new time on Friday 11 January 2030" in content
    assert 'name="start"' in content and "Move to Friday 11 January, 09:00" in content


@pytest.mark.parametrize("path", ["/", "/doctors/"])
def test_htmx_is_served_from_our_own_static_files(db, client, path):
    content = client.get(path).content.decode()
    scripts = re.findall(r"<script[^>]*>", content)
    assert len(scripts) == 1
    assert re.fullmatch(
        r'<script src="/static/django_htmx/htmx-2\.min\.js" defer( nonce="[^"]+")?>', scripts[0]
    )
    assert "unpkg" not in content and "cdn" not in content.lower()
