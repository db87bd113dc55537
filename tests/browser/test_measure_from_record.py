"""创建管理措施 from a callback record, on the task page, as a branch manager: the record's
own words fill 措施原因, and the measure saved points at the record."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from huifang.callbacks.records import services as records
from huifang.callbacks.records.models import FailureReason
from huifang.reports.models import Measure

pytestmark = pytest.mark.browser


def test_a_measure_from_a_failed_record_starts_from_its_words(
    personas, make_open_task, login, live_server
):
    task = make_open_task("a1")
    called = (timezone.now() - datetime.timedelta(hours=1)).replace(second=0, microsecond=0)
    record = records.do_create_record(
        task,
        {
            "status": "failure",
            "failure_reason": FailureReason.objects.get(name="无人接听"),
            "method": "phone",
            "called_at": called,
            "duration_seconds": None,
            "mobile_used": "13812345678",
            "remark": "连续三天无人接听",
        },
        actor=personas["agent_a"],
    )
    page = login("manager_a")
    page.goto(f"{live_server.url}/callbacks/tasks/{task.pk}/")
    page.get_by_role("button", name="从记录或反馈创建").click()
    page.get_by_role("link", name=f"回访记录 #{record.pk}").click()

    when = f"{timezone.localtime(called):%Y-%m-%d %H:%M}"
    reason = page.get_by_label("措施原因")
    expect(reason).to_have_value(
        f"回访记录 #{record.pk}（{when} 电话 失败：无人接听）：连续三天无人接听"
    )

    page.get_by_label("措施类型").select_option(label="风险提示")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("已登记管理措施")
    measure = Measure.objects.get()
    assert (measure.record, measure.task) == (record, task)
    assert measure.reason.endswith("连续三天无人接听")
    assert page.console_errors == []
