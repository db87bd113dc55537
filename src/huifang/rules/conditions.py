"""Custom rules (自定义规则): conditions on customer fields and period figures.

A rule's conditions are JSON, never code: ``{"op": "and"|"or", "items": [...]}`` where
an item is a condition ``{"field", "cmp", "value"}`` or one nested group
``{"op", "items": [conditions]}`` (one level of grouping). Fields and comparisons come
from the fixed catalogue below; values are validated and always passed to SQL as
parameters, so no user text ever becomes SQL.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError

from huifang.core.fields import to_cents
from huifang.customers import choices
from huifang.customers.models import product_risk_label, risk_label


@dataclass(frozen=True)
class Field:
    label: str
    kind: str  # choice | text | codes | age | date | risk_c | risk_r | bool | branch | money | ratio | int
    source: str  # "customer" or "figure"
    column: str = ""
    options: tuple = ()


FIELDS: dict[str, Field] = {
    "customer_type": Field(
        "客户类型", "choice", "customer", "customer_type", tuple(choices.CustomerType.choices)
    ),
    "gender": Field("性别", "choice", "customer", "gender", tuple(choices.Gender.choices)),
    "age": Field("基准日年龄（周岁）", "age", "customer", "birth_date"),
    "open_date": Field("开户日期", "date", "customer", "open_date"),
    "risk_level": Field("风险承受能力", "risk_c", "customer", "risk_level"),
    "investor_class": Field(
        "投资者分类", "choice", "customer", "investor_class", tuple(choices.InvestorClass.choices)
    ),
    "occupation": Field("职业", "text", "customer", "occupation"),
    "income_source": Field("收入来源", "text", "customer", "income_source"),
    # A ``;``-joined list (data-interface.md: broker_code): 居间人 clients (domain.md).
    "broker": Field("经纪人（居间人）编号", "codes", "customer", "broker_codes"),
    "branch": Field("部门（含下级）", "branch", "customer", "branch_id"),
    "dormant": Field("休眠", "bool", "customer", "dormant"),
    "normalized": Field("已规范", "bool", "customer", "normalized"),
    "pnl": Field("期间盈亏", "money", "figure", "pnl"),
    "loss": Field("期间亏损金额", "money", "figure", "loss"),
    "loss_ratio": Field("期间亏损比例", "ratio", "figure", "loss_ratio"),
    "volume": Field("期间成交手数", "int", "figure", "volume"),
    "deposit": Field("期间入金", "money", "figure", "deposit"),
    "withdrawal": Field("期间出金", "money", "figure", "withdrawal"),
    "days": Field("期间交易天数", "int", "figure", "days"),
    "max_product_risk": Field("期间最高产品风险等级", "risk_r", "figure", "max_risk"),
}

CMP_LABELS = {
    "eq": "=",
    "ne": "≠",
    "gt": ">",
    "ge": "≥",
    "lt": "<",
    "le": "≤",
    "in": "属于",
    "between": "介于",
    "empty": "为空",
    "not_empty": "不为空",
}
ORDERED = ("eq", "ne", "gt", "ge", "lt", "le", "in", "between", "empty", "not_empty")
CMPS_BY_KIND = {
    "choice": ("eq", "ne", "in", "empty", "not_empty"),
    "text": ("eq", "ne", "in", "empty", "not_empty"),
    "codes": ("in", "empty", "not_empty"),  # 属于: any of the customer's codes is listed
    "branch": ("eq", "ne", "in"),
    "bool": ("eq", "empty", "not_empty"),
}
OPS = {"and": "并且", "or": "或者"}
EMPTINESS = {"empty": "IS NULL", "not_empty": "IS NOT NULL"}


def cmps_for(kind: str) -> tuple[str, ...]:
    return CMPS_BY_KIND.get(kind, ORDERED)


# --- validation ---------------------------------------------------------------------------


def _scalar(field: Field, value):
    """One comparison value → its JSON form, or ValueError with a Chinese message."""
    kind = field.kind
    from huifang.rules.params import parse_bool, parse_date, parse_decimal, parse_risk, plain

    if kind == "choice":
        labels = {str(label): key for key, label in field.options}
        value = labels.get(str(value).strip(), str(value).strip())
        if value not in {key for key, _ in field.options}:
            raise ValueError(f"“{value}”不是{field.label}的有效取值")
        return value
    if kind in ("text", "codes"):
        text = str(value).strip()
        if not text:
            raise ValueError(f"{field.label}的取值不能为空")
        return text
    if kind == "branch":
        from huifang.org.models import Branch

        code = str(value).strip()
        if not Branch.objects.filter(code=code).exists():
            raise ValueError(f"未知部门代码：{code}")
        return code
    if kind == "bool":
        return parse_bool(value)
    if kind == "date":
        day = parse_date(value)
        if day is None:
            raise ValueError("日期不能为空")
        return day.isoformat()
    if kind in ("age", "int"):
        text = str(value).strip()
        if not text.lstrip("-").isdigit():
            raise ValueError(f"{field.label}须为整数")
        number = int(text)
        if kind == "age" and not 0 <= number <= 150:
            raise ValueError("年龄须在 0–150 之间")
        return number
    if kind == "risk_c":
        text = str(value).strip().upper().lstrip("C")
        if not text.isdigit() or not 1 <= int(text) <= 5:
            raise ValueError(f"“{value}”不是有效风险承受能力（C1–C5）")
        return int(text)
    if kind == "risk_r":
        return parse_risk(value)
    if kind == "money":
        amount = parse_decimal(value)
        to_cents(amount)  # refuses more than two decimals
        return str(amount.quantize(Decimal("0.01")))
    if kind == "ratio":
        ratio = parse_decimal(value)
        if ratio < 0 or ratio != ratio.quantize(Decimal("0.0001")):
            raise ValueError("比例须 ≥ 0%，最多精确到 0.01%")
        return plain(ratio)
    raise ValueError("未知字段类型")


def clean_condition(raw: dict) -> dict:
    if not isinstance(raw, dict):
        raise ValueError("条件格式不正确")
    name = raw.get("field")
    field = FIELDS.get(name) if isinstance(name, str) else None
    if field is None:
        raise ValueError(f"未知字段：{name}")
    cmp = raw.get("cmp")
    if not isinstance(cmp, str) or cmp not in cmps_for(field.kind):
        shown = CMP_LABELS.get(cmp, cmp) if isinstance(cmp, str) else cmp
        raise ValueError(f"{field.label}不支持比较方式“{shown}”")
    value = raw.get("value")
    try:
        if cmp in ("empty", "not_empty"):
            value = None
        elif cmp == "in":
            items = (
                value if isinstance(value, list) else str(value or "").replace("，", ",").split(",")
            )
            items = [i for i in items if str(i).strip()]
            if not items:
                raise ValueError("“属于”至少需要一个取值")
            value = [_scalar(field, i) for i in items]
        elif cmp == "between":
            if not isinstance(value, list | tuple) or len(value) != 2:
                raise ValueError("“介于”需要两个值")
            low, high = (_scalar(field, v) for v in value)
            if _sort_key(field, low) > _sort_key(field, high):
                raise ValueError("“介于”的下限不能大于上限")
            value = [low, high]
        else:
            if value is None or str(value).strip() == "":
                raise ValueError(f"{field.label}的比较值不能为空")
            value = _scalar(field, value)
    except (ValidationError, ValueError) as exc:
        message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        raise ValueError(f"{field.label}：{message}") from exc
    return {"field": name, "cmp": cmp, "value": value}


def _sort_key(field: Field, value):
    return Decimal(value) if field.kind in ("money", "ratio") else value


def clean_conditions(raw) -> dict:
    """Validate a condition tree; raises ValueError (Chinese) on the first problem."""
    if not isinstance(raw, dict) or not isinstance(raw.get("op"), str) or raw["op"] not in OPS:
        raise ValueError("条件须为“并且/或者”组合")
    items = raw.get("items") or []
    if not isinstance(items, list):
        raise ValueError("条件须为列表")
    if not items:
        raise ValueError("至少需要一个条件")
    out = []
    for item in items:
        if isinstance(item, dict) and "items" in item:
            if not isinstance(item.get("op"), str) or item["op"] not in OPS:
                raise ValueError("条件组须为“并且/或者”组合")
            inner = item.get("items") or []
            if not isinstance(inner, list):
                raise ValueError("条件组须为列表")
            if not inner:
                raise ValueError("条件组不能为空")
            if any(isinstance(i, dict) and "items" in i for i in inner):
                raise ValueError("条件最多只能分组一层")
            out.append({"op": item["op"], "items": [clean_condition(i) for i in inner]})
        else:
            out.append(clean_condition(item))
    return {"op": raw["op"], "items": out}


# --- words ----------------------------------------------------------------------------------


def _show(field: Field, value) -> str:
    if field.kind == "choice":
        return str(dict(field.options).get(value, value))
    if field.kind == "bool":
        return "是" if value else "否"
    if field.kind == "risk_c":
        return risk_label(value)
    if field.kind == "risk_r":
        return product_risk_label(value)
    if field.kind == "ratio":
        from huifang.rules.params import format_ratio

        return format_ratio(value)
    if field.kind == "money":
        return f"{Decimal(value):,.2f} 元"
    return str(value)


def describe_condition(cond: dict) -> str:
    field = FIELDS[cond["field"]]
    cmp, value = cond["cmp"], cond.get("value")
    if cmp in ("empty", "not_empty"):
        if field.source == "figure" and field.kind in ("money", "int"):
            rows = "没有" if cmp == "empty" else "有"
            return f"{field.label}{CMP_LABELS[cmp]}（期间内{rows}资金日报）"
        return f"{field.label}{CMP_LABELS[cmp]}"
    if cmp == "in":
        return f"{field.label}属于（{'、'.join(_show(field, v) for v in value)}）"
    if cmp == "between":
        return (
            f"{field.label}介于 {_show(field, value[0])} 与 {_show(field, value[1])} 之间（含两端）"
        )
    return f"{field.label} {CMP_LABELS[cmp]} {_show(field, value)}"


def describe_conditions(tree: dict | None) -> str:
    if not tree:
        return "（无条件）"
    joiner = f" {OPS[tree['op']]} "
    parts = []
    for item in tree["items"]:
        if "items" in item:
            inner = f" {OPS[item['op']]} ".join(describe_condition(i) for i in item["items"])
            parts.append(f"（{inner}）")
        else:
            parts.append(describe_condition(item))
    return joiner.join(parts)


def _fields_read(tree: dict, source: str) -> list[str]:
    """The fields of ``source`` ("customer" or "figure") a tree reads, in catalogue order."""
    names = set()
    for item in tree["items"]:
        for cond in item["items"] if "items" in item else [item]:
            if FIELDS[cond["field"]].source == source:
                names.add(cond["field"])
    return [name for name in FIELDS if name in names]


def uses_figures(tree: dict) -> set[str]:
    """The figure fields a tree reads (to join only what is needed)."""
    return set(_fields_read(tree, "figure"))


def uses_customer_fields(tree: dict) -> list[str]:
    """The customer fields a tree reads, in catalogue order (kept as the hit's evidence)."""
    return _fields_read(tree, "customer")


# --- SQL ------------------------------------------------------------------------------------

EMPTY_TEXT = "（空）"
TEXT_VALUE_LENGTH = 200  # HitReason.text_value
EVIDENCE_LABELS = {"branch": "部门"}  # the condition's label says 含下级; the value is one branch


def customer_evidence_sql(names: list[str], trim, branch_table: str) -> tuple[str, list]:
    """SQL text over ``c`` writing the customer fields ``names`` as people read them,
    ``职业：无业；休眠：否`` (the evidence of a custom rule's hit), and its parameters;
    ("", []) when there is none. ``age`` is left out: the hit keeps the birth date, from
    which the age on D is shown."""
    pieces: list[str] = []
    params: list = []
    for name in names:
        if name == "age":
            continue
        field = FIELDS[name]
        column = f"c.{field.column}"
        label = EVIDENCE_LABELS.get(name, field.label)
        params.append(("；" if pieces else "") + f"{label}：")
        if field.kind == "choice":
            whens = " ".join("WHEN %s THEN %s" for _ in field.options)
            for key, shown in field.options:
                params += [key, str(shown)]
            value = f"CASE {column} {whens} ELSE %s END"
            params.append(EMPTY_TEXT)
        elif field.kind in ("text", "codes"):
            value = f"COALESCE(NULLIF({trim(column)}, ''), %s)"
            params.append(EMPTY_TEXT)
        elif field.kind == "risk_c":
            value = (
                f"CASE WHEN {column} IS NULL THEN %s ELSE 'C' || CAST({column} AS TEXT) || "
                "CASE WHEN c.risk_lowest THEN %s ELSE '' END END"
            )
            params += [EMPTY_TEXT, "(最低类别)"]
        elif field.kind == "bool":
            value = f"CASE WHEN {column} IS NULL THEN %s WHEN {column} THEN %s ELSE %s END"
            params += [EMPTY_TEXT, "是", "否"]
        elif field.kind == "branch":
            value = f"(SELECT b.name FROM {branch_table} b WHERE b.id = c.branch_id)"
        else:  # date
            value = f"CAST({column} AS TEXT)"
        pieces += ["%s", f"({value})"]
    if not pieces:
        return "", []
    # HitReason.text_value holds 200 characters (a long 职业 and 收入来源 together).
    return f"SUBSTR({' || '.join(pieces)}, 1, {TEXT_VALUE_LENGTH})", params


def age_cutoff(as_of: datetime.date, years: int) -> datetime.date:
    """The latest birth date whose age on ``as_of`` is at least ``years``.

    Age ≥ N ⇔ birth ≤ (D.year − N, D.month, D.day); when D is 29 February and that year is
    not a leap year, 28 February (someone born 29 February turns N on 1 March then).
    """
    year = as_of.year - years
    try:
        return as_of.replace(year=year)
    except ValueError:
        return datetime.date(year, 2, 28)


class Compiler:
    """Turns a condition tree into a WHERE fragment over ``c`` (customers), ``f`` (period
    figures, with ``f.base``) and ``pr`` (max product risk)."""

    def __init__(self, as_of: datetime.date, trim):
        self.as_of = as_of
        self.trim = trim  # callable: SQL expression → trimmed SQL expression
        self.params: list = []

    def compile(self, tree: dict) -> str:
        joiner = " AND " if tree["op"] == "and" else " OR "
        parts = []
        for item in tree["items"]:
            if "items" in item:
                inner = " AND " if item["op"] == "and" else " OR "
                parts.append("(" + inner.join(self.cond(i) for i in item["items"]) + ")")
            else:
                parts.append(self.cond(item))
        return "(" + joiner.join(parts) + ")"

    def _p(self, value) -> str:
        self.params.append(value)
        return "%s"

    def expr(self, field: Field) -> str:
        if field.source == "customer":
            column = f"c.{field.column}"
            return self.trim(column) if field.kind == "text" else column
        return {
            "pnl": "COALESCE(f.pnl, 0)",
            "loss": "(0 - COALESCE(f.pnl, 0))",
            "volume": "COALESCE(f.volume, 0)",
            "deposit": "COALESCE(f.deposit, 0)",
            "withdrawal": "COALESCE(f.withdrawal, 0)",
            "days": "COALESCE(f.days, 0)",
            "max_risk": "pr.max_risk",
        }[field.column]

    def value(self, field: Field, value):
        if field.kind == "money":
            return to_cents(Decimal(value))
        if field.kind == "date":
            return datetime.date.fromisoformat(value)
        return value

    def cond(self, cond: dict) -> str:
        field = FIELDS[cond["field"]]
        cmp, value = cond["cmp"], cond.get("value")
        if field.kind == "age":
            return self.age(cmp, value)
        if field.kind == "ratio":
            return self.ratio(cmp, value)
        if field.kind == "branch":
            return self.branch(cmp, value)
        expr = self.expr(field)
        if field.source == "figure" and field.kind in ("money", "int") and cmp in EMPTINESS:
            # A sum is 0 over no rows (so ``expr`` coalesces), but a customer without daily
            # rows in the period has no figures at all: that is what 为空 asks about.
            return f"f.customer_id {EMPTINESS[cmp]}"
        if cmp == "empty":
            if field.kind in ("text", "codes", "choice"):
                return f"({expr} IS NULL OR {expr} = '')"
            return f"{expr} IS NULL"
        if cmp == "not_empty":
            if field.kind in ("text", "codes", "choice"):
                return f"({expr} IS NOT NULL AND {expr} <> '')"
            return f"{expr} IS NOT NULL"
        if cmp == "in" and field.kind == "codes":
            return self.codes(expr, value)
        if cmp == "in":
            marks = ", ".join(self._p(self.value(field, v)) for v in value)
            return f"{expr} IN ({marks})"
        if cmp == "between":
            low, high = (self.value(field, v) for v in value)
            return f"({expr} >= {self._p(low)} AND {expr} <= {self._p(high)})"
        op = {"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}[cmp]
        compared = f"{expr} {op} {self._p(self.value(field, value))}"
        if cmp == "ne" and field.kind in ("text", "choice"):
            # ≠ matches customers with a value (docs/rules.md); a blank text is "为空",
            # as NULL is for the other kinds, where ``<>`` already leaves it out.
            return f"({expr} <> '' AND {compared})"
        return compared

    def codes(self, expr: str, value: list[str]) -> str:
        """Any of ``value`` among the ``;``-joined codes in ``expr`` (whole codes only;
        ``%``, ``_`` and ``\\`` in a code are matched literally)."""
        wrapped = f"(';' || COALESCE({expr}, '') || ';')"
        likes = []
        for code in value:
            escaped = code.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            likes.append(f"{wrapped} LIKE {self._p(f'%;{escaped};%')} ESCAPE '\\'")
        return "(" + " OR ".join(likes) + ")"

    def age(self, cmp: str, value) -> str:
        birth = "c.birth_date"
        if cmp == "empty":
            return f"{birth} IS NULL"
        if cmp == "not_empty":
            return f"{birth} IS NOT NULL"

        def at_least(n: int) -> str:
            return f"{birth} <= {self._p(age_cutoff(self.as_of, n))}"

        def at_most(n: int) -> str:
            return f"{birth} > {self._p(age_cutoff(self.as_of, n + 1))}"

        if cmp == "ge":
            return at_least(value)
        if cmp == "gt":
            return at_least(value + 1)
        if cmp == "le":
            return at_most(value)
        if cmp == "lt":
            return at_most(value - 1) if value > 0 else "1 = 0"
        if cmp == "eq":
            return f"({at_least(value)} AND {at_most(value)})"
        if cmp == "ne":
            return f"({birth} IS NOT NULL AND NOT ({at_least(value)} AND {at_most(value)}))"
        if cmp == "between":
            return f"({at_least(value[0])} AND {at_most(value[1])})"
        if cmp == "in":
            return "(" + " OR ".join(f"({at_least(v)} AND {at_most(v)})" for v in value) + ")"
        raise ValueError(cmp)

    def ratio(self, cmp: str, value) -> str:
        """loss / base compared exactly: loss·den ⋚ num·base with base > 0."""
        loss, base = "(0 - COALESCE(f.pnl, 0))", "f.base"
        if cmp == "empty":
            return f"({base} IS NULL OR {base} <= 0)"
        if cmp == "not_empty":
            return f"({base} IS NOT NULL AND {base} > 0)"

        def compare(op: str, ratio: str) -> str:
            num, den = Decimal(ratio).as_integer_ratio()
            return f"{loss} * {self._p(den)} {op} {self._p(num)} * {base}"

        guard = f"{base} > 0"
        if cmp == "between":
            return f"({guard} AND {compare('>=', value[0])} AND {compare('<=', value[1])})"
        if cmp == "in":
            return f"({guard} AND (" + " OR ".join(compare("=", v) for v in value) + "))"
        op = {"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}[cmp]
        return f"({guard} AND {compare(op, value)})"

    def branch(self, cmp: str, value) -> str:
        from huifang.org.models import Branch

        codes = value if isinstance(value, list) else [value]
        ids: set[int] = set()
        for root in Branch.objects.filter(code__in=codes):
            ids.update(
                Branch.objects.filter(path__startswith=root.path).values_list("id", flat=True)
            )
        marks = ", ".join(self._p(i) for i in sorted(ids)) or "NULL"
        if cmp == "ne":
            return f"c.branch_id NOT IN ({marks})"
        return f"c.branch_id IN ({marks})"
