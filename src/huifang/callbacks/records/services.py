"""Every write of callback records: registering an attempt, correcting it, attachments,
反馈营业部, closing a task as 无法联系, and the failure-reason dictionary.

Each public ``do_…(…, *, actor)`` runs in one transaction and leaves audit rows. Task
status changes go through ``callbacks.services`` (``do_start``, ``do_complete``,
``do_mark_unreachable``); the task's attempt counters are kept here, recomputed from the
task's records under the task's row lock (:func:`_refresh_task_counters`).

Concurrency: registering carries the task's ``attempt_count`` the page showed, editing
carries the record's ``version``; a mismatch means someone else saved first, and the
second save is refused with nothing written.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from huifang.callbacks import services as task_services
from huifang.callbacks.audit_actions import CallbackAction
from huifang.callbacks.choices import TaskStatus
from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records.choices import AttachmentKind, Method, RecordStatus
from huifang.callbacks.records.models import (
    BranchFeedback,
    CallbackRecord,
    FailureReason,
    RecordAttachment,
    RecordVersion,
)
from huifang.core import audit
from huifang.core.actors import as_actor, person_of
from huifang.core.maintained import save_entry
from huifang.core.permissions import acting_user, is_system, require, scoped
from huifang.org.models import Role

# The record's own content: what a form edits, what a version keeps.
CONTENT_FIELDS = [
    "status",
    "failure_reason",
    "method",
    "called_at",
    "duration_seconds",
    "channel_source",
    "mobile_used",
    "phone_used",
    "address",
    "tags",
    "remark",
    "appointment_at",
]
MAX_DURATION = 24 * 3600
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
SHA256 = re.compile(r"^[0-9a-f]{64}$")
REASON_FIELDS = [
    "name",
    "counts_as_unanswered",
    "is_final",
    "remark_required",
    "asks_appointment",
    "is_active",
    "sort_order",
]
CHANGE_RECORD = "records.change_callbackrecord"
# Questionnaires the customer fills in alone: their records have no agent (回访人).
SELF_SERVICE_METHODS = (Method.APP_HALL, Method.H5)
CLOSED_TASK_HQ_ONLY = "该任务已结束，其回访记录仅总部合规管理员可以修改"


@dataclass
class AttachmentInput:
    """An uploaded file, or a reference to a recording kept elsewhere with its SHA-256."""

    file: UploadedFile | None = None
    reference: str = ""
    sha256: str = ""
    name: str = ""


# ---------------------------------------------------------------- helpers


def is_hq(user) -> bool:
    """HQ (the system, a superuser or an HQ compliance administrator)."""
    if is_system(user):
        return True
    user = acting_user(user)
    return bool(user.is_superuser or getattr(user, "role", "") == Role.HQ_ADMIN)


def may_close_unreachable(user) -> bool:
    """Closing a task as 无法联系 is the branch manager's (or HQ's) decision, not the agent's."""
    return task_services.may_manage_tasks(user)


def parse_duration(text: str | int | None) -> int:
    """``"95"`` → 95, ``"1:35"`` / ``"01:35"`` → 95, ``"1:02:03"`` → 3723 seconds.

    Raises ValidationError (Chinese) for anything else, including negative values.
    """
    if text is None or text == "":
        return 0
    if isinstance(text, int):
        value = text
    else:
        raw = str(text).strip()
        if re.fullmatch(r"-?\d+", raw):
            value = int(raw)
        elif re.fullmatch(r"\d+(:[0-5]?\d){1,2}", raw):
            value = 0
            for part in raw.split(":"):
                value = value * 60 + int(part)
        else:
            raise ValidationError(
                {"duration_seconds": "回访时长应为秒数或“分:秒”，例如 95 或 01:35"}
            )
    if value < 0:
        raise ValidationError({"duration_seconds": "回访时长不能小于 0"})
    return value


def content_snapshot(record: CallbackRecord) -> dict:
    return audit.snapshot(
        record, [CallbackRecord._meta.get_field(f).attname for f in CONTENT_FIELDS]
    )


# Bounds of what a record may say (issue 19: a 9 MB remark and a call in year 0001 came
# through the API): a remark of at most REMARK_MAX characters, a call no earlier than
# EARLIEST_CALL, an appointment at most APPOINTMENT_WITHIN after the call.
REMARK_MAX = 2000
EARLIEST_CALL = datetime.date(2000, 1, 1)
APPOINTMENT_WITHIN = datetime.timedelta(days=366)


