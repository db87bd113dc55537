"""The background job of 批量发送短信 from the task list (progress on the job page)."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import reverse

from huifang.callbacks.filtersets import TaskFilterSet
from huifang.callbacks.models import CallbackTask
from huifang.channels.sms import services
from huifang.channels.sms.models import SmsTemplate
from huifang.core.job_params import JobParams
from huifang.core.jobs import JobContext, JobFailed, job_handler
from huifang.core.permissions import scoped

KIND = "sms.send"


@dataclass(frozen=True)
class SendParams(JobParams):
    template: int
    tasks: list[int]  # the ticked tasks; empty with ``filter`` set: every matching task
    filter: str | None = None
    force: bool = False


@job_handler(KIND, SendParams, label="批量发送短信")
def send(ctx: JobContext) -> dict:
    params: SendParams = ctx.params
    template = SmsTemplate.objects.filter(pk=params.template).first()
    if template is None:
        raise JobFailed("短信模板不存在")
    user = ctx.job.created_by
    if params.filter is not None:
        filterset = TaskFilterSet(
            QueryDict(params.filter),
            queryset=scoped(user, CallbackTask.objects.all(), "view"),
            request=SimpleNamespace(user=user),
        )
        if not filterset.is_valid():
            raise JobFailed("筛选条件有误，无法发送")
        tasks = filterset.qs
    else:
        tasks = list(CallbackTask.objects.filter(pk__in=params.tasks))
    total = len(tasks) if isinstance(tasks, list) else tasks.count()
    ctx.progress(0, total, "开始发送短信")
    try:
        result = services.do_queue(
            tasks, template, force=params.force, actor=user, progress=ctx.progress
        )
    except ValidationError as exc:
        raise JobFailed("；".join(exc.messages)) from exc
    ctx.progress(total, total, "完成")
    summary = f"短信模板 {template}：{result.summary()}"
    ctx.log(summary)
    next_url = reverse("sms:message_list") + f"?template={template.pk}"
    return {
        "summary": summary,
        "next_url": next_url,
        "data": {
            "queued": result.queued,
            "held": result.held,
            "skipped": dict(result.skipped),
            "next_url": next_url,
        },
    }
