"""HQ's and auditors' pages read as written: version numbers as v1 (not Tabler's upper-cased
V1), the custom rule's preview table readable in its card at 1366 px, and the 外呼记录
export offering the page's columns and the interface format."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.calls.conftest import business_type, call, make_task, pushed  # noqa: F401

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


def _download(page, link: str) -> list[dict]:
    import csv

    page.get_by_role("button", name="导出").click()
    with page.expect_download() as info:
        page.get_by_role("link", name=link).click()
    with open(info.value.path(), encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_call_list_exports_what_it_shows_and_offers_the_interface_format(
    login,
    live_server,
    pushed,  # noqa: F811  (the imported fixtures)
    call,  # noqa: F811
):
    from tests.calls.test_mapping import _ingest

    _, ref = pushed()
    _ingest(call(ref, "busy", call_id="BR1", duration_seconds=95))
    page = login("hq_admin")
    page.goto(f"{live_server.url}/calls/")
    heads = page.locator("main table thead th").all_inner_texts()
    (shown,) = _download(page, "导出 CSV")
    assert list(shown) == [h.strip() for h in heads if h.strip()]
    assert shown["拨打时长"] == "01:35" and "呼叫ID" not in shown
    (interface,) = _download(page, "导出接口格式 CSV")
    assert (interface["呼叫ID"], interface["拨打时长"]) == ("BR1", "95")


def test_the_custom_rules_preview_table_reads_at_1366(personas, branches, login, live_server):
    """The preview's sample sits in a card a third of the page wide: at 1366 px each cell
    keeps its text on one line and a table wider than the card scrolls inside it."""
    import datetime

    from tests.rules.conftest import customer

    for n in range(3):
        customer(
            branches["a1"],
            birth_date=datetime.date(1940, 1, 1),
            name=f"很长名字的老年客户{n}号",
        )
    page = login("hq_admin")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/rules/custom/new/")
    page.locator("#id_c0_field").select_option("age")
    page.locator("#id_c0_cmp").select_option("ge")
    page.locator("#id_c0_value").fill("80")
    page.get_by_role("button", name="预览命中数").click()
    table = page.get_by_test_id("preview-sample")
    expect(table).to_be_visible()
    lines = table.locator("td, th").evaluate_all(
        """cells => cells.map(cell => {
          const range = document.createRange();
          range.selectNodeContents(cell);
          return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
        })"""
    )
    assert lines and max(lines) == 1, lines
    box = table.evaluate(
        "t => ({scroll: getComputedStyle(t.parentElement).overflowX,"
        " over: t.getBoundingClientRect().right - t.parentElement.getBoundingClientRect().right,"
        " page: document.documentElement.scrollWidth - window.innerWidth})"
    )
    assert box["page"] <= 0, box
    assert box["over"] <= 1 or box["scroll"] in ("auto", "scroll"), box
