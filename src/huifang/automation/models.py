"""回访计划: screenings that run themselves on a schedule and become batches.

A :class:`Plan` names the rules (each at its current or a pinned parameter version), the
reference dates it screens as of (每个交易日 / 每月最后一个交易日 / 每年最后一个交易日 / a fixed
date), the business type of its batches, the time of day it runs (Beijing time), and
whether it freezes and creates the batch by itself or stops for an HQ admin's approval.

Each reference date D of a plan runs once: a :class:`PlanRun` row per (plan, D), whose
unique constraint is the claim. Whoever inserts the row runs the occurrence; a second
worker (or a second click) racing for the same D fails on the constraint and does nothing.

自动导入: an :class:`IntakeRun` per file taken from a drop folder (``intake.py``), and
HQ's :class:`IntakeFolder` setting of where a dataset's drop folder is (``intake_folders.py``).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huifang.callbacks.models import Batch, BusinessType
from huifang.core.fields import user_reference
from huifang.core.scoping import RestrictedQuerySet
from huifang.customers.models import ImportRecord
from huifang.rules.models import ScreeningRun


class ReferenceKind(models.TextChoices):
    TRADING_DAY = "trading_day", _("每个交易日")
    MONTH_END = "month_end", _("每月最后一个交易日")
    YEAR_END = "year_end", _("每年最后一个交易日")
    FIXED = "fixed", _("固定日期")


class PlanMode(models.TextChoices):
    AUTO = "auto", _("自动加入回访名单")
    APPROVAL = "approval", _("审核后加入回访名单")


class PlanRunStatus(models.TextChoices):
    RUNNING = "running", _("执行中")
    PENDING = "pending", _("待审核")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class PlanTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("定时")
    MANUAL = "manual", _("手动")


CURRENT = "current"  # a rule entry's version: the rule's current version when the plan runs


class Plan(models.Model):
    """A 回访计划. ``rules`` is a list of ``{"code": "A001", "version": "current" | N}``
    (N: the number of a saved parameter version of that rule, pinned).

    ``active_since`` is the moment from which the schedule counts: the plan's creation, and
    again whenever it is re-enabled or its schedule changes; occurrences whose run time fell
    before it are never run by the schedule (a month-end plan created on the 5th does not
    screen the month that just ended; 执行 can still run any date by hand)."""

    name = models.CharField(_("计划名称"), max_length=100, unique=True)
    rules = models.JSONField(_("回访规则"), default=list)
    reference_kind = models.CharField(_("回访基准日"), max_length=16, choices=ReferenceKind.choices)
    fixed_date = models.DateField(_("固定日期"), null=True, blank=True)
    business_type = models.ForeignKey(
        BusinessType, verbose_name=_("回访业务类型"), on_delete=models.PROTECT, related_name="+"
    )
    run_time = models.TimeField(_("执行时间"), default=datetime.time(20, 0))
    mode = models.CharField(_("执行方式"), max_length=16, choices=PlanMode.choices)
    enabled = models.BooleanField(_("启用"), default=True)
    auto_distribute = models.BooleanField(
        _("自动分配"),
        default=False,
        help_text=_("批次生成后按各营业部的分配方式把任务分给在岗的回访专员"),
    )
    notify = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("通知"), blank=True, related_name="+"
    )
    active_since = models.DateTimeField(_("计划生效时间"), default=timezone.now)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = user_reference(_("创建人"))
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = user_reference(_("操作员"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("回访计划")
        verbose_name_plural = _("回访计划")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reference_kind="fixed") | models.Q(fixed_date__isnull=False),
                name="plan_fixed_kind_has_date",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def schedule_text(self) -> str:
        """The reference date and run time as the pages say it."""
        if self.reference_kind == ReferenceKind.FIXED and self.fixed_date:
            when = f"固定日期 {self.fixed_date:%Y-%m-%d}"
        else:
            when = self.get_reference_kind_display()
        return f"{when} {self.run_time:%H:%M}"

    @property
    def rules_text(self) -> str:
        """``A001（当前版本）、A002（v3）``."""
        parts = []
        for entry in self.rules:
            version = entry.get("version", CURRENT)
            label = "当前版本" if version == CURRENT else f"v{version}"
            parts.append(f"{entry['code']}（{label}）")
        return "、".join(parts)


class PlanRun(models.Model):
    """One occurrence of a plan: its reference date D, how it went, and what it made."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("回访计划"), on_delete=models.PROTECT, related_name="runs"
    )
    occurrence = models.DateField(_("回访基准日"))
    status = models.CharField(
        _("状态"), max_length=16, choices=PlanRunStatus.choices, default=PlanRunStatus.RUNNING
    )
    trigger = models.CharField(
        _("触发方式"), max_length=16, choices=PlanTrigger.choices, default=PlanTrigger.SCHEDULE
    )
    # A preview run (plans that wait for approval) may be cleaned away with its creator's
    # old previews: the row then says so instead of blocking that cleanup.
    screening_run = models.ForeignKey(
        ScreeningRun,
        verbose_name=_("筛选记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    batch = models.ForeignKey(
        Batch,
        verbose_name=_("回访批次"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    error = models.TextField(_("错误信息"), blank=True)
    # 自动分配 of the batch (a plan with auto_distribute): how many tasks went to agents,
    # how many found no agent on duty, or why it did not happen.
    distribution = models.CharField(_("自动分配"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=1)
    runner = models.CharField(max_length=200, blank=True)  # core.liveness mark of the process
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    started_by = user_reference(_("执行人"))
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    approved_by = user_reference(_("审核人"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("回访计划执行")
        verbose_name_plural = _("回访计划执行")
        ordering = ["plan", "-occurrence"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "occurrence"], name="plan_run_once_per_occurrence"
            )
        ]
        indexes = [models.Index(fields=["status", "started_at"], name="plan_run_status")]

    def __str__(self) -> str:
        return f"{self.plan.name} {self.occurrence:%Y-%m-%d}"


# ---------------------------------------------------------------- 自动导入 (drop folders)


class IntakeStatus(models.TextChoices):
    RUNNING = "running", _("导入中")
    APPLIED = "applied", _("已导入")
    REJECTED = "rejected", _("已拒绝")
    FAILED = "failed", _("失败")


class IntakeRun(models.Model):
    """One file taken from a drop folder (``HUIFANG_INTAKE_DIR/<dataset>/``, or the folder set
    on 系统管理 → 导入目录) and imported through the standard data interface: 已导入 and
    moved to ``done/``, or 已拒绝 (invalid rows, nothing written) / 失败 (an error) and moved
    to ``failed/`` with its row report.

    The claim of a file is its rename into the dataset's ``processing/`` folder, which
    only one process can win; this row is written by the winner."""

    dataset = models.CharField(_("数据集"), max_length=16, choices=ImportRecord.Dataset.choices)
    file_name = models.CharField(_("文件名"), max_length=255)
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    size = models.BigIntegerField(_("文件大小"), default=0)
    status = models.CharField(
        _("状态"), max_length=16, choices=IntakeStatus.choices, default=IntakeStatus.RUNNING
    )
    import_record = models.ForeignKey(
        ImportRecord,
        verbose_name=_("导入记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    moved_to = models.CharField(_("移至"), max_length=1000, blank=True)
    report_path = models.CharField(_("错误报告"), max_length=1000, blank=True)
    error = models.TextField(_("说明"), blank=True)
    source = models.CharField(_("来源"), max_length=64, blank=True)  # job:自动导入 / command:intake
    runner = models.CharField(max_length=200, blank=True)  # core.liveness mark of the process
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("自动导入")
        verbose_name_plural = _("自动导入")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["dataset", "-started_at"], name="intake_run_dataset")]

    def __str__(self) -> str:
        return f"自动导入 {self.get_dataset_display()} {self.file_name}"


class IntakeFolder(models.Model):
    """系统管理 → 导入目录: HQ's setting of one dataset's drop folder, which wins over the
    environment's (``HUIFANG_INTAKE_DIR/<dataset>/``); no row, the environment's holds.
    ``path`` is absolute (blank only while not ``enabled``). Read afresh by every pass of
    the intake, so a change counts from the next pass (``intake_folders.effective``)."""

    dataset = models.CharField(
        _("数据集"), max_length=16, choices=ImportRecord.Dataset.choices, unique=True
    )
    path = models.CharField(_("导入目录"), max_length=1000, blank=True)
    enabled = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = user_reference(_("操作员"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入目录")
        verbose_name_plural = _("导入目录")
        ordering = ["dataset"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(enabled=False) | ~models.Q(path=""),
                name="intake_folder_enabled_has_path",
            )
        ]

    def __str__(self) -> str:
        return f"导入目录 {self.get_dataset_display()}"


class NotificationKind(models.TextChoices):
    TASK_ASSIGNED = "task_assigned", _("新分配的回访任务")
    APPOINTMENT = "appointment", _("改约提醒")
    DUE_TOMORROW = "due_tomorrow", _("明日到期")
    OVERDUE = "overdue", _("逾期任务")
    BRANCH_OVERDUE = "branch_overdue", _("本部门逾期任务")
    ABNORMAL_ANSWER = "abnormal_answer", _("问卷异常答案")
    BRANCH_FEEDBACK = "branch_feedback", _("营业部反馈")
    PLAN_PENDING = "plan_pending", _("回访计划待审核")
    PLAN_FAILED = "plan_failed", _("回访计划执行失败")
    PLAN_DONE = "plan_done", _("回访计划已生成批次")
    INTAKE_FAILED = "intake_failed", _("数据导入失败")
    DIGEST = "digest", _("每日汇总")


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A 站内消息 for one person. ``dedupe_key`` names the subject and its occurrence
    (``task:12:2026-01-05T10:00``, ``overdue:2026-01-05``): with the recipient and the kind
    it is unique, so a reminder inserted twice — by two workers, or by two passes — exists
    once. The rows are the record of what was sent; nobody edits them but to mark read."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("类型"), max_length=32, choices=NotificationKind.choices)
    dedupe_key = models.CharField(max_length=200)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "dedupe_key"], name="notification_once"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_latest"),
        ]

    def __str__(self) -> str:
        return self.title
