"""Pages of 回访记录管理: the record list with per-agent counts (on demand), a task's records (the
task panel), 回访服务记录维护 (register / correct), history, feedback, the dictionary.

Views are thin: scope from ``restrict``, writes through ``services``; an object out of
scope is a 404 like one that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from huifang.callbacks import numbers, task_sections
from huifang.callbacks import services as task_services
from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records import services
from huifang.callbacks.records.choices import RecordStatus
from huifang.callbacks.records.filtersets import (
    FailureReasonFilterSet,
    FeedbackFilterSet,
    RecordFilterSet,
)
from huifang.callbacks.records.forms import (
    CloseUnreachableForm,
    CreateRecordForm,
    EditRecordForm,
    FailureReasonForm,
    FeedbackForm,
)
from huifang.callbacks.records.history import version_rows
from huifang.callbacks.records.models import (
    BranchFeedback,
    CallbackRecord,
    FailureReason,
    RecordAttachment,
)
from huifang.callbacks.records.profile import customer_facts
from huifang.callbacks.records.tables import (
    FailureReasonTable,
    FeedbackTable,
    RecordTable,
    contact_phone,
)
from huifang.core import audit
from huifang.core.audit_actions import CoreAction
from huifang.core.masking import mask_address
from huifang.core.redirects import next_url
from huifang.core.scoping import get_for, has_model_perm
from huifang.core.views import ObjectListView

RECORD_RELATED = (
    "task__branch",
    "task__batch",
    "customer__branch",
    "failure_reason",
    "agent",
    "business_type",
)


def agent_counts(records) -> list[dict]:
    """Attempts, successes and failures per agent over the filtered records: one GROUP BY."""
    return list(
        records.order_by()
        .values("agent__username", "agent__full_name")
        .annotate(
            attempts=Count("id"),
            successes=Count("id", filter=Q(status=RecordStatus.SUCCESS)),
            failures=Count("id", filter=Q(status=RecordStatus.FAILURE)),
            others=Count("id", filter=Q(status=RecordStatus.OTHER)),
        )
        .order_by("-attempts", "agent__username")[:200]
    )


class RecordListView(ObjectListView):
    model = CallbackRecord
    queryset = CallbackRecord.objects.select_related(*RECORD_RELATED)
    filterset_class = RecordFilterSet
    table_class = RecordTable
    template_name = "records/record_list.html"
    title = "回访记录管理"
    export_name = "callback_records"


@require_safe
def record_agent_counts(request):
    """The per-agent counts under the list's current filters, loaded on demand (htmx): one
    GROUP BY over every filtered record, so not on each view of the list itself."""
    if not has_model_perm(request.user, CallbackRecord, "view"):
        raise PermissionDenied("您没有查看回访记录的权限")
    records = CallbackRecord.objects.restrict(request.user, "view")
    filterset = RecordFilterSet(request.GET, queryset=records, request=request)
    rows = agent_counts(filterset.qs) if filterset.is_valid() else []
    return render(request, "records/_agent_counts.html", {"agent_counts": rows})


# ---------------------------------------------------------------- task panel


def _task(request, task_pk: int, action: str = "view") -> CallbackTask:
    """The task, in the user's scope (else 404); 403 if the user may see it but not
    ``action`` it."""
    return get_for(
        request.user,
        CallbackTask.objects.select_related(
            "customer__branch", "branch", "business_type", "batch", "assignee"
        ),
        action,
        message="您没有处理该回访任务的权限",
        pk=task_pk,
    )


def task_context(request, task: CallbackTask) -> dict:
    """What the task panel shows: counters, 改约 (highlighted when due), feedback, records."""
    now = timezone.now()
    cap = task.business_type.max_unanswered_attempts
    records = (
        CallbackRecord.objects.restrict(request.user, "view")
        .filter(task=task)
        .select_related("failure_reason", "agent")
        .order_by("-called_at", "-id")
    )
    feedbacks = (
        BranchFeedback.objects.restrict(request.user, "view")
        .filter(task=task)
        .select_related("created_by", "handled_by")
    )
    # The controls below lead to views that need the task for "change" (else 403).
    changeable = CallbackTask.objects.restrict(request.user, "change").filter(pk=task.pk).exists()
    # An agent works only their own tasks: the others' show who holds them instead.
    refusal = task_services.work_refusal(request.user, task) if task.is_open else None
    return {
        "task": task,
        "task_sections": task_sections.sections_for(request, task),
        "records": records,
        "feedbacks": feedbacks,
        "cap": cap,
        "appointment_due": bool(
            task.is_open and task.appointment_at and task.appointment_at <= now
        ),
        "can_register": task.is_open
        and changeable
        and refusal is None
        and has_model_perm(request.user, CallbackRecord, "add"),
        "work_refusal": refusal if changeable else None,
        "can_close": task.is_open and changeable and services.may_close_unreachable(request.user),
        "cap_reached": task.unanswered_count >= cap,
        "can_feedback": task.is_open
        and changeable
        and has_model_perm(request.user, CallbackRecord, "change"),
    }


@require_safe
def task_records(request, task_pk: int):
    """The task's records and state: opened from the task list or the customer 360 page."""
    if not has_model_perm(request.user, CallbackRecord, "view"):
        raise PermissionDenied("您没有查看回访记录的权限")
    task = _task(request, task_pk)
    context = task_context(request, task)
    context.update(
        title=f"回访任务 #{task.pk} · {task.customer.investor_code} {task.customer.name}",
        feedback_form=FeedbackForm(),
        close_form=CloseUnreachableForm(),
    )
    return render(request, "records/task_records.html", context)


