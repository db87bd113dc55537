"""Typed rule parameters: what each rule type takes, defaults, validation, and the rule's
meaning in words (shown next to the parameters on the edit page).

Parameters are stored as JSON: money and ratios as decimal strings (never floats), dates
as ISO strings, risk levels as integers 1–5. :func:`clean_params` is the one validator the
forms, the CLI (``KEY=VALUE``), the API and one-off screening overrides all use.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from huifang.customers import choices
from huifang.customers.models import product_risk_label

MAX_RATIO_PLACES = 4  # 0.1234 = 12.34 %: exact integer comparison stays within BIGINT
MAX_MONEY = Decimal("100000000000")  # 1e11 yuan


@dataclass(frozen=True)
class ParamSpec:
    key: str
    label: str
    kind: str  # date | money | ratio | age | risk | bool | values | customer_types | branches
    default: Any = None
    help: str = ""
    choices_from: str = ""  # values: the Customer field whose present values are offered


COMMON = [
    ParamSpec("customer_types", "客户类型", "customer_types", [], "不选表示全部类型"),
    ParamSpec("branches", "部门", "branches", [], "部门代码，含下级部门；不选表示全部"),
]
PERIOD = [
    ParamSpec("period_start", "统计期间开始", "date", None, "留空：基准日所在年度的1月1日"),
    ParamSpec("period_end", "统计期间结束", "date", None, "留空：基准日"),
]


@dataclass(frozen=True)
class TypeSpec:
    params: list[ParamSpec] = field(default_factory=list)

    @property
    def all(self) -> list[ParamSpec]:
        return [*self.params, *COMMON]

    def spec(self, key: str) -> ParamSpec | None:
        return next((p for p in self.all if p.key == key), None)


TYPES: dict[str, TypeSpec] = {
    "new_account": TypeSpec(PERIOD),
    "large_loss": TypeSpec(
        [
            *PERIOD,
            ParamSpec("min_loss_amount", "亏损金额不低于（元）", "money", "100000.00"),
            ParamSpec("min_loss_ratio", "亏损比例不低于", "ratio", "0.50", "0 表示不看比例"),
        ]
    ),
    "elderly": TypeSpec(
        [
            ParamSpec("min_age", "年龄不低于（周岁）", "age", 70, "含本数：年满即命中"),
            ParamSpec(
                "require_trade_in_period", "要求统计期间内有成交", "bool", False, "成交手数 > 0"
            ),
            *PERIOD,
        ]
    ),
    "income_source": TypeSpec(
        [ParamSpec("values", "收入来源", "values", ["依靠积蓄并有社会保障"], "", "income_source")]
    ),
    "occupation": TypeSpec([ParamSpec("values", "职业", "values", ["无业"], "", "occupation")]),
    "high_risk_product": TypeSpec(
        [
            *PERIOD,
            ParamSpec("min_product_risk", "产品风险等级不低于", "risk", 4),
            ParamSpec("ordinary_only", "仅普通投资者", "bool", True),
        ]
    ),
    "custom": TypeSpec([*PERIOD, ParamSpec("conditions", "条件", "conditions", None)]),
}


def defaults(rule_type: str) -> dict:
    return {p.key: p.default for p in TYPES[rule_type].all if p.kind != "conditions"}


# --- parsing and validation -------------------------------------------------------------


def _err(spec: ParamSpec, text: str) -> ValidationError:
    return ValidationError({spec.key: f"{spec.label}：{text}"})


def parse_date(value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ValueError(f"“{value}”不是有效日期（YYYY-MM-DD）") from exc


def parse_decimal(value) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip().replace(",", "")
    percent = text.endswith("%")
    try:
        number = Decimal(text.rstrip("%"))
    except InvalidOperation as exc:
        raise ValueError(f"“{value}”不是有效数字") from exc
    if not number.is_finite():
        raise ValueError(f"“{value}”不是有效数字")
    return number / 100 if percent else number


def plain(number: Decimal) -> str:
    """A decimal as people write it: ``50``, ``0.5``, ``12.34`` — never ``5E+1``."""
    return format(number.normalize(), "f") if number else "0"


def parse_risk(value) -> int:
    text = str(value).strip().upper()
    if text.startswith("R"):
        text = text[1:]
    if not text.isdigit() or not 1 <= int(text) <= 5:
        raise ValueError(f"“{value}”不是有效风险等级（R1–R5）")
    return int(text)


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "on", "是", "t"):
        return True
    if text in ("0", "false", "no", "n", "off", "否", "f", ""):
        return False
    raise ValueError(f"“{value}”不是是/否")


def parse_list(value) -> list[str]:
    if isinstance(value, list | tuple):
        items = value
    else:
        items = str(value).replace("，", ",").replace("、", ",").split(",")
    return [str(v).strip() for v in items if str(v).strip()]


def clean_value(spec: ParamSpec, value):
    """One parameter from JSON, a form or ``KEY=VALUE`` text → its stored JSON form."""
    try:
        if spec.kind == "date":
            day = parse_date(value)
            return day.isoformat() if day else None
        if spec.kind == "money":
            amount = parse_decimal(value)
            if amount < 0:
                raise ValueError("金额不能为负数")
            if amount > MAX_MONEY:
                raise ValueError("金额过大")
            if amount != amount.quantize(Decimal("0.01")):
                raise ValueError("金额最多两位小数")
            return str(amount.quantize(Decimal("0.01")))
        if spec.kind == "ratio":
            ratio = parse_decimal(value)
            if not Decimal(0) <= ratio <= Decimal(1):
                raise ValueError("比例须在 0%–100% 之间")
            if ratio != ratio.quantize(Decimal(1).scaleb(-MAX_RATIO_PLACES)):
                raise ValueError("比例最多精确到 0.01%")
            return plain(ratio)
        if spec.kind == "age":
            text = str(value).strip()
            if not text.isdigit() or not 0 <= int(text) <= 150:
                raise ValueError("年龄须为 0–150 的整数")
            return int(text)
        if spec.kind == "risk":
            return parse_risk(value)
        if spec.kind == "bool":
            return parse_bool(value)
        if spec.kind == "values":
            items = parse_list(value)
            if not items:
                raise ValueError("至少选择一个取值")
            return sorted(set(items), key=items.index)
        if spec.kind == "customer_types":
            items = parse_list(value)
            labels = {str(label): key for key, label in choices.CustomerType.choices}
            out = [labels.get(i, i) for i in items]
            bad = [i for i in out if i not in choices.CustomerType.values]
            if bad:
                raise ValueError(f"未知客户类型：{'、'.join(bad)}")
            return sorted(set(out))
        if spec.kind == "branches":
            from huifang.org.models import Branch

            items = parse_list(value)
            known = set(Branch.objects.filter(code__in=items).values_list("code", flat=True))
            bad = [i for i in items if i not in known]
            if bad:
                raise ValueError(f"未知部门代码：{'、'.join(bad)}")
            return sorted(set(items))
        if spec.kind == "conditions":
            from huifang.rules.conditions import clean_conditions

            return clean_conditions(value)
    except ValueError as exc:
        raise _err(spec, str(exc)) from exc
    raise _err(spec, "未知参数类型")


def clean_params(rule_type: str, raw: dict, *, base: dict | None = None) -> dict:
    """Validate ``raw`` (merged over ``base``, the current parameters) into stored params.

    Raises ``ValidationError`` with a Chinese message per bad key; unknown keys are refused.
    """
    spec = TYPES[rule_type]
    merged = {**defaults(rule_type), **(base or {})}
    errors: dict[str, list[str]] = {}
    for key, value in raw.items():
        param = spec.spec(key)
        if param is None:
            errors.setdefault(key, []).append(f"未知参数 {key}")
            continue
        try:
            merged[key] = clean_value(param, value)
        except ValidationError as exc:
            for msgs in exc.message_dict.values():
                errors.setdefault(key, []).extend(msgs)
    start, end = merged.get("period_start"), merged.get("period_end")
    if start and end and start > end:
        errors.setdefault("period_end", []).append("统计期间开始不能晚于结束")
    if rule_type == "custom" and not merged.get("conditions"):
        errors.setdefault("conditions", []).append("条件：至少需要一个条件")
    if errors:
        raise ValidationError(errors)
    return merged


def resolve_period(params: dict, as_of: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The rule's window: its own dates, or 1 January of D's year to D."""
    start = parse_date(params.get("period_start")) or as_of.replace(month=1, day=1)
    end = parse_date(params.get("period_end")) or as_of
    return start, end


