"""The front desk's board: today's visits across every doctor, one click to check in or
record a no-show (a plain form post, or htmx swapping just the row)."""

import pytest
from django.urls import reverse

from appointments.models import Appointment
from tests.accounts.factories import staff_in
from tests.appointments.factories import visit
from tests.conftest import at, clock_at, login
from tests.doctors.factories import SiteFactory, doctor_named, main_site
from tests.html_support import messages_of
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
Status = Appointment.Status


@pytest.fixture
def desk(now):
    return login(staff_in("Reception"))


@pytest.fixture
def day(now):
    """Two doctors' visits today in every stage, one tomorrow and one cancelled today."""
    house, grey = doctor_named("Gregory", "House"), doctor_named("Meredith", "Grey")
    ann = PatientFactory(user__first_name="Ann", user__last_name="Able")
    bob = PatientFactory(user__first_name="Bob", user__last_name="Baker")
    cat = PatientFactory(user__first_name="Cat", user__last_name="Cole")
    dan = PatientFactory(user__first_name="Dan", user__last_name="Dunn")
    return {
        "due": visit(ann, house, 0, "09:00"),
        "arrived": visit(bob, grey, 0, "09:30", status=Status.CHECKED_IN),
        "done": visit(cat, house, 0, "10:00", status=Status.FULFILLED),
        "cancelled": visit(dan, grey, 0, "11:00", status=Status.CANCELLED),
        "tomorrow": visit(dan, house, 1, "09:00"),
        "ann": ann,
    }


def test_board_lists_todays_visits_of_every_doctor_in_time_order(desk, day):
    response = desk.get(reverse("desk:board"))

    content = response.content.decode()
    assert response.status_code == 200
    assert content.index("Ann Able") < content.index("Bob Baker") < content.index("Cat Cole")
    assert "Dr Gregory House" in content and "Dr Meredith Grey" in content
    assert "Dan Dunn" not in content  # cancelled today, and tomorrow's visit is not today's
    assert "Due: <strong>1</strong>" in content
    assert "Arrived: <strong>1</strong>" in content
    assert "Done: <strong>1</strong>" in content


def test_a_checked_in_patient_whose_time_has_come_is_with_the_doctor(day):
    with clock_at(at(0, "09:40")):
        response = login(staff_in("Reception")).get(reverse("desk:board"))

    assert "With the doctor: <strong>1</strong>" in response.content.decode()


def test_check_in_is_one_click_and_comes_back_to_the_board(desk, day):
    response = desk.post(reverse("desk:check_in", args=[day["due"].pk]))

    assert response.status_code == 302
    assert response.url == reverse("desk:board") + f"#appointment-{day['due'].pk}"
    day["due"].refresh_from_db()
    assert day["due"].status == Status.CHECKED_IN
    assert messages_of(response) == ["Ann Able is checked in."]


def test_check_in_by_htmx_answers_with_the_board_alone(desk, day):
    response = desk.post(
        reverse("desk:check_in", args=[day["due"].pk]), headers={"HX-Request": "true"}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert content.strip().startswith('<div id="board">')
    assert "<html" not in content
    assert "Arrived: <strong>2</strong>" in content and "Due: <strong>0</strong>" in content
    assert 'data-action="check-in"' not in content  # nobody left to check in
    assert messages_of(response) == []  # the board shows it


def test_a_refusal_by_htmx_is_shown_in_its_row(desk, day):
    response = desk.post(
        reverse("desk:no_show", args=[day["due"].pk]), headers={"HX-Request": "true"}
    )

    content = response.content.decode()
    row = content[content.index(f'id="appointment-{day["due"].pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'role="alert"' in row
    assert "A no-show can only be recorded after the start time." in row


def test_a_no_show_before_the_start_is_refused_with_the_reason(desk, day):
    response = desk.post(reverse("desk:no_show", args=[day["due"].pk]), follow=True)

    day["due"].refresh_from_db()
    assert day["due"].status == Status.BOOKED
    assert "A no-show can only be recorded after the start time." in response.content.decode()


def test_a_no_show_after_the_start_is_recorded(day):
    with clock_at(at(0, "09:05")):
        response = login(staff_in("Reception")).post(reverse("desk:no_show", args=[day["due"].pk]))

    day["due"].refresh_from_db()
    assert day["due"].status == Status.NOSHOW
    assert messages_of(response) == ["Ann Able is recorded as a no-show."]


def test_the_board_offers_no_show_only_once_the_visit_has_started(day):
    with clock_at(at(0, "09:05")):
        content = login(staff_in("Reception")).get(reverse("desk:board")).content.decode()

    # Ann's 09:00 has started; Bob (checked in for 09:30) has not yet.
    assert content.count('data-action="no-show"') == 1
    assert f'action="{reverse("desk:no_show", args=[day["due"].pk])}"' in content


def test_the_admin_links_to_the_desk_and_the_reports_by_role(now):
    reception = login(staff_in("Reception")).get(reverse("admin:index")).content.decode()
    manager = login(staff_in("Clinic manager")).get(reverse("admin:index")).content.decode()

    assert f'href="{reverse("desk:board")}"' in reception
    assert f'href="{reverse("desk:reports")}"' not in reception
    assert f'href="{reverse("desk:reports")}"' in manager
    assert f'href="{reverse("desk:board")}"' not in manager


def test_the_board_shows_one_site_or_all(desk, day):
    north = SiteFactory(name="North")
    patient = PatientFactory(user__last_name="Elsewhere")
    elsewhere = visit(patient, day["due"].doctor, 0, "11:30", site=north)

    everywhere = desk.get(reverse("desk:board")).content.decode()
    only_north = desk.get(reverse("desk:board"), {"site": north.pk})
    only_main = desk.get(reverse("desk:board"), {"site": main_site().pk}).content.decode()

    assert "Elsewhere" in everywhere and "Able" in everywhere
    assert only_north.status_code == 200
    page = only_north.content.decode()
    assert "Elsewhere" in page and "Able" not in page and "Baker" not in page
    assert f'<input type="hidden" name="site" value="{north.pk}">' in page
    assert "Elsewhere" not in only_main and "Able" in only_main
    assert elsewhere.site == north


def test_check_in_on_a_site_board_comes_back_to_that_site(desk, day):
    north = SiteFactory(name="North")
    patient = PatientFactory(user__last_name="Elsewhere")
    there = visit(patient, day["due"].doctor, 0, "11:30", site=north)

    response = desk.post(reverse("desk:check_in", args=[there.pk]), {"site": north.pk})
    swapped = desk.post(
        reverse("desk:no_show", args=[day["due"].pk]), {"site": north.pk}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('desk:board')}?site={north.pk}#appointment-{there.pk}"
    # htmx gets the North board back: the main site's visit is not on it.
    assert "Elsewhere" in swapped.content.decode() and "Able" not in swapped.content.decode()


@pytest.mark.parametrize("site", ["999999", "north"])
def test_an_unknown_site_is_a_form_error_not_a_500(desk, site):
    response = desk.get(reverse("desk:board"), {"site": site})

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
