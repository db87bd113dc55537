"""Every write of callback records: registering an attempt, correcting it, attachments,
反馈营业部, closing a task as 无法联系, and the failure-reason dictionary.

Each public ``do_…(…, *, actor)`` runs in one transaction and leaves audit rows. Task
status changes go through ``callbacks.services`` (``do_start``, ``do_complete``,
``do_mark_unreachable``); the task's attempt counters are kept here, under the task's row
lock: a new record adds itself to the counters the locked row holds
(:func:`_counted`), an edit recomputes them from the task's records
(:func:`_refresh_task_counters`), and a change of a failure reason's 计为未接通 recounts
the tasks that have records with it (:func:`_recount_unanswered`) — so the stored counters
always equal the recomputation.

Concurrency: registering carries the task's ``attempt_count`` the page showed, editing
carries the record's ``version``; a mismatch means someone else saved first, and the
second save is refused with nothing written.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from huifang.callbacks import services as task_services
from huifang.callbacks.audit_actions import CallbackAction
from huifang.callbacks.choices import OPEN_STATUSES, RecordRequirement, TaskStatus
from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records.choices import AttachmentKind, Method, RecordStatus
from huifang.callbacks.records.models import (
    BranchFeedback,
    CallbackRecord,
    FailureReason,
    RecordAttachment,
    RecordVersion,
)
from huifang.callbacks.signals import feedback_given
from huifang.core import audit
from huifang.core.actors import as_actor, person_of
from huifang.core.chunks import in_chunks
from huifang.core.maintained import save_entry
from huifang.core.masking import MAINLAND_MOBILE, PHONE_NUMBER
from huifang.core.permissions import acting_user, is_system, require, scoped
from huifang.core.prepared import Insert, Prepared
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
# The task's counters this module keeps.
COUNTER_FIELDS = ["attempt_count", "unanswered_count", "last_attempt_at", "appointment_at"]
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
# Records that may name no 回访人: a questionnaire the customer answered alone (掌厅, H5),
# and an outbound call the platform made and registered by itself (外呼, an IVR call of a
# task no agent holds). A person registering is always the 回访人 unless they name another.
SELF_SERVICE_METHODS = (Method.APP_HALL, Method.H5, Method.OUTBOUND)
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


def closed_task_message(task: CallbackTask) -> str:
    """Why a task that has ended (已完成, 无法联系, 已取消) takes no more records."""
    return f"任务当前为“{task.get_status_display()}”，不能再登记回访记录"


def may_close_unreachable(user) -> bool:
    """Closing a task as 无法联系 is the branch manager's (or HQ's) decision, not the agent's."""
    return task_services.may_manage_tasks(user)


def parse_duration(text: str | int | None) -> int | None:
    """``"95"`` → 95, ``"1:35"`` / ``"01:35"`` → 95, ``"1:02:03"`` → 3723 seconds; blank
    → None (not known, which is not 0 seconds).

    Raises ValidationError (Chinese) for anything else, including negative values.
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
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
    """The record's content as a version keeps it, times in UTC: a time a form entered in
    Asia/Shanghai and the same time read back from the database compare equal."""
    values = {}
    for name in CONTENT_FIELDS:
        value = getattr(record, CallbackRecord._meta.get_field(name).attname)
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            value = value.astimezone(datetime.UTC)
        values[CallbackRecord._meta.get_field(name).attname] = audit.jsonable(value)
    return values


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


def _contact_errors(data: dict[str, Any]) -> dict[str, str]:
    errors = {}
    mobile = (data.get("mobile_used") or "").strip()
    if mobile and not MAINLAND_MOBILE.fullmatch(mobile):
        errors["mobile_used"] = "手机号应为 11 位中国大陆手机号码，例如 13812345678"
    phone = (data.get("phone_used") or "").strip()
    if phone and not PHONE_NUMBER.fullmatch(phone):
        errors["phone_used"] = "联系电话只能包含数字、短横线、括号、加号和空格，例如 010-88886666"
    return errors


def clean_content(data: dict[str, Any], *, now: datetime.datetime | None = None) -> dict:
    """Validate a record's content; all problems at once as ``{field: message}``.

    Rules: 失败 needs a reason; 其他 and reasons flagged so need a remark; 改约 needs the
    agreed time after the call (within a year of it); the call between EARLIEST_CALL and
    now; duration ≥ 0, or blank (not known); a remark of at most REMARK_MAX characters;
    手机号 a mainland mobile and 联系电话 a phone number (``core.masking``).
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
        duration = None
    if duration is not None and duration > MAX_DURATION:
        errors["duration_seconds"] = "回访时长不能超过 24 小时"
    for field, message in _contact_errors(data).items():
        errors.setdefault(field, message)
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