# --- display --------------------------------------------------------------------------


def format_money(value) -> str:
    return f"{Decimal(value):,.2f}"


def format_ratio(value) -> str:
    number = Decimal(value) * 100
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def display_value(spec: ParamSpec, value) -> str:
    if value in (None, "", []):
        return {"date": "默认", "customer_types": "全部", "branches": "全部"}.get(spec.kind, "—")
    if spec.kind == "money":
        return format_money(value) + " 元"
    if spec.kind == "ratio":
        return format_ratio(value)
    if spec.kind == "risk":
        return product_risk_label(value)
    if spec.kind == "bool":
        return "是" if value else "否"
    if spec.kind == "customer_types":
        labels = dict(choices.CustomerType.choices)
        return "、".join(str(labels.get(v, v)) for v in value)
    if spec.kind in ("values", "branches"):
        return "、".join(value)
    if spec.kind == "conditions":
        from huifang.rules.conditions import describe_conditions

        return describe_conditions(value)
    return str(value)


def display_params(rule_type: str, params: dict) -> list[tuple[str, str, str]]:
    """(key, label, shown value) for every parameter of the type, in declaration order."""
    return [
        (p.key, p.label, display_value(p, params.get(p.key, p.default)))
        for p in TYPES[rule_type].all
    ]


