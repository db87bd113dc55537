"""``/api/v1/plans/`` and ``/api/v1/plan-runs/``: 回访计划 through the API — created and
changed through the service (audited), run and approved as the pages' jobs (202), a
date already run 409, and the page's permissions (HQ maintains; the auditor reads)."""

from __future__ import annotations

import pytest

from huifang.automation import services
from huifang.automation.models import Plan, PlanMode, PlanRun, PlanRunStatus
from huifang.callbacks.models import Batch
from huifang.core.models import AuditEvent

from .test_runs import DAY

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/plans/"
RUNS = "/api/v1/plan-runs/"


def body(**changes) -> dict:
    data = {
        "name": "年度老年客户回访",
        "rules": [{"code": "A003", "version": "current"}],
        "reference_kind": "year_end",
        "run_time": "20:30",
        "business_type": "年度适当性回访",
        "mode": "approval",
        "auto_distribute": True,
        "enabled": True,
        "notify": ["auditor"],
    }
    data.update(changes)
    return data


def test_hq_creates_a_plan_through_the_service_audited(api_for, annual, personas):
    response = api_for("hq_admin").post(PLANS, body(), format="json")

    assert response.status_code == 201, response.json()
    plan = Plan.objects.get()
    assert plan.auto_distribute and list(plan.notify.all()) == [personas["auditor"]]
    assert response.json()["rules_text"] == "A003（当前版本）"
    event = AuditEvent.objects.get(action="plan_create")
    assert event.actor_label == "api" and event.user == personas["hq_admin"]


def test_an_unknown_rule_is_a_400_and_nothing_is_saved(api_for, annual):
    response = api_for("hq_admin").post(
        PLANS, body(rules=[{"code": "Z999", "version": "current"}]), format="json"
    )

    assert response.status_code == 400
    assert not Plan.objects.exists()


def test_a_fixed_plan_without_a_date_is_a_400_in_chinese(api_for, annual):
    response = api_for("hq_admin").post(PLANS, body(reference_kind="fixed"), format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["fixed_date"] == ["请填写固定日期"]


def test_patch_switches_a_plan_off(api_for, make_plan):
    plan = make_plan()

    response = api_for("hq_admin").patch(f"{PLANS}{plan.pk}/", {"enabled": False}, format="json")

    assert response.status_code == 200 and response.json()["next_run"] is None
    plan.refresh_from_db()
    assert not plan.enabled
    assert AuditEvent.objects.filter(action="plan_change").count() == 1


def test_run_answers_202_and_the_job_runs_the_occurrence(api_for, make_plan, elderly, run_jobs):
    plan = make_plan()

    with run_jobs():
        response = api_for("hq_admin").post(
            f"{PLANS}{plan.pk}/run/", {"on": DAY.isoformat()}, format="json"
        )

    assert response.status_code == 202 and "/api/v1/jobs/" in response["Location"]
    plan_run = PlanRun.objects.get()
    assert plan_run.status == PlanRunStatus.DONE and plan_run.started_by.username == "hq_admin"


def test_running_a_date_already_run_is_a_409(api_for, make_plan, elderly):
    plan = make_plan()
    services.do_run_plan(plan, on=DAY, actor=None)

    response = api_for("hq_admin").post(
        f"{PLANS}{plan.pk}/run/", {"on": DAY.isoformat()}, format="json"
    )

    assert response.status_code == 409
    assert "不会重复执行" in response.json()["message"]


def test_running_a_date_not_in_the_plan_s_schedule_is_a_400(api_for, make_plan, elderly):
    plan = make_plan()

    response = api_for("hq_admin").post(
        f"{PLANS}{plan.pk}/run/", {"on": "2025-12-27"}, format="json"
    )

    assert response.status_code == 400
    assert "不是回访计划“年度老年客户回访”的回访基准日" in str(response.json())
    assert not PlanRun.objects.exists()


def test_approve_answers_202_and_creates_the_batch(api_for, make_plan, elderly, run_jobs):
    pending = services.do_run_plan(make_plan(mode=PlanMode.APPROVAL), on=DAY, actor=None)
    client = api_for("hq_admin")
    listed = client.get(RUNS, {"status": "pending"}).json()["results"]
    assert [r["id"] for r in listed] == [pending.pk]

    with run_jobs():
        response = client.post(f"{RUNS}{pending.pk}/approve/")

    assert response.status_code == 202
    pending.refresh_from_db()
    assert pending.status == PlanRunStatus.DONE and Batch.objects.count() == 1
    assert client.post(f"{RUNS}{pending.pk}/approve/").status_code == 409


def test_the_auditor_reads_plans_but_cannot_run_them(api_for, make_plan):
    plan = make_plan()
    client = api_for("auditor")

    assert client.get(PLANS).json()["count"] == 1
    response = client.post(f"{PLANS}{plan.pk}/run/", {"on": DAY.isoformat()}, format="json")
    assert response.status_code == 403
    assert not PlanRun.objects.exists()


@pytest.mark.parametrize("persona", ["agent_a", "manager_a"])
def test_agents_and_managers_cannot_see_plans(api_for, make_plan, persona):
    make_plan()

    assert api_for(persona).get(PLANS).status_code == 403
