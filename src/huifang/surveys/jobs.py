"""The background job of 问卷下发 for a whole filtered task list (progress on the page)."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.urls import reverse

from huifang.core.job_params import JobParams
from huifang.core.jobs import JobContext, JobFailed, job_handler

KIND = "surveys.invite"


@dataclass(frozen=True)
class InviteParams(JobParams):
    channel: str
    filters: str  # the task list's query string (TaskFilterSet), as the page had it
    questionnaire: str | None = None  # a code; None: by business type
    expires_days: int = 14


@job_handler(KIND, InviteParams)
def invite(ctx: JobContext) -> dict:
    from huifang.callbacks.filtersets import TaskFilterSet
    from huifang.callbacks.models import CallbackTask
    from huifang.surveys import sending

    params: InviteParams = ctx.params
    user = ctx.job.created_by
    ctx.progress(0, None, "正在筛选任务")
    tasks = CallbackTask.objects.all()
    if user is not None:
        tasks = tasks.restrict(user, "change")
    # The list's filters read the user from the request ("my tasks", the branch choices).
    request = SimpleNamespace(user=user) if user is not None else None
    filterset = TaskFilterSet(QueryDict(params.filters), queryset=tasks, request=request)
    if not filterset.is_valid():
        raise JobFailed("筛选条件无效：" + "；".join(str(e) for e in filterset.errors.values()))
    try:
        result = sending.do_invite(
            filterset.qs,
            channel=params.channel,
            questionnaire=params.questionnaire,
            expires_days=params.expires_days,
            actor=user,
            progress=ctx.progress,
        )
    except ValidationError as exc:
        raise JobFailed("；".join(exc.messages)) from exc
    except PermissionDenied as exc:
        raise JobFailed(str(exc)) from exc
    summary = result.summary()
    ctx.log(summary)
    next_url = reverse("callbacks:task_list")
    return {
        "summary": summary,
        "next_url": next_url,
        "data": {"summary": summary, "created": result.created, "skipped": result.skipped},
    }
