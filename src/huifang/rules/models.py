"""Callback rules with versioned parameters, and screening runs with their hits.

A rule's parameters are never edited in place: every save stores a new
:class:`RuleVersion` (operator and time), and a :class:`ScreeningRun` points at the exact
versions it used, so an old run can be re-explained after the parameters changed.
A frozen run and its hits are immutable; a rule used by a run cannot be deleted.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huifang.core.fields import MoneyField, user_reference
from huifang.core.scoping import RestrictedQuerySet
from huifang.customers import choices
from huifang.customers.models import Customer
from huifang.org.models import Branch
from huifang.rules import ruletypes


class RuleKind(models.TextChoices):
    BUILTIN = "builtin", _("内置规则")
    CUSTOM = "custom", _("自定义规则")


# The choices of ``rule_type``: one member per registered rule type (``rules.ruletypes``),
# e.g. ``RuleType.CUSTOM == "custom"``.
RuleType = models.TextChoices(
    "RuleType", [(t.name.upper(), (t.name, t.label)) for t in ruletypes.REGISTRY.values()]
)


class Rule(models.Model):
    """A callback rule (回访规则): code, name, type and its current parameter version."""

    code = models.CharField(_("规则编号"), max_length=8, unique=True)
    name = models.CharField(_("规则名称"), max_length=100)
    description = models.CharField(_("描述"), max_length=300, blank=True)
    kind = models.CharField(_("规则类型"), max_length=16, choices=RuleKind.choices)
    rule_type = models.CharField(_("规则种类"), max_length=32, choices=RuleType.choices)
    enabled = models.BooleanField(_("启用"), default=True)
    current_version = models.ForeignKey(
        "RuleVersion",
        verbose_name=_("当前版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("操作时间"), default=timezone.now)
    updated_by = user_reference(_("操作员"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("回访规则")
        verbose_name_plural = _("回访规则")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def params(self) -> dict:
        return dict(self.current_version.params) if self.current_version else {}

    def delete(self, *args, **kwargs):
        if RunRule.objects.filter(version__rule=self).exists():
            raise ValidationError("该规则已被筛选使用，不能删除，只能停用")
        return super().delete(*args, **kwargs)


class RuleVersion(models.Model):
    """One saved set of parameters of a rule (规则版本), with operator and time."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    name = models.CharField(_("规则名称"), max_length=100)
    params = models.JSONField(_("参数"), default=dict)
    note = models.CharField(_("修改说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("操作时间"), default=timezone.now)
    created_by = user_reference(_("操作员"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("规则版本")
        verbose_name_plural = _("规则版本")
        ordering = ["rule__code", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="rule_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.rule.code} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("规则版本保存后不能修改，请保存为新版本")
        super().save(*args, **kwargs)


class RunStatus(models.TextChoices):
    PREVIEW = "preview", _("预览")
    FROZEN = "frozen", _("已落地")
    # The "current parameters" side of 与当前参数对比: scratch hits for the comparison page,
    # not a screening of record (not listed, never frozen, replaced by the next ones).
    WHATIF = "whatif", _("对比试算")


class ScreeningRun(models.Model):
    """One screening (筛选): reference date, filters, the exact rule versions, the hits.

    A preview run already holds its hits (so pages can page, filter and export them);
    freezing (数据落地) makes it permanent and immutable. A run frozen while D was after
    today or after the newest daily data carries ``incomplete_confirmed`` (who and when:
    ``frozen_by``/``frozen_at`` and the audit row); ``data_through`` is the newest
    daily-data date when it was frozen.
    """

    as_of = models.DateField(_("回访基准日"))
    status = models.CharField(
        _("状态"), max_length=16, choices=RunStatus.choices, default=RunStatus.PREVIEW
    )
    customer_types = models.JSONField(_("客户类型"), default=list, blank=True)
    branch_codes = models.JSONField(_("部门"), default=list, blank=True)
    exclude_dormant = models.BooleanField(_("排除休眠客户"), default=False)
    overrides = models.JSONField(_("临时参数"), default=dict, blank=True)
    use_aggregates = models.BooleanField(_("使用月度汇总"), default=True)
    counts = models.JSONField(_("各规则命中数"), default=dict, blank=True)
    hit_count = models.PositiveIntegerField(_("命中客户数"), default=0)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("筛选时间"), default=timezone.now)
    created_by = user_reference(_("筛选人"))
    frozen_at = models.DateTimeField(_("落地时间"), null=True, blank=True)
    frozen_by = user_reference(_("落地人"))
    data_through = models.DateField(_("落地时最新日报日期"), null=True, blank=True)
    incomplete_confirmed = models.BooleanField(_("确认按不完整数据落地"), default=False)
    versions = models.ManyToManyField(RuleVersion, through="RunRule", related_name="runs")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("筛选记录")
        verbose_name_plural = _("筛选记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"筛选 #{self.pk}（{self.as_of:%Y-%m-%d}）"

    def save(self, *args, **kwargs):
        if self._stored_status() == RunStatus.FROZEN:
            raise ValidationError("已落地的筛选不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_status() == RunStatus.FROZEN:
            raise ValidationError("已落地的筛选不能删除")
        return super().delete(*args, **kwargs)

    @property
    def is_frozen(self) -> bool:
        return self.status == RunStatus.FROZEN

    @property
    def is_whatif(self) -> bool:
        return self.status == RunStatus.WHATIF

    def _stored_status(self) -> str | None:
        if self.pk is None:
            return None
        return type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()


class RunRule(models.Model):
    """Which version of which rule a run used, and its effective parameters (with the
    run's one-off overrides applied)."""

    run = models.ForeignKey(ScreeningRun, on_delete=models.CASCADE, related_name="run_rules")
    version = models.ForeignKey(RuleVersion, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("规则编号"), max_length=8)
    name = models.CharField(_("规则名称"), max_length=100)
    rule_type = models.CharField(_("规则种类"), max_length=32, choices=RuleType.choices)
    params = models.JSONField(_("生效参数"), default=dict)
    hit_count = models.PositiveIntegerField(_("命中数"), default=0)

    class Meta:
        verbose_name = _("筛选所用规则")
        verbose_name_plural = _("筛选所用规则")
        ordering = ["run", "code"]
        constraints = [models.UniqueConstraint(fields=["run", "code"], name="run_rule_code")]

    def __str__(self) -> str:
        return f"{self.run_id} {self.code}"


class FrozenGuardQuerySet(RestrictedQuerySet):
    """Bulk writes on hits of a frozen run are refused, like single saves."""

    def _touches_frozen(self) -> bool:
        return self.filter(run__status=RunStatus.FROZEN).exists()

    def update(self, **kwargs):
        if self._touches_frozen():
            raise ValidationError("已落地的筛选结果不能修改")
        return super().update(**kwargs)

    def delete(self):
        if self._touches_frozen():
            raise ValidationError("已落地的筛选结果不能删除")
        return super().delete()


class Hit(models.Model):
    """One customer hit by a run (筛选结果): the brochure's columns as of the run, the
    merged screening reason (筛选理由) and the codes of the rules hit.

    Customer columns are a snapshot taken when the run was computed, so a frozen run shows
    what the screening saw even after the customer's data changed.
    """

    scope_field = "branch"

    run = models.ForeignKey(ScreeningRun, on_delete=models.CASCADE, related_name="hits")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(Branch, verbose_name=_("部门"), on_delete=models.PROTECT)
    investor_code = models.CharField(_("投资者代码"), max_length=32)
    name = models.CharField(_("投资者名称"), max_length=100)
    full_name = models.CharField(_("投资者全称"), max_length=200, blank=True)
    customer_type = models.CharField(
        _("客户类型"), max_length=16, choices=choices.CustomerType.choices
    )
    gender = models.CharField(_("性别"), max_length=1, choices=choices.Gender.choices, blank=True)
    open_date = models.DateField(_("开户日期"))
    birth_date = models.DateField(_("生日"), null=True, blank=True)
    status = models.CharField(_("客户状态"), max_length=8, choices=choices.Status.choices)
    normalized = models.BooleanField(_("规范化状态"), null=True, blank=True)
    dormant = models.BooleanField(_("休眠"), default=False)
    investor_class = models.CharField(
        _("投资者分类"), max_length=16, choices=choices.InvestorClass.choices, blank=True
    )
    risk_level = models.PositiveSmallIntegerField(
        _("风险承受能力"), choices=choices.RiskLevel.choices, null=True, blank=True
    )
    year_volume = models.BigIntegerField(_("本年度成交手数"), default=0)
    year_loss = MoneyField(_("亏损金额"), default=0)
    rule_codes = models.CharField(_("命中规则"), max_length=400)  # ",A002,A003,"
    reasons = models.TextField(_("筛选理由"))

    objects = FrozenGuardQuerySet.as_manager()

    class Meta:
        verbose_name = _("筛选结果")
        verbose_name_plural = _("筛选结果")
        ordering = ["run", "investor_code"]
        constraints = [models.UniqueConstraint(fields=["run", "customer"], name="hit_run_customer")]
        indexes = [
            models.Index(fields=["run", "investor_code"]),
            models.Index(fields=["run", "branch"]),
        ]

    def __str__(self) -> str:
        return f"{self.investor_code} {self.name}"

    def save(self, *args, **kwargs):
        if self._frozen():
            raise ValidationError("已落地的筛选结果不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._frozen():
            raise ValidationError("已落地的筛选结果不能删除")
        return super().delete(*args, **kwargs)

    @property
    def codes(self) -> list[str]:
        return [c for c in self.rule_codes.split(",") if c]

    def _frozen(self) -> bool:
        return ScreeningRun.objects.filter(pk=self.run_id, status=RunStatus.FROZEN).exists()


class HitReason(models.Model):
    """One rule's hit of one customer in a run, with that rule's evidence (依据).

    Evidence columns are typed and exact (fen for money); which ones a rule fills is
    declared by its rule type (``RuleType.evidence`` in ``rules.ruletypes``).
    """

    scope_field = "branch"

    run = models.ForeignKey(ScreeningRun, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    rule_code = models.CharField(_("规则编号"), max_length=8)
    ev_date = models.DateField(_("日期依据"), null=True, blank=True)
    loss = MoneyField(_("亏损金额"), null=True, blank=True)
    base = MoneyField(_("基数"), null=True, blank=True)
    volume = models.BigIntegerField(_("成交手数"), null=True, blank=True)
    days = models.IntegerField(_("交易天数"), null=True, blank=True)
    deposit = MoneyField(_("入金"), null=True, blank=True)
    withdrawal = MoneyField(_("出金"), null=True, blank=True)
    text_value = models.CharField(_("取值"), max_length=200, blank=True, null=True)
    max_risk = models.PositiveSmallIntegerField(_("最高风险等级"), null=True, blank=True)
    products = models.TextField(_("产品"), blank=True, null=True)

    objects = FrozenGuardQuerySet.as_manager()

    class Meta:
        verbose_name = _("命中依据")
        verbose_name_plural = _("命中依据")
        ordering = ["run", "customer", "rule_code"]
        indexes = [
            models.Index(fields=["run", "customer"]),
            models.Index(fields=["run", "rule_code"]),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} {self.customer_id} {self.rule_code}"
