"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

One browser for the whole session; each test gets fresh browser contexts (cookies,
storage) and its own data from the factories. The clock is pinned, ticking, to a Monday
08:00 in the clinic (the next one in real time, so that the browser accepts the cookies
the server sets). Every page a flow visits goes through `Pages.check`: axe-core at a
phone and a desktop width (no serious or critical finding allowed) and a screenshot of
each under artifacts/screenshots/.

Run with .ci/e2e.sh, or `pytest tests/e2e` once the e2e extra is installed.
"""

import datetime
import json
import os
import re
import shutil
from pathlib import Path

import pytest
import time_machine
from django.conf import settings

from tests.conftest import CLINIC_TZ, at, login

# The live server runs in a thread of this process, which Django would otherwise refuse
# to let touch the database from under Playwright's event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
# The phone width issue 15 names (an iPhone's): every page is axe-checked at it too.
PHONE_390 = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_REPORTS = ARTIFACTS / "axe"
BLOCKING_IMPACTS = {"serious", "critical"}
TIMEOUT_MS = 10_000

# The screenshots the README shows, refreshed by a run with E2E_UPDATE_DOCS=1.
DOCS_SCREENSHOTS = {
    "book-choose-a-time-phone.png": "booking-phone.png",
    "home-next-free-times-phone.png": "home-phone.png",
    "my-appointments-desktop.png": "my-appointments-desktop.png",
    "desk-board-desktop.png": "desk-board-desktop.png",
    "desk-reports-desktop.png": "reports-desktop.png",
}


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


def pytest_sessionfinish(session, exitstatus):
    if exitstatus == 0 and os.environ.get("E2E_UPDATE_DOCS") == "1":
        docs = Path(settings.BASE_DIR) / "docs" / "screenshots"
        docs.mkdir(parents=True, exist_ok=True)
        for source, target in DOCS_SCREENSHOTS.items():
            shutil.copyfile(SCREENSHOTS / source, docs / target)


def next_monday_morning():
    """08:00 in the clinic on the coming Monday (today, if it is a Monday before 08:00)."""
    now = datetime.datetime.now(CLINIC_TZ)
    monday = now.date() + datetime.timedelta(days=(7 - now.weekday()) % 7)
    moment = at(monday, "08:00")
    return moment if moment > now else moment + datetime.timedelta(days=7)


@pytest.fixture
def clinic_now():
    """Pin the (ticking) clock to a Monday 08:00 in the clinic; yields that moment."""
    moment = next_monday_morning()
    with time_machine.travel(moment, tick=True):
        yield moment


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser, live_server, clinic_now):
    """A factory of fresh browser contexts: `new_context(viewport=PHONE, js=True)`.

    Any Content-Security-Policy violation or JavaScript error on any page fails the test.
    """
    contexts = []
    problems = []

    def watch(page):
        page.on(
            "console",
            lambda msg: (
                problems.append(f"{page.url}: {msg.text}")
                if msg.type == "error" and "Content Security Policy" in msg.text
                else None
            ),
        )
        page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))

    def make(*, viewport=PHONE, js=True, user=None):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport,
            java_script_enabled=js,
            accept_downloads=True,
            locale="en-GB",
            timezone_id=CLINIC_TZ.key,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.on("page", watch)
        if user is not None:
            log_in_context(context, live_server, user)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not problems, "errors in the browser:\n" + "\n".join(problems)


def log_in_context(context, live_server, user):
    """Give a browser context the session of `user`, without going through the form."""
    cookie = login(user).cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": live_server.url, "httpOnly": True}]
    )


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Pages:
    """What every test does on every page: axe at each width, and screenshots."""

    def __init__(self, js):
        self.js = js
        self.checked = []

    def check(self, page, name):
        """Check the page as it is now at two phone widths (360 and 390 px) and the desktop's,
        then restore the size.

        axe needs JavaScript, so a context without it only takes the screenshots.
        """
        page.wait_for_load_state("load")
        original = page.viewport_size
        findings = {}
        for label, size in (("phone", PHONE), ("phone-390", PHONE_390), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            suffix = "" if self.js else "-nojs"
            page.screenshot(path=SCREENSHOTS / f"{slug(name)}-{label}{suffix}.png", full_page=True)
            if self.js:
                findings[label] = axe_blocking_violations(page, f"{slug(name)}-{label}")
        page.set_viewport_size(original)
        self.checked.append(name)
        blocking = {label: found for label, found in findings.items() if found}
        assert not blocking, f"axe on {name!r} ({page.url}):\n" + json.dumps(blocking, indent=1)


def axe_blocking_violations(page, report_name):
    """Run axe-core (bundled with axe-playwright-python, nothing fetched) on the page.

    Saves the full report under artifacts/axe/ and returns the serious and critical
    violations, each as its rule, help text and the offending elements.
    """
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    (AXE_REPORTS / f"{report_name}.json").write_text(
        json.dumps(results.response["violations"], indent=1)
    )
    return [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]


@pytest.fixture
def pages():
    return Pages(js=True)
