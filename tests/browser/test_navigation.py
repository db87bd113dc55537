"""A person's first look: log in as the demo HQ admin and open every navigation entry."""

import pytest
from django.core.management import call_command

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "Demo-pass-2026"


def test_hq_admin_opens_every_navigation_entry_without_errors(live_server, page, settings):
    settings.DEMO = True  # as `make run` loads it: the printed passwords work as they are
    call_command("demo", "--customers", "120", "--password", PASSWORD)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "hq_admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    links = page.eval_on_selector_all(
        "#nav a[href^='/']", "els => els.map(e => e.getAttribute('href'))"
    )
    assert len(links) >= 5
    for href in links:
        response = page.goto(f"{live_server.url}{href}")
        assert response.status < 400, href
        assert page.locator("h2.page-title").count() == 1, href
    assert page.console_errors == []
