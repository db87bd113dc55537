"""A person's first look: log in as the demo HQ admin and open every navigation entry."""

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_hq_admin_opens_every_navigation_entry_without_errors(live_server, demo, demo_login):
    page = demo_login("hq_admin")
    links = page.eval_on_selector_all(
        "#nav a[href^='/']", "els => els.map(e => e.getAttribute('href'))"
    )
    assert len(links) >= 5
    for href in links:
        response = page.goto(f"{live_server.url}{href}")
        assert response.status < 400, href
        assert page.locator("h2.page-title").count() == 1, href
    assert page.console_errors == []
