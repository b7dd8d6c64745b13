"""Flow 3: staff log in to the admin, add a doctor and their working hours; the new
doctor's free times then appear on the public doctor page."""

import datetime

from playwright.sync_api import expect

from doctors.models import Doctor
from tests.accounts.factories import StaffFactory
from tests.doctors.factories import SpecialtyFactory
from tests.e2e.helpers import log_in, long_day


def test_staff_add_a_doctor_whose_slots_appear_on_the_public_page(new_context, clinic_now, pages):
    staff = StaffFactory()
    SpecialtyFactory(name="Neurology", slug="neurology")
    page = new_context().new_page()

    page.goto("/admin/")
    pages.check(page, "Admin log in")
    log_in(page, staff, url="/admin/")  # then the code from the authenticator app
    expect(page.locator("#site-name")).to_be_visible()
    pages.check(page, "Admin home")

    page.locator("#doctors-doctor").get_by_role("link", name="Doctors").click()
    page.get_by_role("link", name="Add doctor").click()
    pages.check(page, "Admin add doctor")
    page.get_by_label("Email address").fill("lena.moreau@clinic.example")
    page.locator("#id_password1").fill("an-unusual-doctor-passphrase-17")
    page.locator("#id_password2").fill("an-unusual-doctor-passphrase-17")
    page.get_by_label("First name").fill("Lena")
    page.get_by_label("Last name").fill("Moreau")
    page.get_by_label("Specialty").select_option(label="Neurology")
    page.get_by_label("Licence number").or_(page.get_by_label("License number")).fill("NEU-0042")
    page.get_by_label("Years of experience").fill("12")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    # The doctor's own page in the admin: their working hours, Tuesday 09:00-12:00.
    page.locator("select[name$='-0-weekday']").select_option(label="Tuesday")
    page.locator("input[name$='-0-start_time']").fill("09:00")
    page.locator("input[name$='-0-end_time']").fill("12:00")
    pages.check(page, "Admin doctor working hours")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    doctor = Doctor.objects.get(user__email="lena.moreau@clinic.example")
    tuesday = clinic_now.date() + datetime.timedelta(days=1)
    visitor = new_context().new_page()
    visitor.goto("/doctors/?specialty=neurology")
    visitor.get_by_role("link", name="Dr Lena Moreau", exact=True).click()
    day_card = visitor.locator(".slot-days .card").first
    expect(day_card.get_by_role("heading")).to_have_text(long_day(tuesday))
    expect(day_card.locator(".slot-list li")).to_have_count(6)  # 09:00 ... 11:30
    expect(day_card).to_contain_text("09:00")
    expect(day_card).to_contain_text("11:30")
    assert visitor.url.endswith(f"/doctors/{doctor.pk}/")
    pages.check(visitor, "Doctor page (new doctor)")
