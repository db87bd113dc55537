"""The home page as a workbench: as an agent, a manager and HQ, the numbers are the data's,
and clicking one opens the filtered list with exactly that many rows."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from huifang.callbacks import services
from huifang.callbacks.models import BusinessType, CallbackTask
from huifang.core.models import Job
from huifang.customers.models import ImportRecord
from tests.callbacks.conftest import TODAY, make_customer, make_run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BEIJING = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """Pin "today" for the page and the live server alike (one process): inside the seeded
    trading calendar, so batches get deadlines."""
    from django.utils import timezone

    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return TODAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


@pytest.fixture
def work(branches, personas):
    """agent_a: five open tasks (two overdue, one 改约 today) and a finished one; branch
    010101 two unassigned open tasks; 010201 (outside manager_a's branch) three open tasks;
    two failed imports and one import waiting in the queue."""
    admin = personas["hq_admin"]
    customers = [make_customer(branches["a1"]) for _ in range(8)]
    customers += [make_customer(branches["b1"]) for _ in range(3)]
    annual = BusinessType.objects.get(name="年度适当性回访")
    services.do_create_batch(make_run({c: ["A003"] for c in customers}), annual, actor=admin)
    tasks = list(CallbackTask.objects.filter(branch=branches["a1"]).order_by("pk"))
    services.do_assign([t.pk for t in tasks[:6]], personas["agent_a"], actor=admin)
    late = TODAY - datetime.timedelta(days=2)
    CallbackTask.objects.filter(pk__in=[tasks[0].pk, tasks[1].pk, tasks[6].pk]).update(
        deadline=late
    )
    CallbackTask.objects.filter(pk=tasks[2].pk).update(
        appointment_at=datetime.datetime.combine(TODAY, datetime.time(15, 0), tzinfo=BEIJING)
    )
    CallbackTask.objects.filter(pk=tasks[5].pk).update(status="completed")
    for name in ("客户0101.csv", "日报0102.csv"):
        ImportRecord.objects.create(dataset="customers", status="failed", file_name=name)
    Job.objects.create(kind="customers.import", title="导入客户", created_by=admin)


def check_every_number(page, expected: dict[str, int]) -> None:
    """Each number on the home page is the expected one, and its link lists that many rows."""
    home = page.url
    figures = page.locator("a.workbench-figure")
    assert sorted(figures.evaluate_all("els => els.map(e => e.dataset.label)")) == sorted(expected)
    for label, count in expected.items():
        page.goto(home)
        figure = page.locator(f"a.workbench-figure[data-label='{label}']")
        expect(figure.locator(".h1")).to_have_text(str(count))
        figure.click()
        page.wait_for_url(lambda url, home=home: url != home)
        rows = page.locator("table tbody tr").filter(has_not=page.locator("td[colspan]"))
        expect(rows).to_have_count(count)
    assert page.console_errors == []


def test_an_agent_clicks_their_numbers_to_their_tasks(work, login):
    page = login("agent_a")

    check_every_number(page, {"我的未完成任务": 5, "今日改约": 1, "我的逾期任务": 2})


def test_a_manager_clicks_their_branch_numbers_to_its_tasks(work, login):
    page = login("manager_a")

    check_every_number(page, {"未完成任务": 7, "已逾期": 3, "未分配": 2})


def test_hq_clicks_import_numbers_to_the_imports_waiting_or_failed(work, login):
    page = login("hq_admin")
    expect(page.locator("#latest-batches tbody tr")).to_have_count(1)
    expect(page.locator("#latest-runs tbody tr")).to_have_count(1)

    check_every_number(
        page,
        {"未落地的筛选": 0, "排队等待导入": 1, "导入中": 0, "导入失败": 2, "已拒绝（数据有误）": 0},
    )
