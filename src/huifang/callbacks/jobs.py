"""The background job of 加入回访名单 (big runs take a while: progress on the page)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from huifang.callbacks import distribution, services
from huifang.callbacks.models import BusinessType
from huifang.core.job_params import JobParams
from huifang.core.jobs import JobContext, JobFailed, job_handler
from huifang.rules.models import ScreeningRun

KIND = "callbacks.create_batch"


@dataclass(frozen=True)
class CreateBatchParams(JobParams):
    run: int  # a frozen ScreeningRun
    business_type: int
    distribute: bool = False  # then 自动分配 the new batch's tasks (distribution.py)


@job_handler(KIND, CreateBatchParams, label="加入回访名单")
def create_batch(ctx: JobContext) -> dict:
    params: CreateBatchParams = ctx.params
    run = ScreeningRun.objects.filter(pk=params.run).first()
    business_type = BusinessType.objects.filter(pk=params.business_type).first()
    if run is None or business_type is None:
        raise JobFailed("筛选记录或回访业务类型不存在")
    ctx.progress(0, 5, "开始加入回访名单")
    try:
        result = services.do_create_batch(
            run, business_type, actor=ctx.job.created_by, progress=ctx.progress
        )
    except ValidationError as exc:
        raise JobFailed("；".join(exc.messages)) from exc
    batch = result.batch
    if result.created:
        summary = (
            f"批次 {batch.number}：新建 {batch.created_count} 条任务，"
            f"合并 {batch.merged_count} 条，跳过 {batch.skipped_count} 条"
        )
        if batch.sample_percent < 100:
            summary += f"（{batch.sample_text}）"
    else:
        summary = (
            f"该筛选已按“{business_type.name}”加入过回访名单（批次 {batch.number}），未新建任务"
        )
    if params.distribute and result.created:
        summary += "；" + _distribute(batch, ctx)
    ctx.log(summary)
    return {
        "summary": summary,
        "next_url": reverse("callbacks:batch_detail", args=[batch.pk]),
        "data": {
            "summary": summary,
            "batch": batch.number,
            "created": result.created,
            "next_url": reverse("callbacks:batch_detail", args=[batch.pk]),
        },
    }


def _distribute(batch, ctx: JobContext) -> str:
    """The new batch shared among the agents on duty; a refusal leaves it for the managers
    (the batch is made either way)."""
    ctx.progress(5, 5, "正在自动分配")
    try:
        done = distribution.do_distribute_batch(batch, actor=ctx.job.created_by)
    except (ValidationError, PermissionDenied) as exc:
        why = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return f"未能自动分配：{why}"
    return distribution.batch_summary(done)
