"""问卷下发 pages: from the task list (the ticked tasks, or every task matching the list's
filter — a background job with a progress bar) and from one task's page. Each asks for the
channel, the questionnaire and the expiry, says how many tasks it is, and is confirmed."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from huifang.callbacks.filtersets import TaskFilterSet
from huifang.callbacks.models import CallbackTask
from huifang.callbacks.services import work_refusal
from huifang.core.jobs import start_job
from huifang.surveys import jobs, sending
from huifang.surveys.choices import Channel, VersionStatus
from huifang.surveys.models import Questionnaire

SEND = "surveys.send_invitation"


class InviteForm(forms.Form):
    channel = forms.ChoiceField(
        label="渠道",
        choices=[
            (Channel.APPHALL, "掌厅（推送到掌厅 App）"),
            (Channel.H5, "H5（短信或专员发送链接）"),
        ],
        initial=Channel.H5,
    )
    questionnaire = forms.ModelChoiceField(
        label="问卷",
        queryset=Questionnaire.objects.none(),
        required=False,
        empty_label="按任务的回访业务类型自动选择",
        to_field_name="code",
    )
    expires_days = forms.IntegerField(
        label="有效天数", min_value=1, max_value=sending.MAX_EXPIRES_DAYS, initial=14
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questionnaire"].queryset = (
            Questionnaire.objects.filter(versions__status=VersionStatus.PUBLISHED)
            .distinct()
            .order_by("code")
        )


def _back(request) -> str:
    nxt = request.POST.get("next", "") or request.GET.get("next", "")
    tasks = reverse("callbacks:task_list")
    return nxt if nxt.startswith(tasks) else tasks


def _may_send(request) -> None:
    if not request.user.has_perm(SEND):
        raise PermissionDenied("您没有下发问卷的权限")


@require_POST
def invite(request):
    """From the task list: the ticked ``pk``s, or ``matching=1`` with the list's filter."""
    _may_send(request)
    matching = request.POST.get("matching") == "1"
    scope = CallbackTask.objects.restrict(request.user, "change")
    filter_query = request.POST.get("filter", "")
    if matching:
        filterset = TaskFilterSet(QueryDict(filter_query), queryset=scope, request=request)
        if not filterset.is_valid():
            messages.error(request, "筛选条件有误，无法下发问卷")
            return redirect(_back(request))
        ids: list[str] = []
        count = filterset.qs.order_by().count()
        in_scope = count
    else:
        ids = [i for i in request.POST.getlist("pk") if i.isdigit()]
        count = len(ids)
        in_scope = scope.filter(pk__in=ids[: sending.CHUNK]).count() if ids else 0
    if not count:
        messages.error(request, "没有符合筛选条件的回访任务" if matching else "请先勾选回访任务")
        return redirect(_back(request))
    confirmed = request.POST.get("confirmed") == "1"
    form = InviteForm(request.POST if confirmed else None)
    if confirmed and form.is_valid():
        data = form.cleaned_data
        questionnaire = data["questionnaire"].code if data["questionnaire"] else None
        if matching:
            params = jobs.InviteParams(
                channel=data["channel"],
                filters=filter_query,
                questionnaire=questionnaire,
                expires_days=data["expires_days"],
            )
            job = start_job(
                jobs.KIND,
                f"下发问卷（{Channel(data['channel']).label}）：{count} 条回访任务",
                params,
                user=request.user,
            )
            return redirect("core:job_detail", pk=job.pk)
        return _invite_now(request, ids, data, questionnaire)
    return render(
        request,
        "surveys/invite.html",
        {
            "title": "下发问卷",
            "form": form,
            "ids": ids,
            "matching": matching,
            "filter": filter_query,
            "count": count,
            "in_scope": in_scope,
            "next": _back(request),
            "action_url": reverse("surveys:invite"),
        },
    )


def _invite_now(request, ids, data, questionnaire, *, back: str | None = None):
    try:
        result = sending.do_invite(
            [int(i) for i in ids],
            channel=data["channel"],
            questionnaire=questionnaire,
            expires_days=data["expires_days"],
            actor=request.user,
        )
    except (ValidationError, PermissionDenied) as exc:
        text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, f"未下发问卷：{text}")
    else:
        text = result.summary()
        if result.created and data["channel"] == Channel.H5 and back is None:
            # Inviting sends no H5 link: say where to copy it or which SMS carries it.
            text += "；H5 链接在各任务页面的“问卷”一栏，复制后发给客户，或发送含 {问卷链接} 的短信"
        (messages.success if result.created else messages.warning)(request, text)
    return redirect(back or _back(request))


def invite_task(request, pk: int):
    """From one task's page: the same form for that task alone."""
    _may_send(request)
    task = get_object_or_404(CallbackTask.objects.restrict(request.user, "change"), pk=pk)
    refusal = work_refusal(request.user, task)
    if refusal is not None:  # an agent sends for their own tasks only
        raise PermissionDenied(refusal)
    back = reverse("callbacks:task_detail", args=[task.pk])
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        questionnaire = data["questionnaire"].code if data["questionnaire"] else None
        return _invite_now(request, [task.pk], data, questionnaire, back=back)
    return render(
        request,
        "surveys/invite.html",
        {
            "title": f"下发问卷 · 回访任务 #{task.pk}",
            "form": form,
            "task": task,
            "count": 1,
            "in_scope": 1,
            "next": back,
            "action_url": reverse("surveys:invite_task", args=[task.pk]),
        },
    )