def _bound_errors(remark: str, called_at, appointment) -> dict[str, str]:
    errors: dict[str, str] = {}
    if len(remark) > REMARK_MAX:
        errors["remark"] = f"备注不能超过 {REMARK_MAX} 字（现有 {len(remark)} 字）"
    if isinstance(called_at, datetime.datetime) and (
        timezone.localtime(called_at).date() < EARLIEST_CALL
    ):
        errors["called_at"] = f"回访时间不能早于 {EARLIEST_CALL:%Y-%m-%d}"
    if (
        isinstance(called_at, datetime.datetime)
        and isinstance(appointment, datetime.datetime)
        and appointment > called_at + APPOINTMENT_WITHIN
    ):
        errors["appointment_at"] = "约定的回访时间不能晚于本次回访后一年"
    return errors


def clean_content(data: dict[str, Any], *, now: datetime.datetime | None = None) -> dict:
    """Validate a record's content; all problems at once as ``{field: message}``.

    Rules: 失败 needs a reason; 其他 and reasons flagged so need a remark; 改约 needs the
    agreed time after the call (within a year of it); the call between EARLIEST_CALL and
    now; duration ≥ 0; a remark of at most REMARK_MAX characters.
    """
    now = now or timezone.now()
    errors: dict[str, str] = {}
    status = data.get("status")
    if status not in RecordStatus.values:
        errors["status"] = "请选择回访状态（成功、失败或其他）"
    method = data.get("method")
    if method not in Method.values:
        errors["method"] = "请选择回访形式"
    reason: FailureReason | None = data.get("failure_reason")
    remark = (data.get("remark") or "").strip()
    if status == RecordStatus.FAILURE and reason is None:
        errors["failure_reason"] = "回访状态为“失败”时必须选择失败原因"
    if status != RecordStatus.FAILURE:
        reason = None  # a reason explains a failure only
    if status == RecordStatus.OTHER and not remark:
        errors["remark"] = "回访状态为“其他”时必须填写备注"
    if reason is not None and reason.remark_required and not remark:
        errors["remark"] = f"失败原因“{reason.name}”须填写备注"
    called_at = data.get("called_at")
    if not isinstance(called_at, datetime.datetime):
        errors["called_at"] = "请填写回访日期和时间"
    elif called_at > now:
        errors["called_at"] = "回访时间不能晚于当前时间"
    try:
        duration = parse_duration(data.get("duration_seconds"))
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        duration = 0
    if duration > MAX_DURATION:
        errors["duration_seconds"] = "回访时长不能超过 24 小时"
    appointment = data.get("appointment_at")
    if reason is not None and reason.asks_appointment:
        if appointment is None:
            errors["appointment_at"] = "客户要求改约时必须填写约定的回访时间"
        elif isinstance(called_at, datetime.datetime) and appointment <= called_at:
            errors["appointment_at"] = "约定的回访时间应晚于本次回访时间"
    else:
        appointment = None
    for field, message in _bound_errors(remark, called_at, appointment).items():
        errors.setdefault(field, message)
    if errors:
        raise ValidationError(errors)
    return {
        "status": status,
        "failure_reason": reason,
        "method": method,
        "called_at": called_at,
        "duration_seconds": duration,
        "channel_source": (data.get("channel_source") or "").strip()[:50],
        "mobile_used": (data.get("mobile_used") or "").strip()[:20],
        "phone_used": (data.get("phone_used") or "").strip()[:40],
        "address": (data.get("address") or "").strip()[:300],
        "tags": (data.get("tags") or "").strip()[:200],
        "remark": remark,
        "appointment_at": appointment,
    }


