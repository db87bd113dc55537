"""Callback records (回访记录): every attempt to reach a task's customer, its history,
attachments, the failure-reason dictionary and the branch feedback (反馈营业部).

A record is never deleted (the model refuses, no page or API offers it) and never silently
changed: every saved state is kept in :class:`RecordVersion`, and ``version`` is the
optimistic lock a form carries so that a second concurrent save is refused.
Records are scoped through their task's branch, stored on the record (``branch``) so that
scoping and the branch filter use the record's own (branch, called_at) index.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huifang.callbacks.choices import RecordRequirement
from huifang.callbacks.models import BusinessType, CallbackTask
from huifang.callbacks.records.choices import AttachmentKind, Method, RecordStatus
from huifang.core.fieldcrypt import EncryptedTextField, SealedJSONField
from huifang.core.fields import user_reference
from huifang.core.models import MaintainedList
from huifang.core.scoping import RestrictedQuerySet
from huifang.customers.models import Customer
from huifang.org.models import Branch

NEVER_DELETED = "回访记录永久保存，不能删除"


class FailureReason(MaintainedList):
    """回访失败原因: a dictionary HQ maintains. The flags drive the task's counters and the
    form's checks; a reason in use is deactivated, never deleted."""

    name = models.CharField(_("失败原因"), max_length=50, unique=True)
    counts_as_unanswered = models.BooleanField(
        _("计为未接通"),
        default=False,
        help_text=_("计入任务的未接通次数（达到上限可关闭为无法联系）"),
    )
    is_final = models.BooleanField(
        _("终局性"),
        default=False,
        help_text=_("再次回访已无意义（如空号）：登记时自动反馈营业部，由负责人跟进"),
    )
    remark_required = models.BooleanField(_("须填写备注"), default=False)
    asks_appointment = models.BooleanField(
        _("改约"), default=False, help_text=_("客户要求改约：须填写约定的回访时间")
    )

    class Meta(MaintainedList.Meta):
        verbose_name = _("回访失败原因")
        verbose_name_plural = _("回访失败原因")

    def delete(self, *args, **kwargs):
        raise PermissionDenied("失败原因不能删除，请停用")


class CallbackRecordQuerySet(RestrictedQuerySet):
    def delete(self):
        raise PermissionDenied(NEVER_DELETED)


def minutes_seconds(seconds: int) -> str:
    """A duration as the pages show it: 95 → ``01:35``."""
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes:02d}:{rest:02d}"


