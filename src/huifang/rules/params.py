"""Typed rule parameters: the kinds of parameter (date, money, ratio, …), how each is
parsed, validated and shown. Which parameters a rule type takes, their defaults and the
rule's meaning in words are declared by its class in ``rules.ruletypes``.

Parameters are stored as JSON: money and ratios as decimal strings (never floats), dates
as ISO strings, risk levels as integers 1–5. :func:`clean_params` is the one validator the
forms, the CLI (``KEY=VALUE``), the API and one-off screening overrides all use.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from huifang.core.dates import parse_day
from huifang.core.filtersets import within_dates
from huifang.customers import choices
from huifang.customers.models import product_risk_label

MAX_RATIO_PLACES = 4  # 0.1234 = 12.34 %: exact integer comparison stays within BIGINT
MAX_MONEY = Decimal("100000000000")  # 1e11 yuan


@dataclass(frozen=True)
class ParamSpec:
    key: str
    label: str
    kind: str  # date | money | ratio | age | risk | bool | values | customer_types | branches
    # ``label`` names the parameter without the unit its shown value already carries
    # (money: 元, ratio: %, see :func:`display_value`); the form adds it to an input's label.
    default: Any = None
    help: str = ""
    choices_from: str = ""  # values: the Customer field whose present values are offered


COMMON_TYPES = ParamSpec("customer_types", "客户类型", "customer_types", [], "不选表示全部类型")
COMMON = [
    COMMON_TYPES,
    ParamSpec("branches", "部门", "branches", [], "部门代码，含下级部门；不选表示全部"),
]
PERIOD = [
    ParamSpec("period_start", "统计期间开始", "date", None, "留空：基准日所在年度的1月1日"),
    ParamSpec("period_end", "统计期间结束", "date", None, "留空：基准日"),
]


# --- per rule type: delegated to the rule type's class (``rules.ruletypes``) ------------


def _type(rule_type: str):
    from huifang.rules import ruletypes  # the types are declared with this module's specs

    return ruletypes.get(rule_type)


def defaults(rule_type: str) -> dict:
    return _type(rule_type).defaults()


def clean_params(rule_type: str, raw: dict, *, base: dict | None = None) -> dict:
    """Validate ``raw`` (merged over ``base``, the current parameters) into stored params.

    Raises ``ValidationError`` with a Chinese message per bad key; unknown keys are refused.
    """
    return _type(rule_type).clean(raw, base=base)


def display_params(rule_type: str, params: dict) -> list[tuple[str, str, str]]:
    """(key, label, shown value) for every parameter of the type, in declaration order."""
    return _type(rule_type).display(params)


def params_text(rule_type: str, params: dict, *, given_only: bool = False) -> str:
    """A rule's parameters in words, ``亏损金额不低于=100,000.00 元；…``, with its rule
    type's labels (``RuleType.params_text``); the stored JSON when the type cannot read
    them (an unknown type, an old version's values)."""
    try:
        return _type(rule_type).params_text(params or {}, given_only=given_only)
    except Exception:  # said as stored rather than lost
        return json.dumps(params, ensure_ascii=False, sort_keys=True)


def overrides_text(overrides: dict, types: dict[str, str]) -> str:
    """A screening's 临时参数 ``{code: {key: value}}`` (``types``: the rule type of each
    code) → ``A002（亏损金额不低于=50,000.00 元）；…``; empty when there are none."""
    return "；".join(
        f"{code}（{params_text(types.get(code, ''), given, given_only=True)}）"
        if isinstance(given, dict)
        else f"{code}（{given}）"
        for code, given in (overrides or {}).items()
    )


def describe(rule_type: str, params: dict) -> str:
    """The rule's exact meaning in words, with the current values filled in."""
    return _type(rule_type).describe(params)


# --- parsing and validation -------------------------------------------------------------


def _err(spec: ParamSpec, text: str) -> ValidationError:
    return ValidationError({spec.key: f"{spec.label}：{text}"})


def parse_date(value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    return parse_day(str(value))  # the forms --as-of and data files take


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
            if day is not None:
                within_dates(day)  # a period's figures are computed by month and by year
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
    except ValidationError as exc:
        raise _err(spec, exc.messages[0]) from exc
    raise _err(spec, "未知参数类型")


def resolve_period(params: dict, as_of: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The rule's window: its own dates, or 1 January of D's year to D."""
    start = parse_date(params.get("period_start")) or as_of.replace(month=1, day=1)
    end = parse_date(params.get("period_end")) or as_of
    return start, end


def empty_period(code: str, params: dict, as_of: datetime.date) -> str | None:
    """A warning when rule ``code``'s window under D is empty — a start of its own later
    than D (the end defaulting to D), or a one-sided end before 1 January of D's year — so
    the rule can hit nobody; None for a rule without a period or a window that holds days."""
    if "period_start" not in params and "period_end" not in params:
        return None
    start, end = resolve_period(params, as_of)
    if start <= end:
        return None
    return (
        f"规则 {code} 的统计期间 {start:%Y-%m-%d} 至 {end:%Y-%m-%d} 为空（开始晚于结束），"
        f"按基准日 {as_of:%Y-%m-%d} 不会命中任何客户"
    )


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
