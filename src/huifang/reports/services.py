"""Every write of 管理措施: create, change, status, attachments, and the type dictionary.

Each is one ``do_…(…, *, actor)`` in one transaction with its audit row (before/after).
A measure is scoped by its branch: the actor must see the customer (and whatever prompted
the measure) to create one, and may change only measures in their scope.
"""

from __future__ import annotations

import datetime
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records.models import BranchFeedback, CallbackRecord
from huifang.core import audit
from huifang.core.actors import person_of
from huifang.core.maintained import save_entry
from huifang.core.permissions import require, scoped
from huifang.customers.models import Customer
from huifang.org.models import Role, User
from huifang.reports.audit_actions import ReportsAction
from huifang.reports.choices import TRANSITIONS, MeasureStatus
from huifang.reports.models import Measure, MeasureAttachment, MeasureType

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
EDITABLE = ["measure_type_id", "reason", "responsible_id", "due_date", "result"]
SNAPSHOT = [
    "measure_type_id",
    "customer_id",
    "branch_id",
    "reason",
    "task_id",
    "record_id",
    "feedback_id",
    "finding",
    "responsible_id",
    "due_date",
    "status",
    "result",
]
TYPE_FIELDS = ["name", "is_active", "sort_order"]


def _check_sources(measure: Measure) -> None:
    """The prompting task / record / follow-up must be the customer's."""
    for source, label in (
        (measure.task, "回访任务"),
        (measure.record, "回访记录"),
        (measure.feedback, "营业部反馈"),
    ):
        customer_id = None
        if isinstance(source, CallbackTask | CallbackRecord):
            customer_id = source.customer_id
        elif isinstance(source, BranchFeedback):
            customer_id = source.task.customer_id
        if source is not None and customer_id != measure.customer_id:
            raise ValidationError(f"所选{label}不属于该客户")


def _check_responsible(actor, responsible: User | None) -> None:
    if (
        responsible is not None
        and not scoped(actor, User.objects.all()).filter(pk=responsible.pk).exists()
    ):
        raise PermissionDenied("负责人不在您的权限范围内")
    if responsible is not None and responsible.role == Role.AUDITOR:
        # 稽核 reads everything and changes nothing: a measure cannot be theirs to carry out.
        raise ValidationError({"responsible": "稽核人员只读，不能作为管理措施的负责人"})


def _check_due(due_date: datetime.date | None, stored: datetime.date | None = None) -> None:
    """A new 完成期限 may not lie in the past; an overdue measure keeps its own date."""
    if due_date is None or due_date == stored:
        return
    today = timezone.localdate()
    if due_date < today:
        raise ValidationError({"due_date": f"完成期限不能早于今天（{today:%Y-%m-%d}）"})


def _check_type(measure_type: MeasureType | None) -> None:
    if measure_type is None or not measure_type.is_active:
        raise ValidationError({"measure_type": "请选择启用的措施类型"})


def _store_attachment(measure: Measure, file: UploadedFile, actor, saved: list) -> None:
    if file.size is not None and file.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"attachments": "附件不能超过 20 MB"})
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    attachment = MeasureAttachment(
        measure=measure,
        name=(file.name or "附件")[:200],
        sha256=digest.hexdigest(),
        size=file.size,
        created_by=person_of(actor),
    )
    attachment.file.save(file.name or "attachment", file, save=False)
    saved.append(attachment.file.name)
    attachment.save()
    audit.record(
        ReportsAction.MEASURE_ATTACHMENT,
        measure,
        after={"name": attachment.name, "sha256": attachment.sha256},
        message=f"添加附件：{attachment.name}",
        actor=actor,
    )


def _with_files_cleaned(work):
    """Run ``work(saved)``; files it stored are removed if the transaction fails."""
    saved: list[str] = []
    try:
        return work(saved)
    except Exception:
        from django.core.files.storage import default_storage

        for name in saved:
            default_storage.delete(name)
        raise


def do_create_measure(
    customer: Customer,
    measure_type: MeasureType,
    reason: str,
    *,
    actor,
    due_date: datetime.date | None = None,
    responsible: User | None = None,
    task: CallbackTask | None = None,
    record: CallbackRecord | None = None,
    feedback: BranchFeedback | None = None,
    finding: str = "",
    attachments: list[UploadedFile] | None = None,
) -> Measure:
    """Register a measure on ``customer`` (待执行), optionally linked to what prompted it."""
    sources = [s for s in (customer, task, record, feedback) if s is not None]
    require(
        actor,
        "reports.add_measure",
        sources,
        action="view",
        message="您没有登记管理措施的权限",
    )
    _check_type(measure_type)
    _check_responsible(actor, responsible)
    _check_due(due_date)
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写措施原因"})

    def work(saved):
        with transaction.atomic():
            measure = Measure(
                measure_type=measure_type,
                customer=customer,
                branch_id=customer.branch_id,
                reason=reason.strip(),
                task=task,
                record=record,
                feedback=feedback,
                finding=(finding or "").strip()[:200],
                responsible=responsible,
                due_date=due_date,
                created_by=person_of(actor),
                updated_by=person_of(actor),
            )
            _check_sources(measure)
            measure.full_clean()
            measure.save()
            audit.record(
                ReportsAction.MEASURE_CREATE,
                measure,
                after=audit.snapshot(measure, SNAPSHOT),
                message=f"{measure_type.name}：{customer.investor_code}",
                actor=actor,
            )
            for file in attachments or []:
                _store_attachment(measure, file, actor, saved)
            return measure

    return _with_files_cleaned(work)