# A machine's lock (scope is a person's matter): compiled once, core.prepared.
RECORD_INSERT = Insert(CallbackRecord)
VERSION_INSERT = Insert(RecordVersion)
TASK_FOR_UPDATE = Prepared(
    lambda pk: CallbackTask.objects.select_for_update(of=("self",)).filter(pk=pk), int
)


def _lock_task(task_id: int, actor) -> CallbackTask:
    """The task, locked for this transaction, if it is in the actor's "change" scope."""
    if is_system(actor):
        task = TASK_FOR_UPDATE.first(task_id)
    else:
        task = (
            scoped(actor, CallbackTask.objects.all(), "change")
            .select_for_update(of=("self",))
            .filter(pk=task_id)
            .first()
        )
    if task is None:
        raise PermissionDenied("该回访任务不存在或不在您的权限范围内")
    return task


def recomputed_counters(task: CallbackTask) -> dict:
    """The task's counters recomputed from its records (one indexed aggregate and the
    latest record): what the stored counters must always equal."""
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
    return {
        "attempt_count": sums["attempts"],
        "unanswered_count": sums["unanswered"],
        "last_attempt_at": sums["last"],
        "appointment_at": latest,
    }


def _refresh_task_counters(task: CallbackTask, message: str, actor) -> None:
    """Recompute the task's attempt counters from its records (:func:`recomputed_counters`)
    after an edit; audited when anything changed."""
    before = audit.snapshot(task, COUNTER_FIELDS)
    values = recomputed_counters(task)
    old, new = audit.diff(before, {k: audit.jsonable(v) for k, v in values.items()})
    if not new:
        return
    CallbackTask.objects.filter(pk=task.pk).update(**values, updated_at=timezone.now())
    for name, value in values.items():
        setattr(task, name, value)
    audit.record(
        CallbackAction.TASK_ATTEMPTS, task, before=old, after=new, message=message, actor=actor
    )


def _store_attachment(
    record: CallbackRecord, item: AttachmentInput, actor, saved: list, rows: list | None = None
) -> None:
    """Store one attachment of ``record`` and its audit row (appended to ``rows`` when the
    caller writes its audit rows together, else written now)."""
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
    row = _audit_row(
        CallbackAction.RECORD_ATTACHMENT,
        record,
        after={"kind": attachment.kind, "name": attachment.name, "sha256": attachment.sha256},
        message=f"添加附件：{attachment.name}",
    )
    if rows is None:
        audit.record_many([row], actor=actor)
    else:
        rows.append(row)


REFUSALS = (ValidationError, PermissionDenied)


@contextlib.contextmanager
def _transaction():
    """The transaction of a write service that checks first and writes after (its writes
    inside :func:`_writes`): its own at the top level (BEGIN … COMMIT), the caller's when
    it is called inside one — without a savepoint: SAVEPOINT and RELEASE are a round trip
    each on PostgreSQL, on every call result and app-hall answer, whose callers' own
    transaction (or savepoint) already makes the whole all-or-nothing.

    A refusal (ValidationError, PermissionDenied) raised before the writes leaves the
    caller's transaction as it found it — as the rolled-back savepoint did — so the caller
    may catch it and go on (the 外呼 ingest keeps a call without its record). Any other
    error, and any error once the writes began, marks the caller's transaction for
    rollback (Django's ``atomic(savepoint=False)``): nothing half-written can commit; the
    caller's savepoint or transaction undoes it."""
    if not connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    try:
        yield
    except REFUSALS:
        raise
    except BaseException:
        transaction.set_rollback(True)
        raise


def _writes():
    """The writes of a :func:`_transaction` block, after its checks: an error in them
    rolls back the whole transaction (the caller's, when nested), not to a savepoint."""
    return transaction.atomic(savepoint=False)


