"""Business types, batches and callback tasks (回访任务) with the merge mechanism.

A customer holds at most one *open* task (未处理/处理中) per business type: a partial unique
index enforces it, so no race between two batch creations can break it. A later batch
that hits the customer again adds its rules to that open task instead (``merge.py``).
Which batches touched a task is kept in :class:`TaskBatch`; which rules it carries, with
the names recorded by the screening run that brought them, in :class:`TaskRule`.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huifang.callbacks.choices import (
    OPEN_STATUSES,
    DeadlineRule,
    DistributionMode,
    LinkKind,
    RecordRequirement,
    TaskStatus,
)
from huifang.core.fields import user_reference
from huifang.core.models import MaintainedList
from huifang.core.scoping import RestrictedQuerySet
from huifang.customers.models import Customer
from huifang.org.models import Branch
from huifang.rules.models import ScreeningRun


class BusinessType(MaintainedList):
    """回访业务类型, maintained by HQ: deadline rule, attempt cap, questionnaire flag."""

    name = models.CharField(_("业务类型名称"), max_length=50, unique=True)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    deadline_rule = models.CharField(
        _("截止日期规则"),
        max_length=32,
        choices=DeadlineRule.choices,
        default=DeadlineRule.TRADING_DAYS,
    )
    deadline_days = models.PositiveSmallIntegerField(
        _("交易日数"),
        default=20,
        help_text=_("截止日期为批次创建后第 N 个交易日；按生日规则时用于无生日或事件已过的客户"),
    )
    event_age = models.PositiveSmallIntegerField(
        _("事件年龄（周岁）"),
        default=70,
        help_text=_("仅“年满指定周岁次月月末”规则使用：客户年满该周岁之日所在月份的下月月末"),
    )
    max_unanswered_attempts = models.PositiveSmallIntegerField(
        _("最多未接通次数"),
        default=3,
        help_text=_("未接通达到该次数后，任务可关闭为“无法联系”"),
    )
    questionnaire_required = models.BooleanField(_("需要问卷"), default=False)
    # 抽样比例: of the customers a batch would give a NEW task, only this share gets one
    # (``merge.py``); 100 = every customer. Merges into open tasks are never sampled.
    sample_percent = models.PositiveSmallIntegerField(
        _("抽样比例（%）"),
        default=100,
        validators=[
            MinValueValidator(1, message=_("抽样比例应在 1–100 之间")),
            MaxValueValidator(100, message=_("抽样比例应在 1–100 之间")),
        ],
        help_text=_("批次新建任务时只抽取该比例的客户（向上取整）；100 表示全部客户"),
    )
    # RecordRequirement values the successful record must have (合规核查 checks them).
    required_record_fields = models.JSONField(
        _("成功记录必填项"),
        default=list,
        blank=True,
        help_text=_("完成任务的成功回访记录必须具备的内容；缺少的会列入合规核查"),
    )

    class Meta(MaintainedList.Meta):
        verbose_name = _("回访业务类型")
        verbose_name_plural = _("回访业务类型")

    @property
    def requirement_labels(self) -> list[str]:
        """成功记录必填项 as their Chinese names, in the dictionary's order."""
        chosen = set(self.required_record_fields or [])
        return [str(label) for value, label in RecordRequirement.choices if value in chosen]

    @property
    def deadline_text(self) -> str:
        if self.deadline_rule == DeadlineRule.BIRTHDAY_MONTH_END:
            return (
                f"年满 {self.event_age} 周岁次月月末"
                f"（无生日或已逾期者：批次创建后 {self.deadline_days} 个交易日）"
            )
        return f"批次创建后 {self.deadline_days} 个交易日"


