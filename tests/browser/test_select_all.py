"""The task list's 全选本页 ticked before the page's script has run (a slow connection, or the
browser restoring the form on 返回) still selects the page's tasks once the script runs:
the bulk action then acts on them instead of answering 请先勾选回访任务."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_header_ticked_before_the_script_ran_selects_the_page(
    personas, make_open_task, login, live_server
):
    make_open_task("a1")
    make_open_task("a1")
    page = login("manager_a")
    page.route("**/callbacks/tasks.js", lambda route: route.abort())  # not there yet
    page.goto(f"{live_server.url}/callbacks/tasks/?status=open")
    page.locator("[data-select-all]").check()
    rows = page.locator("input[name=pk]")
    expect(rows).to_have_count(2)
    expect(page.locator("input[name=pk]:checked")).to_have_count(0)

    page.unroute("**/callbacks/tasks.js")
    src = page.locator("script[src*='callbacks/tasks.js']").get_attribute("src")
    page.add_script_tag(url=src)  # the script arrives

    expect(page.locator("input[name=pk]:checked")).to_have_count(2)
