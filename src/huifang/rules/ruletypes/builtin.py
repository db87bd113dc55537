"""The built-in rule types behind A001–A006 (``docs/rules.md``, exact semantics)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from huifang.core.fields import to_cents
from huifang.rules import conditions
from huifang.rules import params as P
from huifang.rules.engine.figures import base_expr, period_figures
from huifang.rules.engine.rulesql import (
    COLUMN_NAMES,
    CUSTOMERS,
    PRODUCTS,
    Context,
    RuleSpec,
    agg_products,
    eligible,
    ids_in_part,
    in_list,
    ordered_products,
    select_list,
    trim,
    trim_text,
    unindexed,
)
from huifang.rules.ruletypes.base import RuleType


def period_words(p: dict) -> str:
    start, end = p.get("period_start"), p.get("period_end")
    left = start or "基准日所在年度的1月1日"
    right = end or "基准日"
    return f"统计期间 {left} 至 {right}（两端均含）"


class NewAccount(RuleType):
    """A001 新开户客户: opened within the period."""

    name = "new_account"
    label = _("新开户")
    params = (*P.PERIOD,)
    evidence = (("ev_date", "开户日期"),)

    def meaning(self, p: dict) -> str:
        return f"开户日期落在{period_words(p)}内的客户。依据：开户日期。"

    def sql(self, ctx: Context, spec: RuleSpec) -> tuple[str, list]:
        start, end = P.resolve_period(spec.params, ctx.as_of)
        params: list = []
        cols = select_list(
            {"customer_id": "c.id", "branch_id": "c.branch_id", "ev_date": "c.open_date"},
            params,
            spec.code,
        )
        where = eligible(ctx, spec, params)
        params += [start, end]
        return (
            f"SELECT {cols} FROM {CUSTOMERS} c WHERE {where} "
            "AND c.open_date >= %s AND c.open_date <= %s",
            params,
        )


class LargeLoss(RuleType):
    """A002 大额亏损客户: loss over the period at least an amount and a share of the base."""

    name = "large_loss"
    label = _("大额亏损")
    params = (
        *P.PERIOD,
        P.ParamSpec("min_loss_amount", "亏损金额不低于", "money", "100000.00"),
        P.ParamSpec("min_loss_ratio", "亏损比例不低于", "ratio", "0.50", "0 表示不看比例"),
    )
    evidence = (
        ("loss", "亏损金额"),
        ("base", "基数"),
        ("ratio", "亏损比例"),
        ("volume", "成交手数"),
    )

    def meaning(self, p: dict) -> str:
        ratio = Decimal(p["min_loss_ratio"])
        ratio_words = (
            "不看亏损比例"
            if ratio == 0
            else f"且 基数 > 0、亏损 ÷ 基数 ≥ {P.format_ratio(ratio)}（精确比较，不四舍五入）"
        )
        return (
            f"按{period_words(p)}内的客户资金日报计算：盈亏 = Σ(平仓盈亏 + 持仓盈亏 − 手续费)，"
            "亏损 = −盈亏；基数 = 期间内第一条日报的上日权益 + Σ入金。"
            f"亏损 > 0 且 亏损 ≥ {P.format_money(p['min_loss_amount'])} 元，{ratio_words}时命中。"
            "期间内没有日报的客户没有亏损。依据：亏损金额、基数、亏损比例、成交手数。"
        )

    def figures_period(self, ctx: Context, spec: RuleSpec):
        return P.resolve_period(spec.params, ctx.as_of)

    def sql(self, ctx: Context, spec: RuleSpec) -> tuple[str, list]:
        start, end = P.resolve_period(spec.params, ctx.as_of)
        min_loss = to_cents(Decimal(spec.params.get("min_loss_amount", "0")))
        num, den = Decimal(spec.params.get("min_loss_ratio", "0")).as_integer_ratio()
        fig_sql, fig_params = period_figures(ctx, start, end)
        params: list = []
        cols = select_list(
            {
                "customer_id": "c.id",
                "branch_id": "c.branch_id",
                "loss": "(0 - f.pnl)",
                "base": base_expr("f"),
                "volume": "f.volume",
            },
            params,
            spec.code,
        )
        params += fig_params
        where = eligible(ctx, spec, params)
        params += [0, min_loss]
        inner = (
            f"SELECT {cols} FROM ({fig_sql}) f JOIN {CUSTOMERS} c ON c.id = f.customer_id "
            f"WHERE {where} AND (0 - f.pnl) > %s AND (0 - f.pnl) >= %s"
        )
        if num == 0:
            return inner, params
        names = ", ".join(COLUMN_NAMES)
        params += [0, den, num]
        return (
            f"SELECT {names} FROM ({inner}) x WHERE x.base > %s AND x.loss * %s >= %s * x.base",
            params,
        )


class Elderly(RuleType):
    """A003 老年交易者: a natural person of at least ``min_age`` on D."""

    name = "elderly"
    label = _("老年交易者")
    params = (
        P.ParamSpec("min_age", "年龄不低于（周岁）", "age", 70, "含本数：年满即命中"),
        P.ParamSpec(
            "require_trade_in_period", "要求统计期间内有成交", "bool", False, "成交手数 > 0"
        ),
        *P.PERIOD,
    )
    evidence = (("ev_date", "出生日期"), ("age", "年龄"), ("volume", "期间成交手数"))

    def meaning(self, p: dict) -> str:
        trade = (
            f"，并且{period_words(p)}内成交手数合计 > 0" if p.get("require_trade_in_period") else ""
        )
        return (
            f"自然人客户，出生日期已知，且在 D 当天已满 {p['min_age']} 周岁（含本数；"
            f"2月29日出生者在平年于3月1日满岁）{trade}。依据：出生日期、年龄。"
        )

    def figures_period(self, ctx: Context, spec: RuleSpec):
        if spec.params.get("require_trade_in_period"):
            return P.resolve_period(spec.params, ctx.as_of)
        return None

    def sql(self, ctx: Context, spec: RuleSpec) -> tuple[str, list]:
        cutoff = conditions.age_cutoff(ctx.as_of, int(spec.params.get("min_age", 70)))
        params: list = []
        values = {"customer_id": "c.id", "branch_id": "c.branch_id", "ev_date": "c.birth_date"}
        join = ""
        if spec.params.get("require_trade_in_period"):
            start, end = P.resolve_period(spec.params, ctx.as_of)
            fig_sql, fig_params = period_figures(ctx, start, end)
            values["volume"] = "f.volume"
            cols = select_list(values, params, spec.code)
            params += fig_params
            params.append(0)
            join = f" JOIN ({fig_sql}) f ON f.customer_id = c.id AND f.volume > %s"
        else:
            cols = select_list(values, params, spec.code)
        where = eligible(ctx, spec, params)
        params += ["natural", cutoff]
        return (
            f"SELECT {cols} FROM {CUSTOMERS} c{join} WHERE {where} "
            f"AND {unindexed('c.customer_type')} = %s "
            "AND c.birth_date IS NOT NULL AND c.birth_date <= %s",
            params,
        )


class TextValueRule(RuleType):
    """A natural person whose customer text ``column`` (trimmed) is one of ``values``."""

    column: str = ""

    def meaning(self, p: dict) -> str:
        return (
            f"自然人客户，{self.label}（去掉首尾空白后）为以下之一：{'、'.join(p['values'])}。"
            f"依据：{self.label}。"
        )

    def sql(self, ctx: Context, spec: RuleSpec) -> tuple[str, list]:
        values = [trim_text(v) for v in spec.params.get("values") or []]
        params: list = []
        expr = trim(f"c.{self.column}")
        cols = select_list(
            {"customer_id": "c.id", "branch_id": "c.branch_id", "text_value": expr},
            params,
            spec.code,
        )
        where = eligible(ctx, spec, params)
        params.append("natural")
        cond = in_list(expr, values, params)
        return (
            f"SELECT {cols} FROM {CUSTOMERS} c WHERE {where} AND c.customer_type = %s AND {cond}",
            params,
        )


class IncomeSource(TextValueRule):
    """A004: income source is one of the values."""

    name = "income_source"
    label = _("收入来源")
    column = "income_source"
    params = (
        P.ParamSpec("values", "收入来源", "values", ["依靠积蓄并有社会保障"], "", "income_source"),
    )
    evidence = (("text_value", "收入来源"),)


class Occupation(TextValueRule):
    """A005: occupation is one of the values."""

    name = "occupation"
    label = _("职业")
    column = "occupation"
    params = (P.ParamSpec("values", "职业", "values", ["无业"], "", "occupation"),)
    evidence = (("text_value", "职业"),)


class HighRiskProduct(RuleType):
    """A006: a product or service of at least ``min_product_risk`` in the period."""

    name = "high_risk_product"
    label = _("高风险产品或服务")
    params = (
        *P.PERIOD,
        P.ParamSpec("min_product_risk", "产品风险等级不低于", "risk", 4),
        P.ParamSpec("ordinary_only", "仅普通投资者", "bool", True),
    )
    evidence = (("max_risk", "最高风险等级"), ("products", "匹配产品"))

    def meaning(self, p: dict) -> str:
        who = "普通投资者" if p.get("ordinary_only") else "客户（含专业投资者）"
        return (
            f"{who}在{period_words(p)}内有业务日期落在期间内、风险等级 ≥ "
            f"R{p['min_product_risk']} 的高风险产品或服务记录。依据：匹配的产品、最高风险等级。"
        )

    def sql(self, ctx: Context, spec: RuleSpec) -> tuple[str, list]:
        start, end = P.resolve_period(spec.params, ctx.as_of)
        min_risk = int(spec.params.get("min_product_risk", 4))
        params: list = []
        label = (
            "p.product_code || ' ' || p.product_name || '(R' || CAST(p.product_risk AS TEXT) || ')'"
        )
        cols = select_list(
            {
                "customer_id": "c.id",
                "branch_id": "c.branch_id",
                "max_risk": "MAX(p.product_risk)",
                "products": agg_products(
                    label, "p.product_risk DESC, p.product_code, p.product_name"
                ),
            },
            params,
            spec.code,
        )
        params += [start, end, min_risk]
        matching = ordered_products(
            "SELECT DISTINCT customer_id, product_code, product_name, product_risk "
            f"FROM {PRODUCTS} WHERE business_date >= %s AND business_date <= %s "
            f"AND product_risk >= %s{ids_in_part(ctx, 'customer_id', params)} "
            "ORDER BY customer_id, product_risk DESC, product_code, product_name",
            label.replace("p.", "m."),
            "m.product_risk DESC, m.product_code, m.product_name",
        )
        where = eligible(ctx, spec, params)
        if spec.params.get("ordinary_only", True):
            where += " AND c.investor_class = %s"
            params.append("ordinary")
        return (
            f"SELECT {cols} FROM ({matching}) p JOIN {CUSTOMERS} c ON c.id = p.customer_id "
            f"WHERE {where} GROUP BY c.id, c.branch_id",
            params,
        )