class Counter(models.Model):
    """Named counters (the batch number). The row's UPDATE serialises batch creations."""

    name = models.CharField(max_length=32, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("编号计数器")
        verbose_name_plural = _("编号计数器")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class Batch(models.Model):
    """A batch (批次): one frozen screening run turned into tasks under one business type."""

    number = models.CharField(_("批次号"), max_length=10, unique=True)
    run = models.ForeignKey(
        ScreeningRun, verbose_name=_("筛选记录"), on_delete=models.PROTECT, related_name="+"
    )
    business_type = models.ForeignKey(
        BusinessType, verbose_name=_("回访业务类型"), on_delete=models.PROTECT, related_name="+"
    )
    as_of = models.DateField(_("回访基准日"))
    hit_count = models.PositiveIntegerField(_("命中客户数"), default=0)
    created_count = models.PositiveIntegerField(_("新建任务数"), default=0)
    merged_count = models.PositiveIntegerField(_("合并任务数"), default=0)
    skipped_count = models.PositiveIntegerField(_("跳过数"), default=0)
    # The business type's 抽样比例 when the batch was made; of ``candidate_count`` customers
    # without an open task of the type, ``sampled_count`` got a new task (merge.py).
    sample_percent = models.PositiveSmallIntegerField(_("抽样比例（%）"), default=100)
    candidate_count = models.PositiveIntegerField(_("新建候选客户数"), default=0)
    sampled_count = models.PositiveIntegerField(_("抽中客户数"), default=0)
    deadline = models.DateField(_("截止日期"), null=True, blank=True)
    # Computed on the provisional calendar of a year HQ had not maintained yet (暂定);
    # recomputed, and cleared, when HQ maintains that year.
    deadline_provisional = models.BooleanField(_("截止日期暂定"), default=False, db_default=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = user_reference(_("创建人"))
    seconds = models.FloatField(_("耗时（秒）"), default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("回访批次")
        verbose_name_plural = _("回访批次")
        ordering = ["-number"]
        constraints = [
            # The same run under the same business type yields one batch: doing it twice
            # creates nothing new, even when two people press the button together.
            models.UniqueConstraint(fields=["run", "business_type"], name="batch_run_type")
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def sample_text(self) -> str:
        """e.g. 抽样 10%：抽取 12 / 118 位客户 (the page, the command, the job, the audit)."""
        return (
            f"抽样 {self.sample_percent}%：抽取 {self.sampled_count} / "
            f"{self.candidate_count} 位客户"
        )


def overdue_q(day: datetime.date | None = None, *, known_open: bool = False) -> Q:
    """The overdue rule as a condition: open (未处理/处理中) with a deadline before ``day``
    (today in Beijing), so a task is overdue from the day after its deadline.

    ``known_open``: the rows are already limited to open tasks in the form that suits their
    index (the home page's counts say "open" as the two statuses, see
    ``callbacks.workbench``); only the deadline is left to test."""
    late = Q(deadline__lt=day or timezone.localdate())
    return late if known_open else Q(open_flag=True) & late


class CallbackTaskQuerySet(RestrictedQuerySet):
    def open(self) -> CallbackTaskQuerySet:
        """未处理 and 处理中 tasks, as one equality on the stored ``open_flag``."""
        return self.filter(open_flag=True)

    def overdue(self, day: datetime.date | None = None) -> CallbackTaskQuerySet:
        """Open tasks whose deadline is before ``day`` (today in Beijing)."""
        return self.filter(overdue_q(day))


class CallbackTask(models.Model):
    """A callback task (回访任务) for one customer under one business type."""

    scope_field = "branch"

    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.PROTECT, related_name="callback_tasks"
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+"
    )
    business_type = models.ForeignKey(
        BusinessType, verbose_name=_("回访业务类型"), on_delete=models.PROTECT, related_name="+"
    )
    batch = models.ForeignKey(
        Batch, verbose_name=_("批次号"), on_delete=models.PROTECT, related_name="tasks"
    )
    batches = models.ManyToManyField(
        Batch, through="TaskBatch", related_name="touched_tasks", verbose_name=_("相关批次")
    )
    rule_codes = models.CharField(_("命中规则"), max_length=400)  # ",A002,A003,"
    reasons = models.TextField(_("筛选理由"))
    status = models.CharField(
        _("处理状态"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.NEW
    )
    # Stored by the database from ``status``: "open" lists become one equality, so an index
    # on (is_open, id) serves them in id order without sorting a million rows.
    open_flag = models.GeneratedField(
        expression=Case(When(status__in=OPEN_STATUSES, then=Value(True)), default=Value(False)),
        output_field=models.BooleanField(),
        db_persist=True,
        verbose_name=_("未完成"),
    )
    deadline = models.DateField(_("截止日期"), null=True, blank=True)
    # See Batch. The database default keeps bulk SQL inserts that do not name it working.
    deadline_provisional = models.BooleanField(_("截止日期暂定"), default=False, db_default=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访专员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callback_tasks",
    )
    assigned_at = models.DateTimeField(_("分配时间"), null=True, blank=True)
    # Filled by the callback records (next step): every attempt, the unanswered ones.
    attempt_count = models.PositiveSmallIntegerField(_("回访次数"), default=0)
    unanswered_count = models.PositiveSmallIntegerField(_("未接通次数"), default=0)
    last_attempt_at = models.DateTimeField(_("最近回访时间"), null=True, blank=True)
    appointment_at = models.DateTimeField(_("改约时间"), null=True, blank=True)
    close_reason = models.CharField(_("关闭原因"), max_length=200, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    objects = CallbackTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("回访任务")
        verbose_name_plural = _("回访任务")
        ordering = ["-id"]
        permissions = [("manage_callbacktask", "可分配、平均分配和取消回访任务")]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "business_type"],
                condition=Q(status__in=OPEN_STATUSES),
                name="task_one_open_per_type",
            )
        ]
        indexes = [
            # (branch, status) first, as the progress counts need; deadline and assignee too,
            # so the home page's open / overdue / unassigned counts read the index alone.
            models.Index(
                fields=["branch", "status", "deadline", "assignee"], name="task_branch_workbench"
            ),
            models.Index(fields=["status", "id"]),
            models.Index(fields=["open_flag", "id"]),
            models.Index(fields=["open_flag", "deadline"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["assignee", "open_flag", "id"]),
            models.Index(fields=["business_type", "status"]),
        ]

    def __str__(self) -> str:
        return f"回访任务 #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def codes(self) -> list[str]:
        return [c for c in self.rule_codes.split(",") if c]

    def is_overdue(self, day: datetime.date | None = None) -> bool:
        """This task under :func:`overdue_q`'s rule, on ``day`` (today in Beijing)."""
        day = day or timezone.localdate()
        return self.is_open and self.deadline is not None and self.deadline < day


class TaskBatch(models.Model):
    """That a batch touched a task: created it, or merged its rules into the open task."""

    scope_field = "task__branch"

    task = models.ForeignKey(CallbackTask, on_delete=models.CASCADE, related_name="links")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="links")
    kind = models.CharField(_("方式"), max_length=8, choices=LinkKind.choices)
    rule_codes = models.CharField(_("本批命中规则"), max_length=400)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("任务批次")
        verbose_name_plural = _("任务批次")
        ordering = ["batch", "task"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "task"], name="taskbatch_batch_task")
        ]
        indexes = [models.Index(fields=["task", "batch"])]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.task_id}"


