"""Customers and the back office's data about them (the standard data interface).

Sized for the largest futures companies: ~1M customers, ~78M daily rows a year. Money is
exact (``MoneyField``: fen in BIGINT). Monthly aggregates are kept by the daily import so
screening reads ~12 rows per customer instead of ~250 (``docs/performance.md``).
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from huifang.core.fieldcrypt import BlindIndexField, EncryptedTextField
from huifang.core.fields import MoneyField
from huifang.core.scoping import RestrictedQuerySet, has_model_perm
from huifang.customers import choices
from huifang.org.models import Branch

# The white space a rule compares customer text after removing from both ends (docs/rules.md):
# ASCII white space, the ideographic space and the no-break space.
TRIM_CHARS = " \t\n\r\x0b\x0c\u3000\xa0"


def trimmed_sql(expr: str, vendor: str) -> str:
    """*vendor*: the SQL of ``expr`` (text) without :data:`TRIM_CHARS` at either end."""
    function = "BTRIM" if vendor == "postgresql" else "TRIM"
    return f"{function}({expr}, '{TRIM_CHARS}')"


class Trimmed(models.Func):
    """A text column without :data:`TRIM_CHARS` at either end, as the rules compare it
    (``trimmed_sql``): the expression of the indexes that find a text value among many
    customers (A004's income source, A005's occupation) — a rule's SQL is the same text,
    so the database takes the index."""

    arity = 1

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return trimmed_sql(sql, connection.vendor), params


def age_on(birth: datetime.date | None, day: datetime.date) -> int | None:
    """Whole years completed on ``day`` by someone born on ``birth`` (None if unknown).

    Someone born on 29 February completes a year on 1 March in a common year."""
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def risk_label(level: int | None, lowest: bool = False) -> str:
    """风险承受能力 as files and pages write it: ``C3``, ``C1(最低类别)``; "" if unassessed."""
    if level is None:
        return ""
    label = choices.RiskLevel(level).label if level in choices.RiskLevel.values else str(level)
    return f"{label}(最低类别)" if lowest else label


def product_risk_label(level: int | None) -> str:
    """产品风险等级 as written everywhere: ``R1``–``R5``; "" for none."""
    return f"R{level}" if level else ""


class Customer(models.Model):
    """An investor (投资者) with the suitability fields the rules read."""

    scope_field = "branch"

    investor_code = models.CharField(_("投资者代码"), max_length=32, unique=True)
    name = models.CharField(_("投资者名称"), max_length=100)
    full_name = models.CharField(_("投资者全称"), max_length=200, blank=True)
    customer_type = models.CharField(
        _("客户类型"), max_length=16, choices=choices.CustomerType.choices
    )
    gender = models.CharField(_("性别"), max_length=1, choices=choices.Gender.choices, blank=True)
    id_type = models.CharField(
        _("证件类型"), max_length=16, choices=choices.IdType.choices, blank=True
    )
    # Personal data: encrypted at rest, each with a blind index for exact search and for
    # the importers' change detection (core.fieldcrypt).
    id_number = EncryptedTextField(_("证件号码"), max_length=64, blank=True)
    id_number_bidx = BlindIndexField(source="id_number", db_index=True)
    birth_date = models.DateField(_("生日"), null=True, blank=True)
    open_date = models.DateField(_("开户日期"))
    close_date = models.DateField(_("销户日期"), null=True, blank=True)
    status = models.CharField(
        _("客户状态"), max_length=8, choices=choices.Status.choices, default=choices.Status.ACTIVE
    )
    dormant = models.BooleanField(_("休眠"), default=False)
    normalized = models.BooleanField(_("已规范"), null=True, blank=True)
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("部门"),
        on_delete=models.PROTECT,
        related_name="customers",
        db_index=False,  # the (branch, investor_code) index serves
    )
    investor_class = models.CharField(
        _("投资者分类"),
        max_length=16,
        choices=choices.InvestorClass.choices,
        default=choices.InvestorClass.ORDINARY,
    )
    risk_level = models.PositiveSmallIntegerField(
        _("风险承受能力"), choices=choices.RiskLevel.choices, null=True, blank=True
    )
    risk_lowest = models.BooleanField(_("最低类别"), default=False)
    occupation = models.CharField(_("职业"), max_length=100, blank=True)
    income_source = models.CharField(_("收入来源"), max_length=100, blank=True)
    mobile = EncryptedTextField(_("手机号"), max_length=20, blank=True)
    mobile_bidx = BlindIndexField(source="mobile", db_index=True)
    phone = EncryptedTextField(_("联系电话"), max_length=40, blank=True)
    phone_bidx = BlindIndexField(source="phone")
    address = EncryptedTextField(_("联系地址"), max_length=300, blank=True)
    address_bidx = BlindIndexField(source="address")
    email = EncryptedTextField(_("电子邮箱"), max_length=200, blank=True)
    email_bidx = BlindIndexField(source="email", db_index=True)
    broker_codes = models.CharField(_("经纪人编号"), max_length=200, blank=True)
    broker_names = models.CharField(_("经纪人名称"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["investor_code"]
        permissions = [
            ("reveal_sensitive", "可查看完整证件号码和手机号"),
            ("import_data", "可通过标准数据接口导入数据"),
        ]
        indexes = [
            models.Index(fields=["branch", "investor_code"]),
            models.Index(fields=["status", "open_date"]),
            models.Index(fields=["open_date"]),
            models.Index(fields=["birth_date"]),
            models.Index(fields=["customer_type"]),
            models.Index(fields=["risk_level"]),
            models.Index(fields=["occupation"]),
            models.Index(fields=["income_source"]),
            models.Index(Trimmed("occupation"), name="customers_occupation_trimmed"),
            models.Index(Trimmed("income_source"), name="customers_income_trimmed"),
            models.Index(fields=["name"]),
        ]

    def __str__(self) -> str:
        return f"{self.investor_code} {self.name}"

    def age_on(self, day: datetime.date) -> int | None:
        """The customer's age in whole years on ``day`` (None without a birth date)."""
        return age_on(self.birth_date, day)

    @property
    def risk_label(self) -> str:
        """风险承受能力 with the lowest-category flag: ``C1(最低类别)``; "" if unassessed."""
        return risk_label(self.risk_level, self.risk_lowest)


