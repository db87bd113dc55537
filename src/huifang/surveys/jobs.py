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
PUSH_KIND = "surveys.push_invitations"


@dataclass(frozen=True)
class InviteParams(JobParams):
    channel: str
    filters: str  # the task list's query string (TaskFilterSet), as the page had it
    questionnaire: str | None = None  # a code; None: by business type
    expires_days: int = 14


@job_handler(KIND, InviteParams, label="下发问卷")
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


@dataclass(frozen=True)
class PushParams(JobParams):
    created_at: str  # ISO time: the invite call's stamp on the invitations it created
    created_via: str


@job_handler(PUSH_KIND, PushParams, label="推送问卷至掌厅")
def push_invitations(ctx: JobContext) -> dict:
    """Queue a big invite's app-hall invitations to the partners, 5,000 per transaction."""
    from django.db import transaction
    from django.utils.dateparse import parse_datetime

    from huifang.core.chunks import in_chunks
    from huifang.surveys import sending
    from huifang.surveys.choices import Channel, InvitationStatus
    from huifang.surveys.models import Invitation

    params: PushParams = ctx.params
    created = Invitation.objects.filter(
        created_at=parse_datetime(params.created_at),
        created_via=params.created_via,
        channel=Channel.APPHALL,
        status=InvitationStatus.PENDING,
    )
    ids = list(created.order_by("id").values_list("id", flat=True))
    partners = sending.apphall_partners()
    done = 0
    ctx.progress(0, len(ids), "正在推送问卷邀请")
    for chunk in in_chunks(ids, sending.CHUNK):
        with transaction.atomic():
            rows = created.filter(id__gte=chunk[0], id__lte=chunk[-1])  # no long IN list
            sending._enqueue_apphall(rows, ctx.job.created_by, partners)
        done += len(chunk)
        ctx.progress(done, len(ids), f"已推送 {done} / {len(ids)} 条")
    summary = f"已排队推送 {done} 条问卷邀请到 {len(partners)} 个掌厅对接方"
    ctx.log(summary)
    return {"summary": summary, "data": {"summary": summary, "queued": done}}
