"""Every page of HQ's and the agent's menus is usable on the branches' smallest screen
(1366×768) and on a 1920-wide one: the page never scrolls sideways (a wide table scrolls
inside its card), and the title bar's actions stay on screen."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

SIZES = [(1366, 768), (1920, 1080)]


def sideways(page) -> list[str]:
    """What sticks out of the window: the page's own width and any visible element of
    <main> whose right edge is past the window's."""
    return page.evaluate(
        """() => {
            const out = [];
            const width = window.innerWidth;
            if (document.documentElement.scrollWidth > width)
                out.push(`page ${document.documentElement.scrollWidth}>${width}`);
            for (const el of document.querySelectorAll('.page-header .btn, h2.page-title')) {
                const box = el.getBoundingClientRect();
                if (box.width && box.right > width + 1)
                    out.push(`${el.tagName.toLowerCase()} ${el.innerText.trim()} ${box.right}`);
            }
            return out;
        }"""
    )


@pytest.mark.parametrize("username", ["hq_admin", "010101_agent1"])
@pytest.mark.parametrize(("width", "height"), SIZES, ids=lambda v: str(v))
def test_every_menu_page_fits_the_screen(demo, demo_login, live_server, username, width, height):
    page = demo_login(username)
    page.set_viewport_size({"width": width, "height": height})
    menu = page.eval_on_selector_all(
        "#nav a[href^='/']", "els => els.map(e => e.getAttribute('href'))"
    )
    assert len(menu) > 5
    found = {}
    for path in ["/", *menu]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        problems = sideways(page)
        if problems:
            found[path] = problems
    assert found == {}
    assert page.console_errors == []