@require_POST
def task_close_unreachable(request, task_pk: int):
    task = _task(request, task_pk, "change")
    form = CloseUnreachableForm(request.POST)
    reason = form.data.get("reason", "") if form.is_valid() else ""
    try:
        services.do_close_unreachable(task, actor=request.user, reason=reason)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "任务已关闭为“无法联系”")
    return redirect("records:task_records", task_pk=task.pk)


@require_POST
def task_feedback(request, task_pk: int):
    task = _task(request, task_pk, "change")
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            services.do_feedback(task, form.cleaned_data["message"], actor=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已反馈{task.branch.name}")
    else:
        messages.error(request, "请填写反馈内容")
    return redirect("records:task_records", task_pk=task.pk)


# ---------------------------------------------------------------- 回访服务记录维护


def _form_page(request, task: CallbackTask, form, *, record=None, title: str):
    context = task_context(request, task)
    context.update(
        title=title,
        form=form,
        record=record,
        facts=customer_facts(task.customer),
        brokers=_brokers(task.customer),
        agent=record.agent if record else request.user,
        requirements=_requirements(task),
        **numbers.context(request.user, task),
    )
    return render(request, "records/record_form.html", context)


def _requirements(task: CallbackTask) -> dict:
    """What the task's business type asks of the 成功 record that completes it, shown
    above the form (``services.requirement_refusals`` refuses a record lacking a 成功记录必填项;
    需要问卷 is a reminder, its absence 合规核查's finding)."""
    business_type = task.business_type
    asks = business_type.questionnaire_required
    return {
        "questionnaire": asks,
        "answered": asks and services.has_questionnaire_result(task.pk),
        "labels": business_type.requirement_labels,
    }


def _brokers(customer) -> list[tuple[str, str]]:
    codes = [
        c.strip() for c in customer.broker_codes.replace("；", ",").replace(";", ",").split(",")
    ]
    names = [
        n.strip() for n in customer.broker_names.replace("；", ",").replace(";", ",").split(",")
    ]
    pairs = []
    for index, code in enumerate(codes):
        name = names[index] if index < len(names) else ""
        if code or name:
            pairs.append((code, name))
    return pairs


def record_create(request, task_pk: int):
    """登记回访记录 for a task (the brochure's 回访服务记录维护 form)."""
    if not has_model_perm(request.user, CallbackRecord, "add"):
        raise PermissionDenied("您没有登记回访记录的权限")
    task = _task(request, task_pk)
    if not task.is_open:  # the task page offers no form; nor does its address
        messages.error(request, services.closed_task_message(task))
        return redirect("records:task_records", task_pk=task.pk)
    task_services.require_own_task(request.user, task)  # nor a colleague's task (403)
    if request.method == "POST":
        form = CreateRecordForm(request.POST, request.FILES, known=_known(task))
        if form.is_valid():
            try:
                record = services.do_create_record(
                    task,
                    form.content(),
                    actor=request.user,
                    expected_attempts=form.cleaned_data["expected_attempts"],
                    attachments=form.attachments(),
                    feedback=form.cleaned_data.get("feedback", ""),
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, f"已登记回访记录（{record.get_status_display()}）")
                return redirect("records:task_records", task_pk=task.pk)
    else:
        now = timezone.localtime()
        form = CreateRecordForm(
            initial={
                "expected_attempts": task.attempt_count,
                "called_date": now.date(),
                "called_time": now.time().replace(microsecond=0),
                "address": mask_address(task.customer.address),
            },
            known=_known(task),
        )
    return _form_page(request, task, form, title="回访服务记录维护 · 登记")


def _known(task) -> dict:
    """What a new record's form shows masked: the customer's address (PIPL)."""
    return {"address": task.customer.address}


def _record(request, pk: int, action: str = "view") -> CallbackRecord:
    """The record, in the user's scope (else 404); 403 if the user may see it but not
    ``action`` it."""
    return get_for(
        request.user,
        CallbackRecord.objects.select_related(
            *RECORD_RELATED, "task__customer__branch", "task__business_type", "updated_by"
        ),
        action,
        message="您没有修改回访记录的权限",
        pk=pk,
    )


def record_edit(request, pk: int):
    """Correct a record: version-checked; the previous state stays in the history."""
    record = _record(request, pk, "change")
    try:
        services.check_editable(record, request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("records:record_detail", pk=record.pk)
    if request.method == "POST":
        form = EditRecordForm(request.POST, request.FILES, record=record)
        if form.is_valid():
            try:
                services.do_update_record(
                    record,
                    form.content(),
                    actor=request.user,
                    expected_version=form.cleaned_data["version"],
                    reason=form.cleaned_data["change_reason"],
                    attachments=form.attachments(),
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, "已保存修改，原内容保留在修改历史中")
                return redirect("records:record_detail", pk=record.pk)
    else:
        form = EditRecordForm(initial=EditRecordForm.initial_for(record), record=record)
    return _form_page(
        request, record.task, form, record=record, title=f"回访服务记录维护 · 修改 #{record.pk}"
    )


@require_safe
def record_detail(request, pk: int):
    record = _record(request, pk)
    editable, note = True, ""
    try:
        services.check_editable(record, request.user)
    except PermissionDenied:
        editable = False
        # Why there is no 修改: a finished task's records are HQ's to correct; a
        # colleague's task is its agent's (who holds it, as the task page says).
        if not record.task.is_open:
            note = services.CLOSED_TASK_HQ_ONLY
        elif has_model_perm(request.user, CallbackRecord, "change"):
            note = task_services.work_refusal(request.user, record.task) or ""
    attachments = RecordAttachment.objects.restrict(request.user, "view").filter(record=record)
    return render(
        request,
        "records/record_detail.html",
        {
            "title": f"回访记录 #{record.pk}",
            "record": record,
            "task": record.task,
            "phone": contact_phone(record),
            "address": mask_address(record.address),
            "facts": customer_facts(record.customer),
            "attachments": attachments,
            "feedbacks": record.feedbacks.select_related("created_by", "handled_by"),
            "editable": editable,
            "edit_note": note,
        },
    )


@require_safe
def record_history(request, pk: int):
    """Every saved version of the record with what changed, and its audit rows."""
    record = _record(request, pk)
    from huifang.core.audit_display import describe_all
    from huifang.core.models import AuditEvent

    events = AuditEvent.objects.filter(
        object_type=CallbackRecord._meta.label_lower, object_id=str(record.pk)
    ).select_related("user")
    return render(
        request,
        "records/record_history.html",
        {
            "title": f"回访记录 #{record.pk} · 修改历史",
            "record": record,
            "versions": version_rows(record),
            "events": describe_all(events.order_by("time", "id")),
        },
    )


@require_safe
def attachment_download(request, pk: int):
    attachment = get_object_or_404(
        RecordAttachment.objects.restrict(request.user, "view"), pk=pk, kind="file"
    )
    if not attachment.file or not attachment.file.storage.exists(attachment.file.name):
        raise Http404("附件文件不存在")
    audit.record(CoreAction.DOWNLOAD, attachment.record, message=f"下载附件 {attachment.name}")
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


# ---------------------------------------------------------------- branch feedback


class FeedbackListView(ObjectListView):
    model = BranchFeedback
    queryset = BranchFeedback.objects.select_related(
        "branch", "task__customer", "created_by", "handled_by"
    )
    filterset_class = FeedbackFilterSet
    table_class = FeedbackTable
    title = "营业部反馈"
    export_name = "branch_feedback"


@require_POST
def feedback_handle(request, pk: int):
    feedback = get_for(
        request.user,
        BranchFeedback.objects.all(),
        "change",
        message="您没有处理反馈的权限",
        pk=pk,
    )
    try:
        services.do_handle_feedback(feedback, request.POST.get("note", ""), actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "反馈已标记为已处理")
    return redirect(next_url(request, "records:feedback_list"))


# ---------------------------------------------------------------- failure reasons


class FailureReasonListView(ObjectListView):
    model = FailureReason
    queryset = FailureReason.objects.select_related("updated_by")
    filterset_class = FailureReasonFilterSet
    table_class = FailureReasonTable
    title = "失败原因字典"
    export_name = "failure_reasons"
    actions_template = "records/_reason_actions.html"


def reason_edit(request, pk: int | None = None):
    """Create (pk None) or change a failure reason (HQ); audited."""
    action = "change" if pk else "add"
    if not has_model_perm(request.user, FailureReason, action):
        raise PermissionDenied("您没有维护失败原因字典的权限")
    instance = get_object_or_404(FailureReason.objects.all(), pk=pk) if pk else None
    form = FailureReasonForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            # The ModelForm already wrote the input onto ``instance``: give the service the
            # stored row so that its audit diff sees the real "before".
            stored = FailureReason.objects.get(pk=pk) if pk else None
            reason = services.do_save_failure_reason(stored, form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已保存失败原因“{reason.name}”")
            return redirect("records:reason_list")
    return render(
        request,
        "core/form.html",
        {
            "title": f"失败原因 · {instance.name}" if instance else "新增失败原因",
            "form": form,
            "back_url": "records:reason_list",
        },
    )
