"""The custom rule type (自定义规则, codes B001, B002, …): conditions built by HQ."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huifang.org.models import Branch
from huifang.rules import conditions
from huifang.rules import params as P
from huifang.rules.engine.figures import base_expr, period_figures
from huifang.rules.engine.rulesql import (
    COLUMNS,
    CUSTOMERS,
    PRODUCTS,
    Context,
    RuleSpec,
    eligible,
    select_list,
    trim,
)
from huifang.rules.ruletypes.base import RuleType
from huifang.rules.ruletypes.builtin import period_words

BRANCHES = Branch._meta.db_table


class Custom(RuleType):
    """Conditions on customer fields and period figures (``rules.conditions``)."""

    name = "custom"
    label = _("自定义条件")
    params = (*P.PERIOD, P.ParamSpec("conditions", "条件", "conditions", None))
    evidence = (
        ("ev_date", "出生日期"),
        ("age", "年龄"),
        ("text_value", "客户字段"),
        ("loss", "期间亏损金额"),
        ("base", "基数"),
        ("ratio", "亏损比例"),
        ("volume", "期间成交手数"),
        ("days", "交易天数"),
        ("deposit", "入金"),
        ("withdrawal", "出金"),
        ("max_risk", "最高产品风险等级"),
    )

    def check(self, params: dict, errors: dict[str, list[str]]) -> None:
        super().check(params, errors)
        if not params.get("conditions"):
            errors.setdefault("conditions", []).append("条件：至少需要一个条件")

    def meaning(self, p: dict) -> str:
        return (
            f"满足条件：{conditions.describe_conditions(p.get('conditions'))}。"
            f"期间指标按{period_words(p)}计算。"
        )

    def figures_period(self, ctx: Context, spec: RuleSpec):
        tree = spec.params.get("conditions")
        if tree and conditions.uses_figures(tree) - {"max_product_risk"}:
            return P.resolve_period(spec.params, ctx.as_of)
        return None

    def sql(self, ctx: Context, spec: RuleSpec) -> tuple[str, list]:
        tree = spec.params.get("conditions")
        if not tree:
            return f"SELECT {', '.join(f'CAST(NULL AS {t})' for _, t in COLUMNS)} WHERE 1 = 0", []
        needs = conditions.uses_figures(tree)
        start, end = P.resolve_period(spec.params, ctx.as_of)
        params: list = []
        values = {"customer_id": "c.id", "branch_id": "c.branch_id"}
        joins, join_params = "", []
        if needs - {"max_product_risk"}:
            fig_sql, fig_params = period_figures(ctx, start, end)
            base = base_expr("g") if "loss_ratio" in needs else "CAST(NULL AS BIGINT)"
            joins += (
                f" LEFT JOIN (SELECT g.*, {base} AS base FROM ({fig_sql}) g) f"
                " ON f.customer_id = c.id"
            )
            join_params += fig_params
            values.update(
                loss="(0 - f.pnl)",
                volume="f.volume",
                days="f.days",
                deposit="f.deposit",
                withdrawal="f.withdrawal",
            )
            if "loss_ratio" in needs:
                values["base"] = "f.base"
        if "max_product_risk" in needs:
            joins += (
                f" LEFT JOIN (SELECT customer_id, MAX(product_risk) AS max_risk FROM {PRODUCTS} "
                "WHERE business_date >= %s AND business_date <= %s GROUP BY customer_id) pr "
                "ON pr.customer_id = c.id"
            )
            join_params += [start, end]
            values["max_risk"] = "pr.max_risk"
        # Evidence of the customer fields the conditions read, as A003/A005 keep theirs.
        fields = conditions.uses_customer_fields(tree)
        if "age" in fields:
            values["ev_date"] = "c.birth_date"
        text_sql, text_params = conditions.customer_evidence_sql(fields, trim, BRANCHES)
        if text_sql:
            values["text_value"] = text_sql
        cols = select_list(values, params, spec.code)
        params += text_params  # the only parameters in the select list after rule_code's
        params += join_params
        where = eligible(ctx, spec, params)
        compiler = conditions.Compiler(ctx.as_of, trim)
        cond = compiler.compile(tree)
        params += compiler.params
        return f"SELECT {cols} FROM {CUSTOMERS} c{joins} WHERE {where} AND {cond}", params
