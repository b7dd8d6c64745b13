"""The 403, 404 and 500 pages look like the rest of the site and pass axe."""

from django.template.loader import render_to_string
from playwright.sync_api import expect


def test_missing_page_is_a_friendly_404(new_context, clinic_now, pages):
    page = new_context().new_page()
    response = page.goto("/doctors/999999/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We couldn't find that page")
    expect(page.get_by_role("link", name="Find a doctor").last).to_be_visible()
    pages.check(page, "Error 404")


def test_a_stale_form_is_a_friendly_403(new_context, clinic_now, pages):
    page = new_context().new_page()
    page.goto("/accounts/login/")
    page.locator("main input[name=csrfmiddlewaretoken]").evaluate("input => input.value = 'stale'")
    page.get_by_label("Email").fill("someone@example.org")
    page.get_by_label("Password").fill("whatever")
    with page.expect_response("**/accounts/login/") as response:
        page.get_by_role("button", name="Log in").click()
    assert response.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("This form has expired")
    pages.check(page, "Error 403")


def test_server_error_page_uses_the_site_style(new_context, live_server, clinic_now, pages):
    page = new_context().new_page()
    html = render_to_string("500.html")
    page.route(
        "**/error-500",
        lambda route: route.fulfill(status=500, body=html, content_type="text/html"),
    )
    page.goto("/error-500")
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong on our side")
    background = page.locator("body").evaluate("b => getComputedStyle(b).backgroundColor")
    assert background != "rgba(0, 0, 0, 0)", "the stylesheet did not load"
    pages.check(page, "Error 500")