def _attachment_refusal(attachments: list[AttachmentInput] | None) -> ValidationError | None:
    """What :func:`_store_attachment` would refuse among ``attachments``, checked before
    anything is written (a refusal must come before the writes, see :func:`_transaction`)."""
    for item in attachments or []:
        if item.file is not None:
            if item.file.size is not None and item.file.size > MAX_ATTACHMENT_BYTES:
                return ValidationError({"attachment": "附件不能超过 20 MB"})
        elif item.reference.strip() and not SHA256.match(item.sha256.strip().lower()):
            return ValidationError({"recording_sha256": "录音的 SHA-256 应为 64 位十六进制字符"})
    return None


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


def _new_feedback(
    task: CallbackTask,
    record: CallbackRecord | None,
    message: str,
    actor,
    *,
    now=None,
    announce: bool = True,
) -> tuple[BranchFeedback, dict]:
    """The feedback row (inserted) and its audit row (for the caller to write). After the
    commit the branch's managers get a 站内消息 (``feedback_given``) unless ``announce`` is
    off (a questionnaire's abnormal answers have a message of their own)."""
    feedback = BranchFeedback.objects.create(
        branch=task.branch,
        task=task,
        record=record,
        message=message.strip(),
        created_by=person_of(actor),
        **({"created_at": now} if now is not None else {}),
    )
    if announce:
        transaction.on_commit(lambda: feedback_given.send_robust(BranchFeedback, feedback=feedback))
    row = _audit_row(
        CallbackAction.FEEDBACK,
        feedback,
        after={"task": task.pk, "record": record.pk if record else None, "message": message},
        message=f"反馈营业部：{task.branch.name}",
    )
    return feedback, row


def _feedback(
    task: CallbackTask, record: CallbackRecord | None, message: str, actor, *, announce=True
) -> BranchFeedback:
    feedback, row = _new_feedback(task, record, message, actor, announce=announce)
    if record is not None and record.feedback_at is None:
        record.feedback_at = feedback.created_at
        CallbackRecord.objects.filter(pk=record.pk).update(feedback_at=feedback.created_at)
    audit.record_many([row], actor=actor)
    return feedback


def _audit_row(action, obj, *, before=None, after=None, message: str = "") -> dict:
    """One row for ``audit.record_many``: what ``audit.record(action, obj, …)`` writes."""
    return {
        "action": action,
        "object_type": obj._meta.label_lower,
        "object_id": obj.pk,
        "object_repr": str(obj),
        "before": before,
        "after": after,
        "message": message,
    }


# A share lock on the reason row: it waits for an HQ change of the reason in flight (which
# locks the row FOR UPDATE before recounting), and an HQ change waits for the record's
# transaction; records with the same reason do not wait for each other. SQLite has one
# writer at a time anyway.
SHARE_LOCK = {"postgresql": " FOR KEY SHARE", "mysql": " FOR SHARE"}


def _counts_unanswered(reason_id: int) -> bool:
    """The reason's 计为未接通 as committed, read under a share lock (:data:`SHARE_LOCK`), so
    that the count and :func:`_recount_unanswered` of a concurrent change agree."""
    table = connection.ops.quote_name(FailureReason._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT counts_as_unanswered FROM {table} WHERE id = %s"
            + SHARE_LOCK.get(connection.vendor, ""),
            [reason_id],
        )
        return bool(cursor.fetchone()[0])


def _counted(locked: CallbackTask, record: CallbackRecord) -> dict:
    """The task's counters once ``record`` — just inserted under the task's lock, so the
    task's newest record — is added to the values the locked row holds: one more attempt,
    one more unanswered one for a failure whose reason counts so, the latest call time,
    and the appointment of the latest record (ordered by call time, then id: the new
    record is the latest unless it was called before the task's last attempt).

    Whether the reason counts is read from the database here (:func:`_counts_unanswered`),
    not from the caller's reason object, which may predate an HQ change of the flag."""
    unanswered = False
    if record.status == RecordStatus.FAILURE and record.failure_reason_id is not None:
        unanswered = _counts_unanswered(record.failure_reason_id)
    last = locked.last_attempt_at
    latest = last is None or record.called_at >= last
    return {
        "attempt_count": locked.attempt_count + 1,
        "unanswered_count": locked.unanswered_count + unanswered,
        "last_attempt_at": record.called_at if latest else last,
        "appointment_at": record.appointment_at if latest else locked.appointment_at,
    }


