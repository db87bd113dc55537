"""HQ in December 2026: a task's deadline in 2027 shows 暂定; HQ follows the calendar
page's warning to 2027's provisional calendar, uploads the schedule file, and the task's
deadline is recomputed on the page (compared with the database)."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from huifang.callbacks import services
from huifang.callbacks.models import BusinessType, CallbackTask
from huifang.core import calendar
from tests.callbacks.conftest import make_customer, make_run
from tests.core.test_calendar_import import schedule_rows, write_csv

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
D = datetime.date


@pytest.fixture
def december(monkeypatch):
    """Today is 2026-12-02 in the test and in the live server's thread."""
    from django.utils import timezone

    real = timezone.localdate
    monkeypatch.setattr(
        "django.utils.timezone.localdate",
        lambda value=None, timezone=None: (
            D(2026, 12, 2) if value is None else real(value, timezone)
        ),
    )
    calendar.clear_cache()
    yield
    calendar.clear_cache()


def test_hq_imports_next_years_schedule_and_the_provisional_deadline_moves(
    live_server, login, personas, branches, december, tmp_path
):
    run = make_run({make_customer(branches["a1"], code="00012345"): ["A003"]})
    annual = BusinessType.objects.get(name="年度适当性回访")
    services.do_create_batch(run, annual, actor=personas["hq_admin"])
    task = CallbackTask.objects.get()
    assert task.deadline_provisional
    page = login("hq_admin")

    page.goto(f"{live_server.url}/callbacks/tasks/{task.pk}/")
    expect(page.locator("#deadline-provisional")).to_have_text("暂定")
    expect(page.locator("dd", has=page.locator("#deadline-provisional"))).to_contain_text(
        f"{task.deadline:%Y-%m-%d}"
    )

    page.goto(f"{live_server.url}/system/calendar/")
    page.locator("#calendar-unmaintained").get_by_role("link", name="2027 年").click()
    expect(page.locator("#provisional-holidays")).to_contain_text("2027-02-05")
    page.set_input_files(
        "#calendar-import-form input[type=file]", str(write_csv(tmp_path, schedule_rows()))
    )
    page.get_by_role("button", name="导入并标记维护完成").click()
    expect(page.locator(".alert-success")).to_contain_text("重算暂定截止日期：回访任务 1 条")
    expect(page.locator("#calendar-year-state")).to_contain_text("已维护完成")

    task.refresh_from_db()
    assert (task.deadline, task.deadline_provisional) == (D(2027, 1, 29), False)
    page.goto(f"{live_server.url}/callbacks/tasks/{task.pk}/")
    expect(page.get_by_role("definition").filter(has_text="2027-01-29")).to_be_visible()
    expect(
        page.get_by_role("cell", name="2027 年交易日历已维护：暂定截止日期 2027-01-28 重算为")
    ).to_be_visible()
    expect(page.locator("#deadline-provisional")).to_have_count(0)
    assert page.console_errors == []