class CallbackRecord(models.Model):
    """One callback attempt (回访服务记录) of a task, as the brochure's form registers it."""

    scope_field = "branch"

    task = models.ForeignKey(
        CallbackTask,
        verbose_name=_("回访任务"),
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,  # (task, called_at) below serves it
    )
    # Denormalised from the task (never changes) so lists filter and sort without a join.
    branch = models.ForeignKey(
        Branch, verbose_name=_("营业部"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    business_type = models.ForeignKey(
        BusinessType,
        verbose_name=_("回访类型"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    status = models.CharField(_("回访状态"), max_length=8, choices=RecordStatus.choices)
    failure_reason = models.ForeignKey(
        FailureReason,
        verbose_name=_("失败原因"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,
    )
    method = models.CharField(_("回访形式"), max_length=16, choices=Method.choices)
    called_at = models.DateTimeField(_("回访时间"))
    # NULL: not known (left blank, a questionnaire the customer answered alone); 0 is a
    # call that lasted no time.
    duration_seconds = models.PositiveIntegerField(_("回访时长（秒）"), null=True, blank=True)
    # Who made the call. Empty for a questionnaire the customer answered alone (掌厅/H5):
    # pages then show the registering channel (``registered_by``).
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callback_records",
        db_index=False,
    )
    channel_source = models.CharField(_("渠道来源"), max_length=50, blank=True)
    # Personal data, encrypted at rest (core.fieldcrypt); never searched by content.
    mobile_used = EncryptedTextField(_("手机号"), max_length=20, blank=True)
    phone_used = EncryptedTextField(_("联系电话"), max_length=40, blank=True)
    address = EncryptedTextField(_("客户联系地址"), max_length=300, blank=True)
    tags = models.CharField(_("客户标签"), max_length=200, blank=True)
    remark = models.TextField(_("备注"), blank=True)
    appointment_at = models.DateTimeField(_("改约时间"), null=True, blank=True)
    feedback_at = models.DateTimeField(_("反馈营业部时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    created_by = user_reference(_("登记人"), blank=False)
    # Who registered it when no person did: the actor's channel (``partner:掌厅``,
    # ``command:import``, ``job:42``); ``web``/``api`` for a person's own record.
    created_via = models.CharField(
        _("登记来源"), max_length=64, blank=True, default="", db_default=""
    )
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)
    updated_by = user_reference(_("修改人"), blank=False)

    objects = CallbackRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["-called_at", "-id"]
        # One index per list filter, each ending in the list's sort key (called_at).
        indexes = [
            models.Index(fields=["called_at"], name="record_called"),
            models.Index(fields=["branch", "called_at"], name="record_branch_called"),
            models.Index(fields=["task", "called_at"], name="record_task_called"),
            models.Index(fields=["customer", "called_at"], name="record_customer_called"),
            models.Index(fields=["status", "called_at"], name="record_status_called"),
            models.Index(fields=["method", "called_at"], name="record_method_called"),
            models.Index(fields=["agent", "called_at"], name="record_agent_called"),
            models.Index(fields=["business_type", "called_at"], name="record_type_called"),
            models.Index(fields=["failure_reason", "called_at"], name="record_reason_called"),
            models.Index(fields=["feedback_at", "called_at"], name="record_feedback_called"),
        ]

    def __str__(self) -> str:
        return f"回访记录 #{self.pk}"

    @property
    def is_success(self) -> bool:
        return self.status == RecordStatus.SUCCESS

    @property
    def registered_by(self) -> str:
        """登记人 as the pages show it: the person, else the command, job or partner."""
        if self.created_by is not None:
            return self.created_by.display_name
        from huifang.core.audit_display import source_label

        return source_label(self.created_via) if self.created_via else "—"

    @property
    def duration_text(self) -> str:
        """``01:35``; — when the duration is not known."""
        return "—" if self.duration_seconds is None else minutes_seconds(self.duration_seconds)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(NEVER_DELETED)


PERSONAL_FIELDS = ("mobile_used", "phone_used", "address")


class RecordVersion(models.Model):
    """Every saved state of a record (version 1 = as registered); append-only."""

    scope_field = "record__branch"

    record = models.ForeignKey(
        CallbackRecord,
        verbose_name=_("回访记录"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    version = models.PositiveIntegerField(_("版本"))
    # The contact fields inside are stored encrypted, as on the record itself.
    data = SealedJSONField(_("内容"), keys=PERSONAL_FIELDS)
    changes = SealedJSONField(  # {field: [old, new]}
        _("修改内容"), keys=PERSONAL_FIELDS, default=dict, blank=True
    )
    reason = models.CharField(_("修改说明"), max_length=200, blank=True)
    changed_at = models.DateTimeField(_("时间"), default=timezone.now)
    changed_by = user_reference(_("操作人"), blank=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("回访记录版本")
        verbose_name_plural = _("回访记录版本")
        ordering = ["record", "version"]
        constraints = [
            models.UniqueConstraint(fields=["record", "version"], name="recordversion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.record_id} v{self.version}"

    def delete(self, *args, **kwargs):
        raise PermissionDenied(NEVER_DELETED)


class RecordAttachment(models.Model):
    """A scanned questionnaire, a photo (stored under MEDIA_ROOT/records/) or a reference to
    a call recording kept elsewhere, each with its SHA-256 so it can be proven unchanged."""

    scope_field = "record__branch"

    record = models.ForeignKey(
        CallbackRecord,
        verbose_name=_("回访记录"),
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    kind = models.CharField(_("类型"), max_length=16, choices=AttachmentKind.choices)
    file = models.FileField(_("文件"), upload_to="records/%Y/%m/", max_length=300, blank=True)
    name = models.CharField(_("名称"), max_length=200)
    reference = models.CharField(_("录音引用"), max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("大小（字节）"), null=True, blank=True)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    created_by = user_reference(_("上传人"), blank=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("回访记录附件")
        verbose_name_plural = _("回访记录附件")
        ordering = ["record", "id"]

    def __str__(self) -> str:
        return self.name

    def delete(self, *args, **kwargs):
        raise PermissionDenied(NEVER_DELETED)


class BranchFeedback(models.Model):
    """反馈营业部: an agent's note to the branch manager about a task (complaint, abnormal
    answer, a number that no longer works). Managers see it in their list and on the task,
    and mark it handled."""

    scope_field = "branch"

    branch = models.ForeignKey(
        Branch, verbose_name=_("营业部"), on_delete=models.PROTECT, related_name="+"
    )
    task = models.ForeignKey(
        CallbackTask, verbose_name=_("回访任务"), on_delete=models.PROTECT, related_name="+"
    )
    record = models.ForeignKey(
        CallbackRecord,
        verbose_name=_("回访记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedbacks",
    )
    message = models.TextField(_("反馈内容"))
    created_at = models.DateTimeField(_("反馈时间"), default=timezone.now)
    created_by = user_reference(_("反馈人"), blank=False)
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    handled_by = user_reference(_("处理人"))
    handling_note = models.CharField(_("处理说明"), max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("营业部反馈")
        verbose_name_plural = _("营业部反馈")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["branch", "handled_at"], name="feedback_branch_handled"),
            models.Index(fields=["task"], name="feedback_task"),
        ]

    def __str__(self) -> str:
        return f"反馈 #{self.pk}"

    @property
    def is_handled(self) -> bool:
        return self.handled_at is not None

    def delete(self, *args, **kwargs):
        raise PermissionDenied("反馈不能删除")


def lacking(requirement: str) -> models.Q:
    """Records without what ``requirement`` (a ``RecordRequirement`` value: 成功记录必填项)
    asks for, as a filter on records."""
    if requirement == RecordRequirement.DURATION:
        # Not known, or 0 (what a blank was stored as before it meant "not known").
        return models.Q(duration_seconds__isnull=True) | models.Q(duration_seconds=0)
    if requirement == RecordRequirement.PHONE:
        return models.Q(mobile_used="", phone_used="")
    if requirement == RecordRequirement.REMARK:
        return models.Q(remark="")
    if requirement == RecordRequirement.RECORDING:
        recordings = RecordAttachment.objects.filter(
            record=models.OuterRef("pk"), kind=AttachmentKind.RECORDING
        )
        return ~models.Exists(recordings)
    raise ValueError(f"未知的成功记录必填项：{requirement}")
