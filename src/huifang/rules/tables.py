"""The rules app's lists: the catalogue (as the brochure shows it), runs and hits."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from huifang.core.columns import WRAP, CountColumn, DateColumn, DateTimeColumn, UserColumn
from huifang.rules import evidence, ruletypes
from huifang.rules.models import Hit, Rule, ScreeningRun


class RuleTable(tables.Table):
    kind = tables.Column(verbose_name="规则类型")
    code = tables.LinkColumn("rules:rule_detail", args=[tables.A("code")], verbose_name="规则编号")
    # A rule nobody has changed since it was seeded (or changed by a command) reads 系统,
    # as its version history does on the rule's page.
    updated_by = UserColumn("updated_by", verbose_name="操作员", system=True)
    updated_at = DateTimeColumn(format="Y-m-d H:i:s", verbose_name="操作时间")
    version = tables.Column(accessor="current_version__number", verbose_name="版本", default="")
    action = tables.Column(empty_values=(), verbose_name="操作", orderable=False)
    description = tables.Column(verbose_name="描述", attrs=WRAP)
    export_exclude = ("action",)
    fixed_columns = ("action",)

    class Meta:
        model = Rule
        fields = [
            "kind",
            "code",
            "name",
            "description",
            "enabled",
            "version",
            "updated_by",
            "updated_at",
        ]
        order_by = "code"
        empty_text = "暂无规则"

    def render_enabled(self, value):
        return "启用" if value else "停用"

    def render_action(self, record):
        return format_html(
            '<a href="{}">修改参数值</a>', reverse("rules:rule_edit", args=[record.code])
        )


class ParamTable(RuleTable):
    params = tables.Column(empty_values=(), verbose_name="当前参数", orderable=False, attrs=WRAP)

    class Meta(RuleTable.Meta):
        fields = ["code", "name", "params", "version", "updated_by", "updated_at"]
        sequence = ("code", "name", "params", "version", "updated_by", "updated_at", "action")

    default_columns = ("code", "name", "params", "version", "updated_by", "updated_at")

    def render_params(self, record):
        return ruletypes.get(record.rule_type).params_text(record.params, sep="：")

    def value_params(self, record):
        return self.render_params(record)


class RunTable(tables.Table):
    id = tables.LinkColumn("rules:run_detail", args=[tables.A("pk")], verbose_name="编号")
    as_of = DateColumn(format="Y-m-d")
    created_by = UserColumn("created_by", verbose_name="筛选人", system=True)  # a plan, a command
    created_at = DateTimeColumn(format="Y-m-d H:i:s")
    frozen_at = DateTimeColumn(format="Y-m-d H:i:s")
    rules = tables.Column(empty_values=(), verbose_name="规则", orderable=False, attrs=WRAP)
    hit_count = CountColumn()

    class Meta:
        model = ScreeningRun
        fields = [
            "id",
            "as_of",
            "status",
            "rules",
            "hit_count",
            "created_by",
            "created_at",
            "frozen_at",
            "note",
        ]
        order_by = "-created_at"
        empty_text = "暂无筛选记录"

    default_columns = (
        "id",
        "as_of",
        "status",
        "rules",
        "hit_count",
        "created_by",
        "created_at",  # 筛选时间: every run has one; 落地时间 only a frozen run
        "frozen_at",
        "note",
    )

    def render_rules(self, record):
        return "、".join(f"{c}({n})" for c, n in sorted(record.counts.items()))


class HitTable(tables.Table):
    """The brochure's columns, plus 筛选理由 and each rule's evidence."""

    date = DateColumn(accessor="run__as_of", format="Y-m-d", verbose_name="日期", orderable=False)
    branch = tables.Column(accessor="branch__name", verbose_name="部门", order_by="branch__path")
    investor_code = tables.Column(
        verbose_name="投资者代码",
        linkify=lambda record: reverse("rules:hit_detail", args=[record.run_id, record.pk]),
    )
    normalized = tables.Column(verbose_name="规范化状态")
    reasons = tables.Column(verbose_name="筛选理由", attrs=WRAP)
    evidence = tables.Column(empty_values=(), verbose_name="依据", orderable=False, attrs=WRAP)

    class Meta:
        model = Hit
        fields = [
            "date",
            "branch",
            "investor_code",
            "name",
            "full_name",
            "customer_type",
            "gender",
            "open_date",
            "birth_date",
            "status",
            "normalized",
            "year_volume",
            "year_loss",
            "reasons",
            "evidence",
        ]
        order_by = "investor_code"
        empty_text = "没有命中的客户"

    # What fits a 1366-px screen; the rest is under 显示列 (and in every export).
    default_columns = ("branch", "investor_code", "name", "customer_type", "reasons", "evidence")

    def __init__(self, *args, run=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.run = run
        self._evidence: dict[int, dict] = {}

    def before_render(self, request):
        """Fetch the evidence of the shown page's hits in one query."""
        from huifang.rules.models import HitReason

        page = getattr(self, "page", None)
        rows = list(page.object_list) if page is not None else []
        ids = [getattr(row, "record", row).customer_id for row in rows]
        for reason in HitReason.objects.filter(run_id=self.run.pk, customer_id__in=ids):
            self._evidence.setdefault(reason.customer_id, {})[reason.rule_code] = reason

    def render_normalized(self, value):
        return "" if value is None else ("已规范" if value else "未规范")

    def render_evidence(self, record):
        types = dict(self.run.run_rules.values_list("code", "rule_type")) if self.run else {}
        parts = []
        for code, reason in sorted(self._evidence.get(record.customer_id, {}).items()):
            text = evidence.summary(
                types.get(code, "custom"), evidence.reason_dict(reason), self.run.as_of
            )
            parts.append(f"{code}：{text}" if text else code)
        return "；".join(parts)