def _lock_task(task_id: int, actor) -> CallbackTask:
    task = (
        scoped(actor, CallbackTask.objects.all(), "change")
        .select_related("business_type", "branch")
        .select_for_update(of=("self",))
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise PermissionDenied("该回访任务不存在或不在您的权限范围内")
    return task


def _refresh_task_counters(task: CallbackTask, message: str, actor) -> None:
    """Recompute the task's attempt counters from its records (one indexed aggregate) and
    take the appointment of its latest record; audited when anything changed."""
    records = CallbackRecord.objects.filter(task=task)
    sums = records.aggregate(
        attempts=Count("id"),
        unanswered=Count(
            "id",
            filter=Q(status=RecordStatus.FAILURE, failure_reason__counts_as_unanswered=True),
        ),
        last=Max("called_at"),
    )
    latest = records.order_by("-called_at", "-id").values_list("appointment_at", flat=True).first()
    fields = ["attempt_count", "unanswered_count", "last_attempt_at", "appointment_at"]
    before = audit.snapshot(task, fields)
    values = {
        "attempt_count": sums["attempts"],
        "unanswered_count": sums["unanswered"],
        "last_attempt_at": sums["last"],
        "appointment_at": latest,
    }
    old, new = audit.diff(before, {k: audit.jsonable(v) for k, v in values.items()})
    if not new:
        return
    CallbackTask.objects.filter(pk=task.pk).update(**values, updated_at=timezone.now())
    for name, value in values.items():
        setattr(task, name, value)
    audit.record(
        CallbackAction.TASK_ATTEMPTS, task, before=old, after=new, message=message, actor=actor
    )


def _store_attachment(record: CallbackRecord, item: AttachmentInput, actor, saved: list) -> None:
    if item.file is not None:
        if item.file.size is not None and item.file.size > MAX_ATTACHMENT_BYTES:
            raise ValidationError({"attachment": "附件不能超过 20 MB"})
        digest = hashlib.sha256()
        for chunk in item.file.chunks():
            digest.update(chunk)
        item.file.seek(0)
        attachment = RecordAttachment(
            record=record,
            kind=AttachmentKind.FILE,
            name=(item.name or item.file.name or "附件")[:200],
            sha256=digest.hexdigest(),
            size=item.file.size,
            created_by=person_of(actor),
        )
        attachment.file.save(item.file.name or "attachment", item.file, save=False)
        saved.append(attachment.file.name)
        attachment.save()
    else:
        reference = item.reference.strip()
        sha = item.sha256.strip().lower()
        if not reference:
            return
        if not SHA256.match(sha):
            raise ValidationError({"recording_sha256": "录音的 SHA-256 应为 64 位十六进制字符"})
        attachment = RecordAttachment.objects.create(
            record=record,
            kind=AttachmentKind.RECORDING,
            name=(item.name or reference)[:200],
            reference=reference[:300],
            sha256=sha,
            created_by=person_of(actor),
        )
    audit.record(
        CallbackAction.RECORD_ATTACHMENT,
        record,
        after={"kind": attachment.kind, "name": attachment.name, "sha256": attachment.sha256},
        message=f"添加附件：{attachment.name}",
        actor=actor,
    )


def _with_files_cleaned(work):
    """Run ``work(saved)``; files it stored are removed again if the transaction fails, so a
    refused save leaves nothing behind — not even on disk."""
    saved: list[str] = []
    try:
        return work(saved)
    except Exception:
        from django.core.files.storage import default_storage

        for name in saved:
            default_storage.delete(name)
        raise


def _feedback(
    task: CallbackTask, record: CallbackRecord | None, message: str, actor
) -> BranchFeedback:
    feedback = BranchFeedback.objects.create(
        branch=task.branch,
        task=task,
        record=record,
        message=message.strip(),
        created_by=person_of(actor),
    )
    if record is not None and record.feedback_at is None:
        record.feedback_at = feedback.created_at
        CallbackRecord.objects.filter(pk=record.pk).update(feedback_at=feedback.created_at)
    audit.record(
        CallbackAction.FEEDBACK,
        feedback,
        after={"task": task.pk, "record": record.pk if record else None, "message": message},
        message=f"反馈营业部：{task.branch.name}",
        actor=actor,
    )
    return feedback


# ---------------------------------------------------------------- records


def do_create_record(
    task: CallbackTask,
    data: dict[str, Any],
    *,
    actor,
    agent=None,
    expected_attempts: int | None = None,
    attachments: list[AttachmentInput] | None = None,
    feedback: str = "",
) -> CallbackRecord:
    """登记回访记录 for ``task``: one attempt, counted on the task.

    The first attempt moves 未处理 → 处理中; a 成功 record completes the task
    (``callbacks.services.do_complete``). ``expected_attempts`` is the task's attempt
    count the form showed: if another attempt was saved meanwhile, nothing is written.
    ``feedback`` (text) also notifies the branch (反馈营业部); a final failure reason does
    so automatically.

    ``actor`` (an :class:`~huifang.core.actors.Actor` or a user) registers it: a person, or
    an integration writing as itself. ``agent`` is who made the call (回访人); it defaults
    to the acting person, and a machine must name it — except for a questionnaire the
    customer answered alone (掌厅问卷, H5问卷), which has no agent.
    """
    actor = as_actor(actor)
    require(actor, "records.add_callbackrecord", message="您没有登记回访记录的权限")
    agent = agent or actor.user
    if agent is None and data.get("method") not in SELF_SERVICE_METHODS:
        raise ValidationError({"agent": "请指定回访人"})

    def work(saved: list[str]) -> CallbackRecord:
        with transaction.atomic():
            locked = _lock_task(task.pk, actor)
            if not locked.is_open:
                raise ValidationError(
                    f"任务当前为“{locked.get_status_display()}”，不能再登记回访记录"
                )
            if expected_attempts is not None and locked.attempt_count != expected_attempts:
                raise ValidationError(
                    f"该任务在您打开页面后已有他人登记了回访记录（当前共 {locked.attempt_count} 次），"
                    "您的记录未保存，请刷新页面核对后重新登记"
                )
            content = clean_content(data)
            if content["failure_reason"] is not None and not content["failure_reason"].is_active:
                raise ValidationError({"failure_reason": "该失败原因已停用"})
            now = timezone.now()
            record = CallbackRecord.objects.create(
                task=locked,
                branch_id=locked.branch_id,  # the scope and the branch filter read it
                customer_id=locked.customer_id,
                business_type_id=locked.business_type_id,
                agent=agent,
                created_by=actor.user,
                created_via=actor.label,
                updated_by=actor.user,
                created_at=now,
                updated_at=now,
                **content,
            )
            RecordVersion.objects.create(
                record=record, version=1, data=content_snapshot(record), changed_by=actor.user
            )
            audit.record(
                CallbackAction.RECORD_CREATE,
                record,
                after=content_snapshot(record),
                message=f"登记回访记录（任务 #{locked.pk}，{record.get_status_display()}）",
                actor=actor,
            )
            for item in attachments or []:
                _store_attachment(record, item, actor, saved)
            _refresh_task_counters(locked, f"回访记录 #{record.pk}", actor)
            reason = record.failure_reason
            if feedback.strip():
                _feedback(locked, record, feedback, actor)
            elif reason is not None and reason.is_final:
                _feedback(
                    locked,
                    record,
                    f"失败原因“{reason.name}”，再次回访已无意义，请营业部负责人跟进",
                    actor,
                )
            if record.is_success:
                task_services.do_complete(locked, record, actor=actor)
            elif locked.status == TaskStatus.NEW:
                task_services.do_start(locked, actor=actor)
            return record

    record = _with_files_cleaned(work)
    task.refresh_from_db()
    return record


def check_editable(record: CallbackRecord, actor) -> None:
    """Raise unless ``actor`` may change ``record`` now (scope, permission, closed task)."""
    require(
        actor,
        CHANGE_RECORD,
        record,
        message="您没有修改回访记录的权限",
        out_of_scope="该回访记录不存在或不在您的权限范围内",
    )
    if not record.task.is_open and not is_hq(actor):
        raise PermissionDenied(CLOSED_TASK_HQ_ONLY)


def do_update_record(
    record: CallbackRecord,
    data: dict[str, Any],
    *,
    actor,
    expected_version: int,
    reason: str = "",
    attachments: list[AttachmentInput] | None = None,
) -> CallbackRecord:
    """Correct a record. The previous state stays in :class:`RecordVersion` and the audit
    log. ``expected_version`` is the version the form was opened on: a record saved by
    someone else meanwhile refuses this save and keeps theirs."""
    require(actor, CHANGE_RECORD, message="您没有修改回访记录的权限")

    actor = as_actor(actor)

    def work(saved: list[str]) -> CallbackRecord:
        with transaction.atomic():
            _lock_task(record.task_id, actor)  # task before record: one lock order
            locked = (
                CallbackRecord.objects.select_related("task", "failure_reason")
                .select_for_update(of=("self",))
                .get(pk=record.pk)
            )
            check_editable(locked, actor)
            if locked.version != expected_version:
                who = locked.updated_by.display_name if locked.updated_by else "他人"
                raise ValidationError(
                    f"该回访记录已被{who}于 {timezone.localtime(locked.updated_at):%Y-%m-%d %H:%M:%S} "
                    f"修改（当前版本 {locked.version}，您打开的是版本 {expected_version}），"
                    "您的修改未保存，请刷新页面后重新修改"
                )
            content = clean_content(data)
            new_reason = content["failure_reason"]
            if (
                new_reason is not None
                and not new_reason.is_active
                and new_reason.pk != locked.failure_reason_id
            ):
                raise ValidationError({"failure_reason": "该失败原因已停用"})
            task = locked.task
            if (
                locked.is_success
                and content["status"] != RecordStatus.SUCCESS
                and task.status == TaskStatus.COMPLETED
                and not task.records.filter(status=RecordStatus.SUCCESS)
                .exclude(pk=locked.pk)
                .exists()
            ):
                raise ValidationError(
                    {
                        "status": "任务已凭这条成功记录完成，不能改为失败或其他；如需重新回访请新建任务"
                    }
                )
            before = content_snapshot(locked)
            for name, value in content.items():
                setattr(locked, name, value)
            after = content_snapshot(locked)
            old, new = audit.diff(before, after)
            if not new and not attachments:
                return locked
            if new:
                now = timezone.now()
                updated = CallbackRecord.objects.filter(
                    pk=locked.pk, version=expected_version
                ).update(
                    **content, version=expected_version + 1, updated_at=now, updated_by=actor.user
                )
                if updated != 1:
                    raise ValidationError("该回访记录已被他人修改，您的修改未保存，请刷新后重试")
                locked.version = expected_version + 1
                locked.updated_at, locked.updated_by = now, actor.user
                RecordVersion.objects.create(
                    record=locked,
                    version=locked.version,
                    data=after,
                    changes={k: [old.get(k), new[k]] for k in new},
                    reason=reason.strip()[:200],
                    changed_by=actor.user,
                )
                audit.record(
                    CallbackAction.RECORD_CHANGE,
                    locked,
                    before=old,
                    after=new,
                    message=reason.strip() or f"修改回访记录（版本 {locked.version}）",
                    actor=actor,
                )
            for item in attachments or []:
                _store_attachment(locked, item, actor, saved)
            _refresh_task_counters(task, f"修改回访记录 #{locked.pk}", actor)
            if locked.is_success and task.is_open:
                task_services.do_complete(task, locked, actor=actor)
            return locked

    return _with_files_cleaned(work)


def do_add_attachment(record: CallbackRecord, item: AttachmentInput, *, actor) -> None:
    """Attach a file or a recording reference to an existing record (append-only)."""
    require(actor, CHANGE_RECORD, message="您没有修改回访记录的权限")

    def work(saved: list[str]) -> None:
        with transaction.atomic():
            _lock_task(record.task_id, actor)
            check_editable(record, actor)
            _store_attachment(record, item, actor, saved)

    _with_files_cleaned(work)


# ---------------------------------------------------------------- branch feedback


def do_feedback(task: CallbackTask, message: str, *, actor, record: CallbackRecord | None = None):
    """反馈营业部: leave a note the task's branch managers see until they handle it."""
    if not message or not message.strip():
        raise ValidationError({"message": "请填写反馈内容"})
    require(actor, CHANGE_RECORD, message="您没有反馈营业部的权限")
    with transaction.atomic():
        locked = _lock_task(task.pk, actor)
        if record is not None and record.task_id != locked.pk:
            raise ValidationError("回访记录不属于该任务")
        return _feedback(locked, record, message, actor)


def do_handle_feedback(feedback: BranchFeedback, note: str, *, actor) -> BranchFeedback:
    """The branch manager marks a feedback handled (处理说明 optional)."""
    require(actor, "records.change_branchfeedback", message="您没有处理反馈的权限")
    with transaction.atomic():
        locked = (
            scoped(actor, BranchFeedback.objects.all(), "change")
            .select_for_update(of=("self",))
            .filter(pk=feedback.pk)
            .first()
        )
        if locked is None:
            raise PermissionDenied("该反馈不存在或不在您的权限范围内")
        if locked.handled_at is not None:
            raise ValidationError("该反馈已处理")
        locked.handled_at = timezone.now()
        locked.handled_by = person_of(actor)
        locked.handling_note = (note or "").strip()[:300]
        locked.save(update_fields=["handled_at", "handled_by", "handling_note"])
        audit.record(
            CallbackAction.FEEDBACK_HANDLE,
            locked,
            after={"note": locked.handling_note},
            message="反馈已处理",
            actor=actor,
        )
    return locked


# ---------------------------------------------------------------- 无法联系


def do_close_unreachable(task: CallbackTask, *, actor, reason: str = "") -> CallbackTask:
    """关闭为无法联系: the branch manager (or HQ), once the unanswered attempts reached the
    business type's maximum. The transition and its audit row are ``callbacks.services``'."""
    require(
        actor,
        task_services.MANAGE_TASKS,
        message="只有营业部负责人或总部合规管理员可以关闭为“无法联系”",
    )
    return task_services.do_mark_unreachable(task, actor=actor, reason=reason.strip())


# ---------------------------------------------------------------- failure reasons


def do_save_failure_reason(instance: FailureReason | None, data: dict, *, actor) -> FailureReason:
    """Create (``instance`` None) or change a failure reason (HQ); audited with the diff."""
    require(
        actor,
        f"records.{'change' if instance else 'add'}_failurereason",
        message="您没有维护失败原因字典的权限",
    )
    return save_entry(
        FailureReason,
        instance,
        data,
        REASON_FIELDS,
        actor=actor,
        created=CallbackAction.CREATE,
        changed=CallbackAction.CHANGE,
        message="失败原因字典",
    )