class TaskRule(models.Model):
    """One rule a task carries, with the name its screening run recorded (筛选理由)."""

    task = models.ForeignKey(CallbackTask, on_delete=models.CASCADE, related_name="rules")
    code = models.CharField(_("规则编号"), max_length=8)
    name = models.CharField(_("规则名称"), max_length=100)
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("任务规则")
        verbose_name_plural = _("任务规则")
        ordering = ["task", "code"]
        constraints = [models.UniqueConstraint(fields=["task", "code"], name="taskrule_task_code")]
        indexes = [models.Index(fields=["code", "task"])]

    def __str__(self) -> str:
        return f"{self.task_id} {self.code}"


class BranchDistribution(models.Model):
    """分配方式 of a branch: how 自动分配 (and a plan's batch) shares the tasks among the
    branch's agents. A branch without a row shares by least load. ``last_agent`` is the
    round-robin cursor: the next share starts with the agent after it."""

    scope_field = "branch"

    branch = models.OneToOneField(
        Branch, verbose_name=_("部门"), on_delete=models.CASCADE, related_name="distribution"
    )
    mode = models.CharField(
        _("分配方式"),
        max_length=16,
        choices=DistributionMode.choices,
        default=DistributionMode.LEAST_LOADED,
    )
    last_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上次轮到"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = user_reference(_("操作员"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("分配方式")
        verbose_name_plural = _("分配方式")
        ordering = ["branch__path"]

    def __str__(self) -> str:
        return f"{self.branch.name}：{self.get_mode_display()}"


class AgentAbsence(models.Model):
    """离岗登记: from ``starts_on`` to ``ends_on`` (both included) the agent is away and
    自动分配 gives them nothing (tasks already theirs stay theirs)."""

    scope_field = "agent__branch"

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访专员"),
        on_delete=models.CASCADE,
        related_name="absences",
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    reason = models.CharField(_("原因"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    created_by = user_reference(_("登记人"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("离岗登记")
        verbose_name_plural = _("离岗登记")
        ordering = ["-starts_on", "agent"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="agentabsence_ends_after_start",
            )
        ]
        indexes = [models.Index(fields=["agent", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.agent} {self.starts_on:%Y-%m-%d}—{self.ends_on:%Y-%m-%d}"

    def covers(self, day: datetime.date) -> bool:
        return self.starts_on <= day <= self.ends_on