def _locked(measure: Measure, actor) -> Measure:
    locked = (
        scoped(actor, Measure.objects.all(), "change")
        .select_for_update(of=("self",))
        .filter(pk=measure.pk)
        .first()
    )
    if locked is None:
        raise PermissionDenied("该管理措施不存在或不在您的权限范围内")
    return locked


def do_update_measure(
    measure: Measure,
    data: dict,
    *,
    actor,
    attachments: list[UploadedFile] | None = None,
) -> Measure:
    """Change a measure's type, reason, 负责人, 完成期限 or 执行结果 (``data``: those fields
    as ``measure_type``, ``reason``, ``responsible``, ``due_date``, ``result``) and add
    attachments; a closed measure (已完成/已取消) only takes attachments and its result."""
    require(actor, "reports.change_measure", measure, message="您没有修改管理措施的权限")

    def work(saved):
        with transaction.atomic():
            locked = _locked(measure, actor)
            before = audit.snapshot(locked, SNAPSHOT)
            if not locked.is_open and set(data) - {"result"}:
                raise ValidationError("已完成或已取消的措施只能补充执行结果和附件")
            if "measure_type" in data:
                _check_type(data["measure_type"])
                locked.measure_type = data["measure_type"]
            if "responsible" in data:
                _check_responsible(actor, data["responsible"])
                locked.responsible = data["responsible"]
            if "reason" in data:
                if not (data["reason"] or "").strip():
                    raise ValidationError({"reason": "请填写措施原因"})
                locked.reason = data["reason"].strip()
            if "due_date" in data:
                _check_due(data["due_date"], locked.due_date)
                locked.due_date = data["due_date"]
            if "result" in data:
                locked.result = (data["result"] or "").strip()
            locked.updated_at = timezone.now()
            locked.updated_by = person_of(actor)
            locked.full_clean()
            locked.save()
            old, new = audit.diff(before, audit.snapshot(locked, SNAPSHOT))
            if new:
                audit.record(
                    ReportsAction.MEASURE_CHANGE,
                    locked,
                    before=old,
                    after=new,
                    message="修改管理措施",
                    actor=actor,
                )
            for file in attachments or []:
                _store_attachment(locked, file, actor, saved)
            return locked

    return _with_files_cleaned(work)


def do_change_status(measure: Measure, status: str, *, actor, result: str = "") -> Measure:
    """待执行 → 执行中 → 已完成, or 已取消 (``choices.TRANSITIONS``); 已完成 needs a result."""
    require(actor, "reports.change_measure", measure, message="您没有修改管理措施的权限")
    if status not in MeasureStatus.values:
        raise ValidationError("未知的措施状态")
    with transaction.atomic():
        locked = _locked(measure, actor)
        if status not in TRANSITIONS[locked.status]:
            raise ValidationError(
                f"措施状态不能从“{locked.get_status_display()}”改为“{MeasureStatus(status).label}”"
            )
        before = audit.snapshot(locked, ["status", "result"])
        if result.strip():
            locked.result = result.strip()
        if status == MeasureStatus.DONE and not locked.result:
            raise ValidationError({"result": "完成措施须填写执行结果"})
        locked.status = status
        locked.updated_at = timezone.now()
        locked.updated_by = person_of(actor)
        locked.save(update_fields=["status", "result", "updated_at", "updated_by"])
        old, new = audit.diff(before, audit.snapshot(locked, ["status", "result"]))
        audit.record(
            ReportsAction.MEASURE_STATUS,
            locked,
            before=old,
            after=new,
            message=f"措施状态：{MeasureStatus(status).label}",
            actor=actor,
        )
    return locked


def do_save_measure_type(instance: MeasureType | None, data: dict, *, actor) -> MeasureType:
    """Create (``instance`` None) or change a measure type (HQ); audited with the diff."""
    require(
        actor,
        f"reports.{'change' if instance else 'add'}_measuretype",
        message="您没有维护措施类型的权限",
    )
    return save_entry(
        MeasureType,
        instance,
        data,
        TYPE_FIELDS,
        actor=actor,
        created=ReportsAction.CREATE,
        changed=ReportsAction.CHANGE,
        message="措施类型字典",
    )