class DailyBalanceQuerySet(RestrictedQuerySet):
    def of_customer(
        self, customer, start: datetime.date | None = None, end: datetime.date | None = None
    ):
        """One customer's rows in ``[start, end]`` (open ends: the table's first/last date).

        The table is keyed ``(trade_date, customer)`` and has no per-customer index (a new
        trading day then appends to the key instead of touching a leaf page per customer,
        see docs/performance.md). One customer's rows are read as one key probe per
        calendar day of the period: ``trade_date IN (…each day…) AND customer_id = …``.
        """
        if start is None or end is None:
            bounds = DailyBalance.objects.aggregate(
                first=models.Min("trade_date"), last=models.Max("trade_date")
            )
            if bounds["first"] is None:
                return self.none()
            start = max(start or bounds["first"], bounds["first"])
            end = min(end or bounds["last"], bounds["last"])
        if end < start:
            return self.none()
        days = [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
        return self.filter(customer=customer, trade_date__in=days)


class DailyBalance(models.Model):
    """客户资金日报: one customer's settlement figures for one trading day."""

    scope_field = "customer__branch"

    # No index of its own: the (trade_date, customer) key serves every read (see
    # ``DailyBalanceQuerySet.of_customer``); customers are never deleted, only closed.
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="daily_rows", db_index=False
    )
    trade_date = models.DateField(_("交易日期"))
    prev_equity = MoneyField(_("上日权益"))
    deposit = MoneyField(_("入金"), default=0)
    withdrawal = MoneyField(_("出金"), default=0)
    close_pnl = MoneyField(_("平仓盈亏"), default=0)
    position_pnl = MoneyField(_("持仓盈亏"), default=0)
    fee = MoneyField(_("手续费"), default=0)
    equity = MoneyField(_("当日权益"))
    volume = models.BigIntegerField(_("成交手数"), default=0)

    objects = DailyBalanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("客户资金日报")
        verbose_name_plural = _("客户资金日报")
        ordering = ["trade_date", "customer_id"]
        constraints = [
            # Date first: a night's import appends ~300k entries at the end of the key
            # instead of one random leaf page per customer of a 78M-row table.
            models.UniqueConstraint(fields=["trade_date", "customer"], name="daily_date_customer")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.trade_date}"


