"""The pages' background jobs: 执行 (run an occurrence now) and 审核通过 (freeze and
create the batch). A big screening or batch takes a while: progress on the job page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.urls import reverse

from huifang.core.job_params import JobParams
from huifang.core.jobs import JobContext, JobFailed, job_handler

RUN = "automation.run_plan"
APPROVE = "automation.approve_plan_run"


@dataclass(frozen=True)
class RunPlanParams(JobParams):
    plan: int
    on: datetime.date


@dataclass(frozen=True)
class ApproveParams(JobParams):
    plan_run: int


def _answer(plan_run) -> dict:
    from huifang.automation.services import outcome

    summary = outcome(plan_run)
    return {
        "summary": summary,
        "next_url": reverse("automation:plan_detail", args=[plan_run.plan_id]),
        "data": {"plan_run": plan_run.pk, "status": plan_run.status},
    }


@job_handler(RUN, RunPlanParams, label="执行回访计划")
def run_plan(ctx: JobContext) -> dict:
    from huifang.automation import services
    from huifang.automation.models import Plan, PlanRunStatus

    params: RunPlanParams = ctx.params
    plan = Plan.objects.select_related("business_type").filter(pk=params.plan).first()
    if plan is None:
        raise JobFailed("回访计划不存在")
    ctx.progress(0, 1, f"执行回访计划“{plan.name}”，基准日 {params.on:%Y-%m-%d}")
    try:
        plan_run = services.do_run_plan(plan, on=params.on, actor=ctx.job.created_by)
    except ValidationError as exc:
        raise JobFailed("；".join(exc.messages)) from exc
    answer = _answer(plan_run)
    ctx.log(answer["summary"])
    if plan_run.status == PlanRunStatus.FAILED:
        raise JobFailed(answer["summary"], result=answer)
    return answer


@job_handler(APPROVE, ApproveParams, label="审核通过回访计划")
def approve(ctx: JobContext) -> dict:
    from huifang.automation import services
    from huifang.automation.models import PlanRun

    params: ApproveParams = ctx.params
    plan_run = PlanRun.objects.select_related("plan").filter(pk=params.plan_run).first()
    if plan_run is None:
        raise JobFailed("回访计划执行记录不存在")
    ctx.progress(0, 1, f"审核通过：{plan_run}")
    try:
        plan_run = services.do_approve(plan_run, actor=ctx.job.created_by)
    except ValidationError as exc:
        raise JobFailed("；".join(exc.messages)) from exc
    answer = _answer(plan_run)
    ctx.log(answer["summary"])
    return answer
