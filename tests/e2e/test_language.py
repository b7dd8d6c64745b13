"""The language switcher in every footer: a visitor reads the site in Spanish and back,
staying on the page they were on; a patient's choice is kept on their account. With and
without JavaScript, at 390 and 1280 px, every page axe-checked (issue 15)."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.e2e.conftest import DESKTOP, PHONE_390, Pages
from tests.patients.factories import PatientFactory


def switcher(page):
    return page.locator("footer form.language-switcher")


@pytest.mark.parametrize("viewport", [PHONE_390, DESKTOP], ids=["390", "1280"])
@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_visitor_switches_to_spanish_and_back_on_the_same_page(new_context, js, viewport):
    pages = Pages(js=js)
    page = new_context(viewport=viewport, js=js).new_page()
    page.goto("/doctors/?q=Patel")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a doctor")

    switcher(page).get_by_role("button", name="Español").click()

    assert page.url.endswith("/doctors/?q=Patel")
    expect(page.get_by_role("heading", level=1)).to_have_text("Buscar un médico")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("link", name="Iniciar sesión")).to_be_visible()
    expect(switcher(page).locator("[aria-current]")).to_have_text("Español")
    pages.check(page, f"Directory in Spanish {viewport['width']}")

    switcher(page).get_by_role("button", name="English").click()

    assert page.url.endswith("/doctors/?q=Patel")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a doctor")
    expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_patients_choice_is_kept_on_their_account(new_context, clinic_now, js):
    patient = PatientFactory()
    pages = Pages(js=js)
    page = new_context(viewport=PHONE_390, js=js, user=patient.user).new_page()
    page.goto("/appointments/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My appointments")

    switcher(page).get_by_role("button", name="Español").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mis citas")
    assert User.objects.get(pk=patient.user.pk).language == "es"
    pages.check(page, "My appointments in Spanish")
    # Another browser, logged in to the same account, is in Spanish at once.
    elsewhere = new_context(viewport=DESKTOP, js=js, user=patient.user).new_page()
    elsewhere.goto("/appointments/")
    expect(elsewhere.get_by_role("heading", level=1)).to_have_text("Mis citas")