class MonthlyAggregate(models.Model):
    """Per customer and calendar month: the sums screening needs, kept by the daily import.

    ``first_date``/``first_prev_equity`` are the month's first row, which A002 needs as the
    base when a period starts at the month's beginning. Periods that cut a month in two read
    that month's daily rows instead, so answers are exact for any period.
    """

    scope_field = "customer__branch"

    # The (customer, month) key serves per-customer reads; no separate customer index.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField(_("月份"))  # first day of the month
    days = models.PositiveIntegerField(_("交易天数"), default=0)
    volume = models.BigIntegerField(_("成交手数"), default=0)
    pnl = MoneyField(_("盈亏"), default=0)  # Σ(close_pnl + position_pnl − fee)
    fee = MoneyField(_("手续费"), default=0)
    deposit = MoneyField(_("入金"), default=0)
    withdrawal = MoneyField(_("出金"), default=0)
    first_date = models.DateField(_("首个交易日"))
    first_prev_equity = MoneyField(_("首日上日权益"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("月度汇总")
        verbose_name_plural = _("月度汇总")
        constraints = [
            models.UniqueConstraint(fields=["customer", "month"], name="monthly_customer_month")
        ]
        indexes = [models.Index(fields=["month"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m}"


class YearlyAggregate(models.Model):
    """Per customer and calendar year: the sums of its monthly aggregates, kept with them
    (``customers.aggregates``). A period's whole months from January on read one row per
    customer and year instead of one per month (``rules.engine.figures``)."""

    scope_field = "customer__branch"

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    year = models.DateField(_("年份"))  # 1 January
    days = models.PositiveIntegerField(_("交易天数"), default=0)
    volume = models.BigIntegerField(_("成交手数"), default=0)
    pnl = MoneyField(_("盈亏"), default=0)  # Σ(close_pnl + position_pnl − fee)
    deposit = MoneyField(_("入金"), default=0)
    withdrawal = MoneyField(_("出金"), default=0)
    first_date = models.DateField(_("首个交易日"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度汇总")
        verbose_name_plural = _("年度汇总")
        constraints = [
            models.UniqueConstraint(fields=["customer", "year"], name="yearly_customer_year")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.year:%Y}"


class ProductHolding(models.Model):
    """A high-risk product bought or service granted (高风险产品或服务)."""

    scope_field = "customer__branch"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="products")
    business_date = models.DateField(_("业务日期"))
    product_code = models.CharField(_("产品代码"), max_length=64)
    product_name = models.CharField(_("产品名称"), max_length=200)
    category = models.CharField(
        _("产品类别"), max_length=16, choices=choices.ProductCategory.choices, blank=True
    )
    product_risk = models.PositiveSmallIntegerField(
        _("风险等级"), choices=choices.ProductRisk.choices
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("高风险产品或服务")
        verbose_name_plural = _("高风险产品或服务")
        ordering = ["customer", "business_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "product_code", "business_date"], name="product_natural_key"
            )
        ]
        indexes = [models.Index(fields=["business_date", "product_risk"])]

    def __str__(self) -> str:
        return f"{self.product_code} {self.product_name}"


class ImportRecordQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view"):
        """Head-office users (a root branch) see every import; others their own and those
        made by users of their subtree."""
        if not has_model_perm(user, self.model, action):
            return self.none()
        branch = getattr(user, "branch", None)
        if user.is_superuser or (branch is not None and branch.parent_id is None):
            return self.all()
        if branch is None:
            return self.filter(user=user)
        return self.filter(models.Q(user=user) | models.Q(branch__path__startswith=branch.path))


class ImportRecord(models.Model):
    """One run of the standard data interface: what came in, from whom, and what it did."""

    class Dataset(models.TextChoices):
        BRANCHES = "branches", _("部门")
        CUSTOMERS = "customers", _("客户")
        DAILY = "daily", _("客户资金日报")
        PRODUCTS = "products", _("高风险产品或服务")

    class Status(models.TextChoices):
        RUNNING = "running", _("导入中")
        APPLIED = "applied", _("已导入")
        PARTIAL = "partial", _("部分导入")
        REJECTED = "rejected", _("已拒绝")
        FAILED = "failed", _("失败")

    scope_field = "branch"

    dataset = models.CharField(_("数据集"), max_length=16, choices=Dataset.choices)
    source = models.CharField(_("来源"), max_length=64, blank=True)
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    file_path = models.CharField(_("保存的文件"), max_length=400, blank=True)
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    user = models.ForeignKey(
        "org.User",
        verbose_name=_("导入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("导入人部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    job = models.ForeignKey(
        "core.Job",
        verbose_name=_("后台任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    skip_invalid = models.BooleanField(_("跳过无效行"), default=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.RUNNING, db_index=True
    )
    # The process running it (core.liveness.mark): an import whose process died is failed.
    runner = models.CharField(_("执行进程"), max_length=120, blank=True, editable=False)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变"), default=0)
    rejected = models.PositiveIntegerField(_("拒绝"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    errors = models.JSONField(_("错误明细"), default=list, blank=True)  # first rows only
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    report_file = models.CharField(_("错误报告"), max_length=400, blank=True)
    message = models.TextField(_("说明"), blank=True)

    objects = ImportRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"导入 #{self.pk} {self.get_dataset_display()} {self.file_name}".strip()
