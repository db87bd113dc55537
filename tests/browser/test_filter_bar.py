"""A list's filter bar lines up: a text box, a date box and a select are one height, and
the labels above them start on one line (a small text box beside a full-size select put
回访任务's 投资者代码或名称 and 批次号 a line lower than 部门)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

BOXES = """() => ['#id_q', '#id_branch', '#id_batch', '#id_deadline_0'].map(sel => {
  const box = document.querySelector('#filter-form ' + sel);
  const label = document.querySelector(`#filter-form label[for="${box.id}"]`);
  return [sel, Math.round(box.getBoundingClientRect().height),
          label ? Math.round(label.getBoundingClientRect().top) : null];
})"""


def test_the_task_filter_boxes_are_one_height_under_labels_on_one_line(
    personas, login, live_server
):
    page = login("hq_admin")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/callbacks/tasks/")
    boxes = page.evaluate(BOXES)

    heights = {sel: height for sel, height, _ in boxes}
    assert len(set(heights.values())) == 1, heights
    first_row = {sel: top for sel, _, top in boxes[:3]}
    assert len(set(first_row.values())) == 1, first_row


LABEL_TOPS = """() => [...document.querySelectorAll('#filter-form > * > .form-label')]
  .slice(0, 4).map(label => [label.textContent, Math.round(label.getBoundingClientRect().top)])"""


def test_a_date_range_beside_single_boxes_keeps_the_labels_on_one_line(
    personas, login, live_server
):
    """回访记录's 回访日期（起止） is two boxes high: the row used to be bottom-aligned, so the
    labels of 客户账号或名称, 营业部 and 回访状态 sat a box lower than its own."""
    page = login("hq_admin")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/records/")
    tops = page.evaluate(LABEL_TOPS)
    assert [label for label, _ in tops] == [
        "客户账号或名称",
        "营业部",
        "回访日期（起止）",
        "回访状态",
    ]
    assert len({top for _, top in tops}) == 1, tops
