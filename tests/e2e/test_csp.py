"""The Content-Security-Policy in a real browser: the admin and the API docs still work.

`new_context` fails a test on any CSP violation reported in the console or any script
error, so these tests only need to use the pages' scripted parts.
"""

from playwright.sync_api import expect

from tests.accounts.factories import StaffFactory
from tests.e2e.helpers import log_in


def test_admin_scripts_work_under_the_policy(new_context, clinic_now):
    staff = StaffFactory(is_superuser=True)
    page = new_context().new_page()

    log_in(page, staff, url="/admin/")  # then the code page, then back to the admin
    expect(page.locator("#site-name")).to_be_visible()

    # The user page has the admin's scripted two-list permission picker (SelectFilter2).
    page.goto(f"/admin/accounts/user/{staff.pk}/change/")
    expect(page.locator("#id_user_permissions_filter")).to_be_visible()
    header = page.request.get(page.url).headers["content-security-policy"]
    assert "script-src 'self'" in header and "unsafe-inline" not in header

    # The security log's list with its date drill-down and filters.
    page.goto("/admin/accounts/securityevent/")
    expect(page.get_by_text("Logged in").first).to_be_visible()


def test_swagger_ui_renders_under_the_policy(new_context, clinic_now):
    page = new_context().new_page()

    response = page.goto("/api/docs/")

    assert "nonce-" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Clinic scheduling API")
    expect(page.locator(".opblock").first).to_be_visible()