# ---------------------------------------------------------------- 成功记录必填项

# Where a form shows what a requirement lacks (the record's field; 录音引用 its input).
REQUIREMENT_FIELDS = {
    RecordRequirement.DURATION: "duration_seconds",
    RecordRequirement.PHONE: "mobile_used",
    RecordRequirement.REMARK: "remark",
    RecordRequirement.RECORDING: "recording_reference",
}


def has_questionnaire_result(task_id: int) -> bool:
    """Whether the task has a questionnaire result (掌厅, H5 or 线下): what 需要问卷 asks.
    Read through the app registry: callbacks do not import surveys."""
    try:
        responses = django_apps.get_model("surveys", "Response")
    except LookupError:
        return False
    return responses.objects.filter(task_id=task_id).exists()


def requirement_refusals(
    task: CallbackTask,
    content: dict,
    attachments: list[AttachmentInput] | None,
    *,
    recorded: bool = False,
) -> dict[str, str]:
    """What a 成功 record of ``task`` lacks of its business type's requirements, as
    ``{field: message}`` (empty when it meets them): each 成功记录必填项 (回访时长 known and
    not 0, 联系电话或手机号, 备注, a 录音引用 among ``attachments``, as 合规核查's
    ``records.models.lacking`` counts them). The business type's definition
    (docs/callbacks.md): the successful record that completes the task must have them.
    需要问卷 is not refused here: the form says whether the task has a questionnaire result,
    and a task completed without one is 合规核查's finding (a phone 成功 may precede the
    customer's answers). ``recorded``: the record (being corrected) has a recording
    reference already."""
    business_type = task.business_type
    name = business_type.name
    errors: dict[str, str] = {}
    wanted = set(business_type.required_record_fields or [])
    present = {
        RecordRequirement.DURATION: bool(content.get("duration_seconds")),
        RecordRequirement.PHONE: bool(content.get("mobile_used") or content.get("phone_used")),
        RecordRequirement.REMARK: bool(content.get("remark")),
        RecordRequirement.RECORDING: recorded
        or any(item.file is None and item.reference.strip() for item in attachments or []),
    }
    for requirement, label in RecordRequirement.choices:
        if requirement in wanted and not present[requirement]:
            errors[REQUIREMENT_FIELDS[requirement]] = f"回访业务类型“{name}”要求成功记录填写{label}"
    return errors


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
    reported: bool = False,
) -> CallbackRecord:
    """登记回访记录 for ``task``: one attempt, counted on the task.

    A person (page, API) registers only tasks they may work
    (``callbacks.services.require_own_task``: an agent their own), and a 成功 record only
    when it meets the business type's requirements (:func:`requirement_refusals`), since
    it completes the task. ``reported`` marks a record that reports what another system
    saw — a questionnaire answer (the write-back's record is the questionnaire result),
    an outbound call — which, like a machine's record, is kept as it comes: 合规核查
    lists what such records lack.

    The first attempt moves 未处理 → 处理中; a 成功 record completes the task
    (``callbacks.services.planned_transition``, as ``do_start`` / ``do_complete``).
    ``expected_attempts`` is the task's attempt count the form showed: if another attempt
    was saved meanwhile, nothing is written. ``feedback`` (text) also notifies the branch
    (反馈营业部); a final failure reason does so automatically.

    ``actor`` (an :class:`~huifang.core.actors.Actor` or a user) registers it: a person, or
    an integration writing as itself. ``agent`` is who made the call (回访人); it defaults
    to the acting person, and a machine must name it — except for a questionnaire the
    customer answered alone (掌厅问卷, H5问卷), which has no agent.

    Machines write many of these (app-hall answers, call results), so the transaction
    holds only the lock and the writes: the content is checked before it (its errors
    still come after the task's own refusals, as before), the task is read once (locked),
    its counters and status change in one UPDATE, and the audit rows (record, attempts,
    status, feedback) are one INSERT.
    """
    actor = as_actor(actor)
    require(actor, "records.add_callbackrecord", message="您没有登记回访记录的权限")
    agent = agent or actor.user
    if agent is None and data.get("method") not in SELF_SERVICE_METHODS:
        raise ValidationError({"agent": "请指定回访人"})
    try:
        content, refusal = clean_content(data), None
    except ValidationError as exc:
        content, refusal = None, exc
    feedback_message = feedback if feedback.strip() else ""
    if content is not None:
        reason = content["failure_reason"]
        if reason is not None and not reason.is_active:
            refusal = ValidationError({"failure_reason": "该失败原因已停用"})
        elif reason is not None and reason.is_final and not feedback_message:
            feedback_message = f"失败原因“{reason.name}”，再次回访已无意义，请营业部负责人跟进"

    attachment_refusal = _attachment_refusal(attachments)

    def work(saved: list[str]) -> tuple[CallbackRecord, CallbackTask]:
        with _transaction():
            locked = _lock_task(task.pk, actor)
            task_services.require_own_task(actor, locked)
            if not locked.is_open:
                raise ValidationError(closed_task_message(locked))
            if expected_attempts is not None and locked.attempt_count != expected_attempts:
                raise ValidationError(
                    f"该任务在您打开页面后已有他人登记了回访记录（当前共 {locked.attempt_count} 次），"
                    "您的记录未保存，请刷新页面核对后重新登记"
                )
            if refusal is not None:
                raise refusal
            if content["status"] == RecordStatus.SUCCESS and actor.is_person and not reported:
                unmet = requirement_refusals(locked, content, attachments)
                if unmet:
                    raise ValidationError(unmet)
            if attachment_refusal is not None:
                raise attachment_refusal
            now = timezone.now()
            if content["status"] == RecordStatus.SUCCESS:
                moved, moved_row = task_services.planned_transition(
                    locked, "complete", actor=actor, now=now
                )
            elif locked.status == TaskStatus.NEW:
                moved, moved_row = task_services.planned_transition(
                    locked, "start", actor=actor, now=now
                )
            else:
                moved, moved_row = {}, None
            with _writes():  # every check passed: from here on, only writes
                record = RECORD_INSERT.create(
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
                    feedback_at=now if feedback_message else None,
                    **content,
                )
                snapshot = content_snapshot(record)
                VERSION_INSERT.create(
                    record=record, version=1, data=snapshot, changed_by=actor.user, changed_at=now
                )
                rows = [
                    _audit_row(
                        CallbackAction.RECORD_CREATE,
                        record,
                        after=snapshot,
                        message=f"登记回访记录（任务 #{locked.pk}，{record.get_status_display()}）",
                    )
                ]
                for item in attachments or []:
                    _store_attachment(record, item, actor, saved, rows)
                counters = _counted(locked, record)
                old, new = audit.diff(
                    audit.snapshot(locked, COUNTER_FIELDS),
                    {k: audit.jsonable(v) for k, v in counters.items()},
                )
                rows.append(
                    _audit_row(
                        CallbackAction.TASK_ATTEMPTS,
                        locked,
                        before=old,
                        after=new,
                        message=f"回访记录 #{record.pk}",
                    )
                )
                if feedback_message:
                    rows.append(_new_feedback(locked, record, feedback_message, actor, now=now)[1])
                values = {**counters, "updated_at": now, **moved}
                if moved_row is not None:
                    if record.is_success:
                        moved_row["message"] = f"回访成功（记录 #{record.pk}）"
                    rows.append(moved_row)
                CallbackTask.objects.filter(pk=locked.pk).update(**values)
                for name, value in values.items():
                    setattr(locked, name, value)
                audit.record_many(rows, actor=actor)
                return record, locked

    record, locked = _with_files_cleaned(work)
    _copy_task(locked, task)
    return record


