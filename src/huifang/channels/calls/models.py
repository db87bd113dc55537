"""The outbound-call platform (外呼): the stable reference of each task pushed (``CallRef``),
each push of a call list (``CallPush``), each call attempt received (``CallAttempt``,
外呼记录) and the result mapping HQ maintains (``ResultMapping``)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records.choices import RecordStatus
from huifang.callbacks.records.models import CallbackRecord, FailureReason, minutes_seconds
from huifang.channels.calls.choices import CallResult, CallSource, MappingAction
from huifang.core.fieldcrypt import EncryptedJSONField
from huifang.core.fields import user_reference
from huifang.core.scoping import RestrictedQuerySet
from huifang.customers.models import Customer
from huifang.org.models import Branch


def ref_for(task_id: int) -> str:
    """The ``task_ref`` of a task: ``T`` and its id on ten digits (stable, never reused)."""
    return f"T{task_id:010d}"


class CallRef(models.Model):
    """The ``task_ref`` (外呼任务ID) a task was pushed under; the partner sends it back."""

    scope_field = "task__branch"

    task = models.OneToOneField(
        CallbackTask, verbose_name="回访任务", on_delete=models.PROTECT, related_name="call_ref"
    )
    ref = models.CharField("外呼任务ID", max_length=32, unique=True)
    created_at = models.DateTimeField("首次推送时间", default=timezone.now)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "外呼任务编号"
        verbose_name_plural = "外呼任务编号"

    def __str__(self) -> str:
        return self.ref


class CallPush(models.Model):
    """One push of a call list (推送外呼名单): who, when, which filter, how many calls, the
    file written and the signed pages queued to the partner. The file holds full phone
    numbers, so every push is audited and only its maker (or HQ) downloads it again."""

    created_at = models.DateTimeField("推送时间", default=timezone.now)
    created_by = user_reference("推送人")
    created_via = models.CharField("来源", max_length=64, blank=True)
    filters = models.CharField("筛选条件", max_length=500, blank=True)
    count = models.PositiveIntegerField("外呼数", default=0)
    file = models.CharField("外呼名单文件", max_length=500, blank=True)
    pages = models.PositiveIntegerField("推送页数", default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "外呼名单推送"
        verbose_name_plural = "外呼名单推送"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"外呼名单 #{self.pk}"


class CallAttempt(models.Model):
    """外呼记录: one attempt of one call as the platform reported it (webhook or file),
    with its raw payload; ``record`` is the callback record the mapping wrote, if any."""

    scope_field = "branch"

    call_id = models.CharField("呼叫ID", max_length=100)
    attempt = models.PositiveIntegerField("拨打次数")
    task_ref = models.CharField("外呼任务ID", max_length=32)
    task = models.ForeignKey(
        CallbackTask, verbose_name="回访任务", on_delete=models.PROTECT, related_name="calls"
    )
    customer = models.ForeignKey(
        Customer, verbose_name="客户", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    branch = models.ForeignKey(
        Branch, verbose_name="营业部", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    started_at = models.DateTimeField("拨打时间")
    duration_seconds = models.PositiveIntegerField("拨打时长（秒）", default=0)
    result = models.CharField("拨打结果", max_length=16, choices=CallResult.choices)
    agent = models.CharField("坐席", max_length=100, blank=True)
    recording_url = models.CharField("录音地址", max_length=500, blank=True)
    recording_sha256 = models.CharField("录音SHA256", max_length=64, blank=True)
    ivr = models.JSONField("按键确认", null=True, blank=True)
    payload = EncryptedJSONField("原始内容", default=dict)  # encrypted at rest
    event_id = models.CharField("事件ID", max_length=200, blank=True)
    source = models.CharField("来源", max_length=16, choices=CallSource.choices)
    record = models.ForeignKey(
        CallbackRecord,
        verbose_name="回访记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField("处理说明", max_length=300, blank=True)
    received_at = models.DateTimeField("接收时间", default=timezone.now)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "外呼记录"
        verbose_name_plural = "外呼记录"
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["call_id", "attempt"], name="calls_attempt_once")
        ]
        indexes = [
            models.Index(fields=["task", "attempt", "started_at"], name="calls_task_attempt"),
            models.Index(fields=["branch", "started_at"], name="calls_branch_started"),
            models.Index(fields=["started_at"], name="calls_started"),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} #{self.attempt}"

    @property
    def duration_text(self) -> str:
        return minutes_seconds(self.duration_seconds or 0)


class ResultMapping(models.Model):
    """What a call result does (外呼结果映射, HQ): write a callback record with this status
    and failure reason, or wait for an agent. For ``connected``, ``ivr_required`` asks for
    the customer's IVR confirmation (``ivr[ivr_question] == ivr_answer``) before it is
    recorded as 成功; without it the call waits for an agent."""

    result = models.CharField("拨打结果", max_length=16, choices=CallResult.choices, unique=True)
    action = models.CharField("处理方式", max_length=16, choices=MappingAction.choices)
    status = models.CharField(
        "回访状态", max_length=8, choices=RecordStatus.choices, blank=True, default=""
    )
    failure_reason = models.ForeignKey(
        FailureReason,
        verbose_name="失败原因",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ivr_required = models.BooleanField("须按键确认", default=False)
    ivr_question = models.CharField("确认问题", max_length=50, blank=True, default="confirm")
    ivr_answer = models.CharField("确认按键", max_length=10, blank=True, default="1")
    updated_at = models.DateTimeField("修改时间", default=timezone.now)
    updated_by = user_reference("修改人")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "外呼结果映射"
        verbose_name_plural = "外呼结果映射"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.get_result_display()
