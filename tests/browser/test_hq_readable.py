"""HQ's and auditors' pages read as written: version numbers as v1 (not Tabler's upper-cased
V1), the custom rule's preview table readable in its card at 1366 px, and the 外呼记录
export offering the page's columns and the interface format."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_version_comparison_heads_its_versions_v1_as_the_rest_of_the_pages(
    personas, login, live_server
):
    page = login("auditor")
    page.goto(f"{live_server.url}/rules/A002/compare/")
    heads = page.locator("main table thead th")
    expect(heads.first).to_have_text("参数")
    shown = heads.evaluate_all("cells => cells.slice(1).map(c => c.innerText)")
    assert shown and all(text.startswith("v") for text in shown), shown