def _copy_task(source: CallbackTask, target: CallbackTask) -> None:
    """``target`` as ``refresh_from_db`` would leave it, from the row the service just wrote
    (``source``, locked and updated in the same transaction): no query."""
    if target is source:
        return
    for field in CallbackTask._meta.concrete_fields:
        if field.generated:
            continue
        setattr(target, field.attname, getattr(source, field.attname))
    target.open_flag = source.status in OPEN_STATUSES


def check_editable(record: CallbackRecord, actor) -> None:
    """Raise unless ``actor`` may change ``record`` now (scope, permission, closed task, and
    the own-task rule of ``callbacks.services.work_refusal``: not a colleague's task). Every
    correction and attachment — page, API — passes here."""
    require(
        actor,
        CHANGE_RECORD,
        record,
        message="您没有修改回访记录的权限",
        out_of_scope="该回访记录不存在或不在您的权限范围内",
    )
    if not record.task.is_open and not is_hq(actor):
        raise PermissionDenied(CLOSED_TASK_HQ_ONLY)
    task_services.require_own_task(actor, record.task)


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
            if content["status"] == RecordStatus.SUCCESS and task.is_open and actor.is_person:
                # Corrected into the 成功 record that completes the task: as a new one.
                recorded = locked.attachments.filter(kind=AttachmentKind.RECORDING).exists()
                unmet = requirement_refusals(task, content, attachments, recorded=recorded)
                if unmet:
                    raise ValidationError(unmet)
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


