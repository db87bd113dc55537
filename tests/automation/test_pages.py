"""The 回访计划 pages: list, create/edit, detail with runs, 执行 and 审核通过 with their
confirmations; who may see and do what."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from huifang.automation.models import Plan, PlanMode, PlanRun, PlanRunStatus
from huifang.callbacks.models import Batch
from huifang.core.models import AuditEvent
from huifang.rules.models import Rule

D = datetime.date


def form_data(annual, **changes) -> dict:
    data = {
        "name": "月末老年客户回访",
        "rules": ["A003"],
        "reference_kind": "month_end",
        "fixed_date": "",
        "run_time": "20:30",
        "business_type": annual.pk,
        "mode": "auto",
        "enabled": "on",
        "notify": [],
    }
    data.update(changes)
    return data


def test_hq_admin_creates_a_plan_with_a_pinned_version_audited(client_for, annual, personas):
    version = Rule.objects.get(code="A002").current_version.number
    client = client_for("hq_admin")
    data = form_data(annual, rules=["A003", f"A002@{version}"], notify=[personas["auditor"].pk])

    response = client.post(reverse("automation:plan_create"), data)

    plan = Plan.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("automation:plan_detail", args=[plan.pk])
    assert plan.rules == [
        {"code": "A002", "version": version},
        {"code": "A003", "version": "current"},
    ]
    assert plan.run_time == datetime.time(20, 30) and plan.created_by == personas["hq_admin"]
    assert list(plan.notify.all()) == [personas["auditor"]]
    event = AuditEvent.objects.get(action="plan_create")
    assert event.user == personas["hq_admin"] and event.after["name"] == plan.name


def test_two_versions_of_one_rule_are_refused_in_chinese(client_for, annual):
    version = Rule.objects.get(code="A003").current_version.number

    response = client_for("hq_admin").post(
        reverse("automation:plan_create"), form_data(annual, rules=["A003", f"A003@{version}"])
    )

    assert response.status_code == 200
    assert "规则 A003 只能选择一个版本" in response.content.decode()
    assert not Plan.objects.exists()


def test_a_fixed_date_in_the_past_is_refused(client_for, annual):
    response = client_for("hq_admin").post(
        reverse("automation:plan_create"),
        form_data(annual, reference_kind="fixed", fixed_date="2020-01-02"),
    )

    assert "固定日期及执行时间已过" in response.content.decode()
    assert not Plan.objects.exists()


def test_the_list_shows_last_run_and_next_occurrence(client_for, make_plan, elderly):
    from huifang.automation import services

    plan = make_plan()
    services.do_run_plan(plan, on=D(2025, 12, 31), actor=None)

    html = client_for("auditor").get(reverse("automation:plan_list")).content.decode()

    assert plan.name in html and "2025-12-31 已完成" in html
    assert "新增回访计划" not in html  # the auditor only reads


def test_editing_a_plan_changes_it_audited(client_for, make_plan, annual):
    plan = make_plan()

    response = client_for("hq_admin").post(
        reverse("automation:plan_edit", args=[plan.pk]),
        form_data(annual, name=plan.name, reference_kind="trading_day", run_time="21:00"),
    )

    plan.refresh_from_db()
    assert response.status_code == 302 and plan.run_time == datetime.time(21, 0)
    change = AuditEvent.objects.get(action="plan_change")
    assert change.before["run_time"] == "20:00:00" and change.after["run_time"] == "21:00:00"


def test_run_asks_to_confirm_then_runs_in_a_job(client_for, make_plan, elderly, run_jobs):
    plan = make_plan()
    client = client_for("hq_admin")
    url = reverse("automation:plan_run", args=[plan.pk])

    confirm = client.post(url, {"on": "2025-12-31"})
    assert "按回访基准日 2025-12-31 执行" in confirm.content.decode()
    assert not PlanRun.objects.exists()

    with run_jobs():
        response = client.post(url, {"on": "2025-12-31", "confirmed": "1"})

    assert response.status_code == 302 and "/system/jobs/" in response.url
    plan_run = PlanRun.objects.get()
    assert plan_run.status == PlanRunStatus.DONE and plan_run.started_by.username == "hq_admin"
    detail = client.get(reverse("automation:plan_detail", args=[plan.pk])).content.decode()
    assert plan_run.batch.number in detail
    assert reverse("rules:run_detail", args=[plan_run.screening_run_id]) in detail


def test_run_of_a_date_not_in_the_plan_s_schedule_says_so(client_for, make_plan, elderly):
    plan = make_plan()

    response = client_for("hq_admin").post(
        reverse("automation:plan_run", args=[plan.pk]), {"on": "2025-12-27"}, follow=True
    )

    page = response.content.decode()
    assert "2025-12-27 不是回访计划“年度老年客户回访”的回访基准日（每个交易日）" in page
    assert not PlanRun.objects.exists()


def test_run_of_a_date_already_run_says_so(client_for, make_plan, elderly):
    from huifang.automation import services

    plan = make_plan()
    services.do_run_plan(plan, on=D(2025, 12, 31), actor=None)

    response = client_for("hq_admin").post(
        reverse("automation:plan_run", args=[plan.pk]), {"on": "2025-12-31"}, follow=True
    )

    assert "已执行（已完成），不会重复执行" in response.content.decode()
    assert PlanRun.objects.count() == 1


def test_approve_in_one_click_after_confirmation(client_for, make_plan, elderly, run_jobs):
    from huifang.automation import services

    plan_run = services.do_run_plan(
        make_plan(mode=PlanMode.APPROVAL), on=D(2025, 12, 31), actor=None
    )
    client = client_for("hq_admin")
    detail = client.get(reverse("automation:plan_detail", args=[plan_run.plan_id]))
    url = reverse("automation:plan_run_approve", args=[plan_run.pk])
    assert url in detail.content.decode()

    assert "审核通过后数据落地" in client.get(url).content.decode()
    with run_jobs():
        client.post(url, {"confirmed": "1"})

    plan_run.refresh_from_db()
    assert plan_run.status == PlanRunStatus.DONE and Batch.objects.count() == 1


@pytest.mark.parametrize("persona", ["agent_a", "manager_a"])
def test_agents_and_managers_are_refused_every_page(client_for, make_plan, persona):
    plan = make_plan()
    client = client_for(persona)

    for url in (
        reverse("automation:plan_list"),
        reverse("automation:plan_create"),
        reverse("automation:plan_detail", args=[plan.pk]),
        reverse("automation:plan_edit", args=[plan.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(
            reverse("automation:plan_run", args=[plan.pk]), {"on": "2025-12-31", "confirmed": "1"}
        ).status_code
        == 403
    )
    assert not PlanRun.objects.exists()


def test_the_auditor_reads_but_cannot_run_or_approve(client_for, make_plan, elderly):
    from huifang.automation import services

    plan_run = services.do_run_plan(
        make_plan(mode=PlanMode.APPROVAL), on=D(2025, 12, 31), actor=None
    )
    client = client_for("auditor")

    detail = client.get(reverse("automation:plan_detail", args=[plan_run.plan_id]))
    assert detail.status_code == 200 and "审核通过" not in detail.content.decode()
    assert (
        client.post(
            reverse("automation:plan_run", args=[plan_run.plan_id]),
            {"on": "2025-12-30", "confirmed": "1"},
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("automation:plan_run_approve", args=[plan_run.pk]), {"confirmed": "1"}
        ).status_code
        == 403
    )
    plan_run.refresh_from_db()
    assert plan_run.status == PlanRunStatus.PENDING


def test_the_menu_shows_plans_to_hq_only(client_for, personas):
    assert "回访计划" in client_for("hq_admin").get("/").content.decode()
    assert "回访计划" not in client_for("agent_a").get("/").content.decode()


def test_the_list_exports_with_last_and_next_run(client_for, make_plan, elderly):
    from huifang.automation import services

    plan = make_plan()
    services.do_run_plan(plan, on=D(2025, 12, 31), actor=None)

    response = client_for("hq_admin").get(reverse("automation:plan_list") + "?_export=csv")

    text = b"".join(response.streaming_content if response.streaming else [response.content])
    text = text.decode("utf-8-sig")
    assert response.status_code == 200
    assert "最近执行" in text and plan.name in text and "2025-12-31 已完成" in text


def test_a_second_plan_of_the_same_name_is_refused(client_for, make_plan, annual):
    make_plan("月末老年客户回访")

    response = client_for("hq_admin").post(reverse("automation:plan_create"), form_data(annual))

    assert response.status_code == 200 and "已存在" in response.content.decode()
    assert Plan.objects.count() == 1


def test_a_plan_saved_to_distribute_says_so_on_its_page(client_for, annual):
    client = client_for("hq_admin")

    client.post(reverse("automation:plan_create"), form_data(annual, auto_distribute="on"))

    plan = Plan.objects.get()
    assert plan.auto_distribute
    page = client.get(reverse("automation:plan_detail", args=[plan.pk])).content.decode()
    assert "批次生成后按各营业部的" in page
    assert AuditEvent.objects.get(action="plan_create").after["auto_distribute"] is True


def test_only_people_who_may_open_the_plan_can_be_notified(personas):
    from huifang.automation.forms import PlanForm

    offered = set(PlanForm(user=personas["hq_admin"]).fields["notify"].queryset)

    assert {personas["hq_admin"], personas["auditor"]} <= offered
    assert personas["manager_a"] not in offered and personas["agent_a"] not in offered
