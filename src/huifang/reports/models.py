"""管理措施: the register of measures taken on risk customers, and its type dictionary.

A measure is scoped by its ``branch`` (the customer's branch when it was created). It may
point at what prompted it: a task, a callback record, a branch follow-up (反馈营业部) or a
compliance finding (``finding``: the check's name and the finding's key, see
``reports.compliance``). An open 限制开仓 / 限制出金 / 重新适当性评估 measure puts its
customer on the restriction list (``reports.restrictions``).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records.models import BranchFeedback, CallbackRecord
from huifang.core.fields import user_reference
from huifang.core.models import MaintainedList
from huifang.core.scoping import RestrictedQuerySet
from huifang.customers.models import Customer
from huifang.org.models import Branch
from huifang.reports.choices import OPEN_MEASURE_STATUSES, MeasureStatus


class MeasureType(MaintainedList):
    """措施类型, maintained by HQ (seeded: 风险提示, 面谈, 限制开仓 …)."""

    name = models.CharField(_("措施类型"), max_length=50, unique=True)

    class Meta(MaintainedList.Meta):
        verbose_name = _("措施类型")
        verbose_name_plural = _("措施类型")


class MeasureQuerySet(RestrictedQuerySet):
    def open(self) -> MeasureQuerySet:
        return self.filter(status__in=OPEN_MEASURE_STATUSES)

    def overdue(self, day: datetime.date | None = None) -> MeasureQuerySet:
        """Open measures whose due date is before ``day`` (today in Beijing)."""
        return self.filter(measure_overdue_q(day))


def measure_overdue_q(day: datetime.date | None = None) -> models.Q:
    return models.Q(status__in=OPEN_MEASURE_STATUSES, due_date__lt=day or timezone.localdate())


class Measure(models.Model):
    """One management measure (管理措施) on a customer."""

    scope_field = "branch"

    measure_type = models.ForeignKey(
        MeasureType, verbose_name=_("措施类型"), on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.PROTECT, related_name="measures"
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("措施原因"))
    task = models.ForeignKey(
        CallbackTask,
        verbose_name=_("来源任务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    record = models.ForeignKey(
        CallbackRecord,
        verbose_name=_("来源回访记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    feedback = models.ForeignKey(
        BranchFeedback,
        verbose_name=_("来源营业部反馈"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    finding = models.CharField(_("来源合规核查"), max_length=200, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_date = models.DateField(_("完成期限"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=MeasureStatus.choices, default=MeasureStatus.PENDING
    )
    result = models.TextField(_("执行结果"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = user_reference(_("创建人"))
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)
    updated_by = user_reference(_("修改人"))

    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = _("管理措施")
        verbose_name_plural = _("管理措施")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["branch", "status"], name="measure_branch_status"),
            models.Index(fields=["customer", "status"], name="measure_customer_status"),
            models.Index(fields=["status", "due_date"], name="measure_status_due"),
        ]
        # 证据包 (``reports.evidence``): generating one is its own right, held by HQ, the
        # auditors and branch managers (for their branches' rows).
        permissions = [("generate_evidence", "可生成证据包")]

    def __str__(self) -> str:
        return f"管理措施 #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_MEASURE_STATUSES

    def is_overdue(self, day: datetime.date | None = None) -> bool:
        day = day or timezone.localdate()
        return self.is_open and self.due_date is not None and self.due_date < day


class MeasureAttachment(models.Model):
    """A file kept with a measure (a signed 风险提示书, an interview note …) under
    MEDIA_ROOT/measures/, with its SHA-256 so it can be proven unchanged."""

    scope_field = "measure__branch"

    measure = models.ForeignKey(
        Measure, verbose_name=_("管理措施"), on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(_("文件"), upload_to="measures/%Y/%m/", max_length=300)
    name = models.CharField(_("名称"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("大小（字节）"), null=True, blank=True)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    created_by = user_reference(_("上传人"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("管理措施附件")
        verbose_name_plural = _("管理措施附件")
        ordering = ["measure", "id"]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------- tallies (汇总统计's counters)


class TaskTally(models.Model):
    """How many tasks (or task↔batch links, task↔rule links, batch links × rules, closed
    tasks' batch links: by ``kind``) share one key.

    Written only by database triggers (``reports.tallies``), in the transaction of every
    change to the tasks, their links, their rules and their records; Django never writes it
    (unmanaged: no flush, no serialization). Rows whose ``n`` has fallen to 0 stay."""

    TASK, BATCH, RULE, BATCH_RULE, CLOSED = 0, 1, 2, 3, 4
    scope_field = "branch"

    kind = models.SmallIntegerField()
    batch_id = models.BigIntegerField()  # kinds BATCH, BATCH_RULE, CLOSED: the batch; else 0
    rule = models.CharField(max_length=8)  # kinds RULE, BATCH_RULE: the rule code; else ""
    branch = models.ForeignKey(
        Branch, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    business_type_id = models.BigIntegerField()
    status = models.CharField(max_length=16)
    deadline = models.DateField()  # NO_DEADLINE when the task has none
    created_day = models.DateField()  # the Beijing day of 创建时间
    attempted = models.SmallIntegerField()  # 1: the task has a record
    succeeded = models.SmallIntegerField()  # 1: the task has a 成功 record
    # kind CLOSED: the Beijing day of 关闭时间 (its status, deadline and flags are left
    # out: "", NO_DEADLINE, 0); else NO_DEADLINE
    closed_day = models.DateField()
    n = models.BigIntegerField()

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        managed = False
        db_table = "reports_tasktally"
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "kind",
                    "batch_id",
                    "rule",
                    "branch",
                    "business_type_id",
                    "status",
                    "deadline",
                    "created_day",
                    "attempted",
                    "succeeded",
                    "closed_day",
                ],
                name="tasktally_key",
            )
        ]

    def __str__(self) -> str:
        return f"任务计数 {self.kind} {self.branch_id} {self.status}: {self.n}"


class RecordTally(models.Model):
    """How many callback records share one key (see :class:`TaskTally`): ``batch_id`` 0
    counts every record, a batch's id the records of the tasks linked to it."""

    scope_field = "branch"

    batch_id = models.BigIntegerField()
    branch = models.ForeignKey(
        Branch, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    business_type_id = models.BigIntegerField()
    agent_id = models.BigIntegerField()  # 0: no agent
    method = models.CharField(max_length=16)
    status = models.CharField(max_length=8)
    failure_reason_id = models.BigIntegerField()  # 0: none
    called_day = models.DateField()  # the Beijing day of 回访时间
    n = models.BigIntegerField()

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        managed = False
        db_table = "reports_recordtally"
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "batch_id",
                    "branch",
                    "business_type_id",
                    "agent_id",
                    "method",
                    "status",
                    "failure_reason_id",
                    "called_day",
                ],
                name="recordtally_key",
            )
        ]

    def __str__(self) -> str:
        return f"记录计数 {self.branch_id} {self.called_day}: {self.n}"