def _period_words(params: dict) -> str:
    start, end = params.get("period_start"), params.get("period_end")
    left = start or "基准日所在年度的1月1日"
    right = end or "基准日"
    return f"统计期间 {left} 至 {right}（两端均含）"


def describe(rule_type: str, params: dict) -> str:
    """The rule's exact meaning in words, with the current values filled in."""
    p = {**defaults(rule_type), **params}
    scope = []
    if p.get("customer_types"):
        scope.append(
            "客户类型为"
            + display_value(TYPES[rule_type].spec("customer_types"), p["customer_types"])
        )
    if p.get("branches"):
        scope.append("部门属于" + "、".join(p["branches"]) + "（含下级）")
    prefix = "在回访基准日 D 时有效的客户（开户日期 ≤ D，且 D 时未销户）中，"
    if scope:
        prefix += "仅限" + "，".join(scope) + "，"
    if rule_type == "new_account":
        body = f"开户日期落在{_period_words(p)}内的客户。依据：开户日期。"
    elif rule_type == "large_loss":
        ratio = Decimal(p["min_loss_ratio"])
        ratio_words = (
            "不看亏损比例"
            if ratio == 0
            else f"且 基数 > 0、亏损 ÷ 基数 ≥ {format_ratio(ratio)}（精确比较，不四舍五入）"
        )
        body = (
            f"按{_period_words(p)}内的客户资金日报计算：盈亏 = Σ(平仓盈亏 + 持仓盈亏 − 手续费)，"
            "亏损 = −盈亏；基数 = 期间内第一条日报的上日权益 + Σ入金。"
            f"亏损 > 0 且 亏损 ≥ {format_money(p['min_loss_amount'])} 元，{ratio_words}时命中。"
            "期间内没有日报的客户没有亏损。依据：亏损金额、基数、亏损比例、成交手数。"
        )
    elif rule_type == "elderly":
        trade = (
            f"，并且{_period_words(p)}内成交手数合计 > 0"
            if p.get("require_trade_in_period")
            else ""
        )
        body = (
            f"自然人客户，出生日期已知，且在 D 当天已满 {p['min_age']} 周岁（含本数；"
            f"2月29日出生者在平年于3月1日满岁）{trade}。依据：出生日期、年龄。"
        )
    elif rule_type in ("income_source", "occupation"):
        what = "收入来源" if rule_type == "income_source" else "职业"
        body = (
            f"自然人客户，{what}（去掉首尾空白后）为以下之一：{'、'.join(p['values'])}。"
            f"依据：{what}。"
        )
    elif rule_type == "high_risk_product":
        who = "普通投资者" if p.get("ordinary_only") else "客户（含专业投资者）"
        body = (
            f"{who}在{_period_words(p)}内有业务日期落在期间内、风险等级 ≥ "
            f"R{p['min_product_risk']} 的高风险产品或服务记录。依据：匹配的产品、最高风险等级。"
        )
    else:
        from huifang.rules.conditions import describe_conditions

        body = (
            f"满足条件：{describe_conditions(p.get('conditions'))}。"
            f"期间指标按{_period_words(p)}计算。"
        )
    return prefix + body