def do_feedback(
    task: CallbackTask,
    message: str,
    *,
    actor,
    record: CallbackRecord | None = None,
    announce: bool = True,
):
    """反馈营业部: leave a note the task's branch managers see until they handle it, and
    send them a 站内消息 (unless ``announce`` is off)."""
    if not message or not message.strip():
        raise ValidationError({"message": "请填写反馈内容"})
    require(actor, CHANGE_RECORD, message="您没有反馈营业部的权限")
    with _transaction():
        locked = _lock_task(task.pk, actor)
        if record is not None and record.task_id != locked.pk:
            raise ValidationError("回访记录不属于该任务")
        with _writes():
            return _feedback(locked, record, message, actor, announce=announce)


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
    """Create (``instance`` None) or change a failure reason (HQ); audited with the diff.
    Changing 计为未接通 recounts the 未接通次数 of the tasks with failures of that reason
    (:func:`_recount_unanswered`), in the same transaction."""
    require(
        actor,
        f"records.{'change' if instance else 'add'}_failurereason",
        message="您没有维护失败原因字典的权限",
    )
    with transaction.atomic():
        counted = None
        if instance is not None:
            # Locked: a record being registered with this reason reads the flag after
            # its insert, which waits for this change (or this change waits for it).
            counted = (
                FailureReason.objects.select_for_update()
                .filter(pk=instance.pk)
                .values_list("counts_as_unanswered", flat=True)
                .first()
            )
        reason = save_entry(
            FailureReason,
            instance,
            data,
            REASON_FIELDS,
            actor=actor,
            created=CallbackAction.CREATE,
            changed=CallbackAction.CHANGE,
            message="失败原因字典",
        )
        if counted is not None and counted != reason.counts_as_unanswered:
            _recount_unanswered(reason, actor)
    return reason


def _recount_unanswered(reason: FailureReason, actor) -> int:
    """The 未接通次数 of every task with a failure of ``reason`` (whose 计为未接通 just
    changed), recounted from its records under the tasks' locks, written where it
    differs and audited per task (更新回访次数); the number of tasks changed."""
    task_ids = list(
        CallbackRecord.objects.filter(failure_reason=reason, status=RecordStatus.FAILURE)
        .order_by("task_id")
        .values_list("task_id", flat=True)
        .distinct()
    )
    changed = 0
    now = timezone.now()
    flag = "计为未接通" if reason.counts_as_unanswered else "不计为未接通"
    for chunk in in_chunks(task_ids):
        tasks = list(
            CallbackTask.objects.select_for_update()
            .filter(pk__in=chunk)
            .only("pk", "unanswered_count")
            .order_by("pk")
        )
        counts = dict(
            CallbackRecord.objects.filter(
                task_id__in=chunk,
                status=RecordStatus.FAILURE,
                failure_reason__counts_as_unanswered=True,
            )
            .order_by()
            .values("task_id")
            .annotate(n=Count("id"))
            .values_list("task_id", "n")
        )
        by_count: dict[int, list[int]] = defaultdict(list)
        rows = []
        for task in tasks:
            count = counts.get(task.pk, 0)
            if count == task.unanswered_count:
                continue
            by_count[count].append(task.pk)
            rows.append(
                _audit_row(
                    CallbackAction.TASK_ATTEMPTS,
                    task,
                    before={"unanswered_count": task.unanswered_count},
                    after={"unanswered_count": count},
                    message=f"失败原因“{reason.name}”改为{flag}，重新计数",
                )
            )
        for count, ids in by_count.items():
            CallbackTask.objects.filter(pk__in=ids).update(unanswered_count=count, updated_at=now)
        audit.record_many(rows, actor=actor)
        changed += len(rows)
    return changed
