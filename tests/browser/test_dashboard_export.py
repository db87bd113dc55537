"""汇总统计's 导出 Excel, clicked: the workbook holds the page's tables and numbers, and its
回访人 sheet ends with the 合计 the page shows (records without an agent included)."""

from __future__ import annotations

import datetime

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.customers import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def progress(branches, personas):
    from django.utils import timezone

    from huifang.callbacks.models import Batch, BusinessType, CallbackTask, TaskBatch
    from huifang.callbacks.records.models import CallbackRecord
    from huifang.rules.models import ScreeningRun

    kind = BusinessType.objects.filter(is_active=True).order_by("pk").first()
    run = ScreeningRun.objects.create(as_of=datetime.date(2025, 12, 31), status="frozen")
    batch = Batch.objects.create(number="3100000001", run=run, business_type=kind, as_of=run.as_of)
    for n, agent in enumerate([personas["agent_a"], None, None]):
        customer = factories.customer(f"0910{n:06d}", branches["a1"])
        task = CallbackTask.objects.create(
            customer=customer,
            branch=customer.branch,
            business_type=kind,
            batch=batch,
            rule_codes=",A001,",
            reasons="测试",
        )
        TaskBatch.objects.create(task=task, batch=batch, kind="created", rule_codes=",A001,")
        CallbackRecord.objects.create(
            task=task,
            branch=task.branch,
            customer=customer,
            business_type=kind,
            status="success",
            method="phone" if agent else "h5",
            called_at=timezone.now(),
            agent=agent,
        )
    return batch


def test_export_excel_gives_the_pages_tables(login, progress):
    page = login("hq_admin")
    page.goto(page.url + "reports/?batch=" + progress.number)
    expect(page.locator("#agent-total")).to_contain_text("3")
    with page.expect_download() as info:
        page.get_by_role("link", name="导出 Excel").click()
    with open(info.value.path(), "rb") as handle:
        book = openpyxl.load_workbook(handle)
    total = [r for r in book["合计"].iter_rows(min_row=2, values_only=True)]
    assert total[0][1] == int(page.locator("#totals .figure-link").first.inner_text())
    agents = list(book["回访人"].iter_rows(min_row=2, values_only=True))
    assert ("客户自助（H5问卷）", 2, 2) in agents
    assert agents[-1] == ("合计", 3, 3)
