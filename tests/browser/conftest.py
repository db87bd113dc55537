"""Playwright driving Debian's Chromium (``playwright install`` cannot download browsers here)."""

import io
import os
import shutil

import pytest
from django.core.management import call_command

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--lang=zh-CN",
]
# The browser's own words — a file input's 选择文件, a date input's 年/月/日, a required field's
# 请填写此字段 — are those of its interface language: a Chinese browser, as the company's staff
# use (Debian's chromium-l10n, installed by scripts/system-deps.sh). On Linux Chromium reads the
# language from LANGUAGE, not --lang; without it the test browser spoke English.
CHROMIUM_ENV = {**os.environ, "LANGUAGE": "zh_CN"}


def pytest_collection_modifyitems(items):
    """Every browser test runs against the live server's committed database and restores
    the seeded rows (roles, business types, calendar, rules) afterwards. Without
    serialized_rollback a test's closing flush re-creates the roles with new ids and the next
    test that restores the seed fails on their unique names, so no module may opt out."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(
                pytest.mark.django_db(transaction=True, serialized_rollback=True), append=False
            )


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=CHROMIUM_ENV
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    # Requests that never got an answer, and answers that say something went wrong.
    page.failed_requests = []
    page.on("requestfailed", lambda r: page.failed_requests.append(f"{r.url} {r.failure}"))
    page.on(
        "response", lambda r: r.status >= 400 and page.failed_requests.append(f"{r.status} {r.url}")
    )
    yield page
    context.close()


@pytest.fixture
def login(page, live_server):
    """``login("agent_a")`` signs the page in through the login form (password: the
    personas' one from tests/conftest.py unless given) and returns the page."""
    from tests.conftest import PASSWORD

    def sign_in(username: str, password: str = PASSWORD):
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    return sign_in


@pytest.fixture
def make_open_task(branches, personas):
    """The records tests' open-task builder (a fixture there), for browser tests:
    ``make_open_task("a1")`` → a task of the records tests' business type in branch a1,
    assigned to the branch's agent persona (agent_a), who works it."""
    from tests.records import conftest as records

    kind = records.business_type.__wrapped__(None)
    return records.make_task.__wrapped__(branches, kind, personas)


DEMO_PASSWORD = "Demo-pass-2026"


@pytest.fixture
def demo(settings):
    """The demo company (120 customers) as ``make run`` loads it: HUIFANG_DEMO on, so the
    demo users sign in with their password as printed (``DEMO_PASSWORD``)."""
    settings.DEMO = True
    call_command("demo", "--customers", "120", "--password", DEMO_PASSWORD, stdout=io.StringIO())


@pytest.fixture
def demo_login(page, live_server):
    """``demo_login("auditor")`` signs a demo user in through the login form."""

    def sign_in(username: str):
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    return sign_in
