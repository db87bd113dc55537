"""营业部反馈 of one task (``/records/feedback/?task=N``, the link from a task) says so: a
chip 任务 #N with a ✕ that clears it. 查询 (the filter form), paging and export keep the
task; before, nothing showed the filter and 查询 dropped it (a hidden field never sent)."""

from __future__ import annotations

import html
import io
import re

import pytest
from openpyxl import load_workbook

from huifang.callbacks.records.services import do_feedback

URL = "/records/feedback/"


@pytest.fixture
def feedbacks(make_task, personas):
    """Two notes on one task, one on another task of the branch."""
    task, other = make_task("a1"), make_task("a1")
    agent = personas["agent_a"]
    do_feedback(task, "第一条反馈", actor=agent, announce=False)
    do_feedback(task, "第二条反馈", actor=agent, announce=False)
    do_feedback(other, "别的任务的反馈", actor=agent, announce=False)
    return task, other


def _page(client, **query) -> str:
    response = client.get(URL, query)
    assert response.status_code == 200
    return response.content.decode()


def _chip(page: str) -> tuple[str, str] | None:
    """The task chip's text and its ✕ link, or None."""
    found = re.search(r'data-pinned="task">([^<]*)<a [^>]*href="([^"]*)"[^>]*>([^<]*)</a>', page)
    if found is None:
        return None
    assert found.group(3) == "✕"
    return found.group(1).strip(), html.unescape(found.group(2))


def _hrefs(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', page)]


def test_the_list_of_one_task_shows_the_task_as_a_chip(feedbacks, client_for):
    task, _ = feedbacks
    chip = _chip(_page(client_for("hq_admin"), task=task.pk))
    assert chip is not None and chip[0] == f"任务 #{task.pk}"


def test_the_chip_clears_the_task_and_keeps_the_other_filters(feedbacks, client_for):
    task, _ = feedbacks
    page = _page(client_for("hq_admin"), task=task.pk, handled="false", page=2)
    assert _chip(page)[1] == f"{URL}?handled=false"


def test_no_chip_without_the_task(feedbacks, client_for):
    assert 'data-testid="pinned-filters"' not in _page(client_for("hq_admin"))


def test_the_filter_form_sends_the_task_again(feedbacks, client_for):
    task, _ = feedbacks
    page = _page(client_for("hq_admin"), task=task.pk)
    form = page.split('id="filter-form"', 1)[1].split("</form>", 1)[0]
    assert re.search(rf'<input type="hidden" name="task" value="{task.pk}"', form)


def test_the_next_page_keeps_the_task(feedbacks, client_for):
    task, _ = feedbacks
    client = client_for("hq_admin")
    page = _page(client, task=task.pk, per_page=1)
    following = [h for h in _hrefs(page) if "page=2" in h]
    assert following and all(f"task={task.pk}" in href for href in following)
    second = client.get(URL + following[0])
    texts = second.content.decode()
    assert "第一条反馈" in texts or "第二条反馈" in texts
    assert "别的任务的反馈" not in texts


def test_the_export_keeps_the_task(feedbacks, client_for):
    task, _ = feedbacks
    client = client_for("hq_admin")
    link = next(h for h in _hrefs(_page(client, task=task.pk)) if "_export=xlsx" in h)
    assert f"task={task.pk}" in link
    response = client.get(URL + link if link.startswith("?") else link)
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    cells = {str(c) for row in book.worksheets[0].iter_rows(values_only=True) for c in row}
    assert {"第一条反馈", "第二条反馈"} <= cells
    assert "别的任务的反馈" not in cells
