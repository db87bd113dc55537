"""录入线下问卷 (from the task page): choose the questionnaire version, fill in the paper
questionnaire's answers with the shared partial, attach the scan, submit. The write is
``surveys.offline.do_enter_offline``; this view only draws the form and shows refusals."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records.services import MAX_ATTACHMENT_BYTES, AttachmentInput
from huifang.callbacks.services import work_refusal
from huifang.core.calendar_forms import DateInput
from huifang.core.views import style_form
from huifang.surveys import offline
from huifang.surveys.forms import answers_from_post, form_rows
from huifang.surveys.sections import may_enter_offline
from huifang.surveys.writeback import InvitationClosed


class OfflineForm(forms.Form):
    scan = forms.FileField(label="纸质问卷扫描件", required=True)
    filled_on = forms.DateField(
        label="客户填写日期",
        required=False,
        widget=DateInput(),
        help_text="留空为今天",
    )

    def clean_scan(self):
        upload = self.cleaned_data["scan"]
        if upload.size > MAX_ATTACHMENT_BYTES:
            raise forms.ValidationError("扫描件不能超过 20 MB")
        return upload

    def clean_filled_on(self):
        day = self.cleaned_data.get("filled_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError("填写日期不能晚于今天")
        if day and day < datetime.date(2000, 1, 1):
            raise forms.ValidationError("填写日期有误")
        return day

    def submitted_at(self) -> datetime.datetime | None:
        day = self.cleaned_data.get("filled_on")
        if not day or day == timezone.localdate():
            return None
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))


def offline_entry(request, task_pk: int):
    task = get_object_or_404(
        CallbackTask.objects.restrict(request.user, "view").select_related(
            "customer", "branch", "business_type"
        ),
        pk=task_pk,
    )
    earlier = offline.entered(task.pk)
    if earlier is not None:  # a second entry (sent twice, the back button): refused
        messages.error(request, offline.already_entered_message(earlier))
        return redirect("callbacks:task_detail", task.pk)
    if not may_enter_offline(request.user, task):
        if not task.is_open:
            messages.error(request, f"任务当前为“{task.get_status_display()}”，不能录入线下问卷")
            return redirect("callbacks:task_detail", task.pk)
        raise PermissionDenied(
            work_refusal(request.user, task) or "您没有为该任务录入线下问卷的权限"
        )
    source = request.POST if request.method == "POST" else request.GET
    version = offline.chosen_version(source.get("version"), task)
    form = OfflineForm(request.POST or None, request.FILES or None)
    errors: dict[str, str] = {}
    posted = None
    if request.method == "POST" and version is not None:
        posted = request.POST
        if form.is_valid():
            answers = answers_from_post(version.questions or [], request.POST)
            scan = AttachmentInput(file=form.cleaned_data["scan"])
            try:
                response = offline.do_enter_offline(
                    task,
                    version,
                    answers,
                    scan=scan,
                    submitted_at=form.submitted_at(),
                    actor=request.user,
                )
            except InvitationClosed as exc:
                messages.error(request, "；".join(exc.messages))
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    questions = {q["id"] for q in version.questions or []}
                    for key, texts in exc.message_dict.items():
                        if key in questions:
                            errors[key] = "；".join(texts)
                        elif key == "scan":
                            form.add_error("scan", texts)
                        else:
                            form.add_error(None, texts)
                else:
                    form.add_error(None, exc.messages)
            else:
                state = "有异常答案，已反馈营业部" if response.abnormal else "全部答案正常"
                messages.success(request, f"已录入线下问卷（{state}）")
                return redirect("callbacks:task_detail", task.pk)
    style_form(form)
    versions = offline.choosable_versions()
    if version is not None and version.pk not in {v.pk for v in versions}:
        versions.append(version)
    return render(
        request,
        "surveys/offline_entry.html",
        {
            "title": f"录入线下问卷 · 任务 #{task.pk} {task.customer.investor_code} "
            f"{task.customer.name}",
            "task": task,
            "version": version,
            "versions": versions,
            "form": form,
            "qn_rows": form_rows(version.questions or [], posted, errors) if version else [],
            "question_errors": len(errors),
        },
    )
