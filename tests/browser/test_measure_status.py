"""管理措施's 变更状态: 已完成 and 已取消 close a measure for good, so the page asks first and
sends nothing when the user says no; 执行中 goes through without a question."""

import pytest
from playwright.sync_api import expect

from huifang.reports import services
from huifang.reports.choices import MeasureStatus
from huifang.reports.models import Measure, MeasureType

pytestmark = pytest.mark.browser


@pytest.fixture
def measure(personas, make_open_task):
    task = make_open_task("a1")
    return services.do_create_measure(
        task.customer,
        MeasureType.objects.get(name="面谈"),
        "客户回访中表示不了解风险",
        task=task,
        actor=personas["manager_a"],
    )


def test_cancelling_a_measure_asks_first(measure, login, live_server):
    page = login("manager_a")
    page.goto(f"{live_server.url}/reports/measures/{measure.pk}/")
    asked = []

    def answer(dialog, accept):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, accept=False))
    page.get_by_label("新状态").select_option(label="已取消")
    page.get_by_role("button", name="变更状态").click()
    expect(page.locator("#measure-status")).to_have_text("待执行")
    assert asked == ["确认将措施状态改为“已取消”？改后不能再变更状态。"]
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.PENDING

    page.once("dialog", lambda d: answer(d, accept=True))
    page.get_by_role("button", name="变更状态").click()
    expect(page.locator(".alert-success")).to_contain_text("状态已改为“已取消”")
    assert Measure.objects.get(pk=measure.pk).status == MeasureStatus.CANCELLED
    assert len(asked) == 2
    assert page.console_errors == []


def test_starting_a_measure_asks_nothing(measure, login, live_server):
    page = login("manager_a")
    page.goto(f"{live_server.url}/reports/measures/{measure.pk}/")
    page.on("dialog", lambda d: pytest.fail(f"unexpected question: {d.message}"))
    page.get_by_label("新状态").select_option(label="执行中")
    page.get_by_role("button", name="变更状态").click()
    expect(page.locator(".alert-success")).to_contain_text("状态已改为“执行中”")
    assert Measure.objects.get(pk=measure.pk).status == MeasureStatus.ACTIVE
