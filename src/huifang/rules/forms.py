"""Typed parameter forms: each parameter kind gets its own field and validation; the final
word is :func:`huifang.rules.params.clean_params`, shared with the CLI and the API."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from huifang.core.filtersets import within_dates
from huifang.customers import choices
from huifang.customers.models import Customer, product_risk_label
from huifang.org.models import Branch
from huifang.rules import conditions as C
from huifang.rules import params as P
from huifang.rules import ruletypes
from huifang.rules.completeness import default_as_of
from huifang.rules.models import Rule

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RISKS = [(str(i), product_risk_label(i)) for i in choices.ProductRisk.values]


def present_values(column: str, current: list[str] | None = None) -> list[tuple[str, str]]:
    """Distinct trimmed values of a customer text column (plus the current ones)."""
    values = {
        v.strip()
        for v in Customer.objects.order_by().values_list(column, flat=True).distinct()[:500]
        if v and v.strip()
    }
    values.update(current or [])
    return [(v, v) for v in sorted(values)]


def branch_choices(user=None) -> list[tuple[str, str]]:
    queryset = Branch.objects.restrict(user, "view") if user is not None else Branch.objects.all()
    return [(b.code, f"{b.code} {b.name}") for b in queryset.order_by("path")]


def field_for(spec: P.ParamSpec, current) -> forms.Field:
    common = {"label": spec.label, "help_text": spec.help}
    if spec.kind == "date":
        return forms.DateField(required=False, widget=DATE, **common)
    if spec.kind == "money":  # the shown value carries its 元 (``display_value``); the input not
        return forms.DecimalField(
            min_value=0,
            max_digits=14,
            decimal_places=2,
            label=f"{spec.label}（元）",
            help_text=spec.help,
        )
    if spec.kind == "ratio":
        return forms.DecimalField(
            min_value=0,
            max_value=100,
            decimal_places=2,
            label=f"{spec.label}（%）",
            help_text=spec.help or "按百分比填写，例如 50 表示 50%",
        )
    if spec.kind == "age":
        return forms.IntegerField(min_value=0, max_value=150, **common)
    if spec.kind == "risk":
        return forms.ChoiceField(choices=RISKS, **common)
    if spec.kind == "bool":
        return forms.BooleanField(required=False, **common)
    if spec.kind == "values":
        return forms.MultipleChoiceField(
            choices=present_values(spec.choices_from, current),
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": "至少选择一个取值"},
            **common,
        )
    if spec.kind == "customer_types":
        return forms.MultipleChoiceField(
            choices=choices.CustomerType.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    if spec.kind == "branches":
        return forms.MultipleChoiceField(choices=branch_choices(), required=False, **common)
    raise ValueError(spec.kind)


def initial_for(spec: P.ParamSpec, value):
    if spec.kind == "ratio" and value is not None:
        return P.plain(Decimal(value) * 100)
    if spec.kind == "risk" and value is not None:
        return str(value)
    if spec.kind == "date":
        return P.parse_date(value)
    return value


def raw_from(spec: P.ParamSpec, value):
    """A cleaned form value → the input :func:`clean_value` expects."""
    if spec.kind == "ratio":
        return None if value is None else str(Decimal(value) / 100)
    if spec.kind == "date":
        return value.isoformat() if value else None
    if spec.kind == "money":
        return None if value is None else str(value)
    return value


class RuleParamsForm(forms.Form):
    """The parameters of a built-in rule, one typed field each, plus a change note."""

    note = forms.CharField(label="修改说明", max_length=200, required=False)

    def __init__(self, *args, rule: Rule, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule = rule
        rule_type = ruletypes.get(rule.rule_type)
        self.specs = [s for s in rule_type.all_params if s.kind != "conditions"]
        current = {**rule_type.defaults(), **rule.params}
        fields = {}
        for spec in self.specs:
            fields[spec.key] = field_for(spec, current.get(spec.key))
            self.initial.setdefault(spec.key, initial_for(spec, current.get(spec.key)))
        fields["note"] = self.fields.pop("note")
        self.fields = fields | self.fields

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        raw = {s.key: raw_from(s, data.get(s.key)) for s in self.specs}
        try:
            self.cleaned_params = P.clean_params(self.rule.rule_type, raw, base=self.rule.params)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(key if key in self.fields else None, message)
        return data


FIELD_CHOICES = [("", "—")] + [(k, f.label) for k, f in C.FIELDS.items()]
CMP_CHOICES = [(k, v) for k, v in C.CMP_LABELS.items()]
GROUP_CHOICES = [("", "不分组")] + [(str(i), f"第{i}组") for i in range(1, 4)]
OP_CHOICES = list(C.OPS.items())
ROWS = 8


class CustomRuleForm(forms.Form):
    """A custom rule: name, period, scope and up to eight conditions. A condition with a
    group number belongs to that group (its members joined by 组内关系); the top level
    joins single conditions and groups by 条件关系."""

    name = forms.CharField(label="规则名称", max_length=100)
    description = forms.CharField(label="描述", max_length=300, required=False)
    period_start = forms.DateField(
        label="统计期间开始", required=False, widget=DATE, help_text="留空：基准日所在年度的1月1日"
    )
    period_end = forms.DateField(
        label="统计期间结束", required=False, widget=DATE, help_text="留空：基准日"
    )
    customer_types = forms.MultipleChoiceField(
        label="客户类型",
        choices=choices.CustomerType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="不选表示全部类型",
    )
    branches = forms.MultipleChoiceField(label="部门", choices=[], required=False)
    op = forms.ChoiceField(label="条件关系", choices=OP_CHOICES, initial="and")
    group_op = forms.ChoiceField(label="组内关系", choices=OP_CHOICES, initial="or")
    note = forms.CharField(label="修改说明", max_length=200, required=False)

    def __init__(self, *args, rule: Rule | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.fields["branches"].choices = branch_choices()
        for i in range(ROWS):
            self.fields[f"c{i}_group"] = forms.ChoiceField(
                label="分组", choices=GROUP_CHOICES, required=False
            )
            self.fields[f"c{i}_field"] = forms.ChoiceField(
                label="字段", choices=FIELD_CHOICES, required=False
            )
            self.fields[f"c{i}_cmp"] = forms.ChoiceField(
                label="比较", choices=CMP_CHOICES, required=False
            )
            self.fields[f"c{i}_value"] = forms.CharField(
                label="值", required=False, help_text="属于：用逗号分隔；介于：下限,上限"
            )
        if rule is not None and not self.is_bound:
            self.initial.update(self.initial_from(rule))

    @staticmethod
    def initial_from(rule: Rule) -> dict:
        params = rule.params
        initial = {
            "name": rule.name,
            "description": rule.description,
            "period_start": P.parse_date(params.get("period_start")),
            "period_end": P.parse_date(params.get("period_end")),
            "customer_types": params.get("customer_types") or [],
            "branches": params.get("branches") or [],
        }
        tree = params.get("conditions") or {"op": "and", "items": []}
        initial["op"] = tree["op"]
        row = 0
        for group_no, item in enumerate(tree["items"], start=1):
            members = item["items"] if "items" in item else [item]
            if "items" in item:
                initial["group_op"] = item["op"]
            for cond in members:
                if row >= ROWS:
                    break
                value = cond.get("value")
                if isinstance(value, list):
                    value = ",".join(str(v) for v in value)
                initial[f"c{row}_group"] = str(min(group_no, 3)) if "items" in item else ""
                initial[f"c{row}_field"] = cond["field"]
                initial[f"c{row}_cmp"] = cond["cmp"]
                initial[f"c{row}_value"] = "" if value is None else str(value)
                row += 1
        return initial

    def condition_rows(self):
        return [
            [self[f"c{i}_group"], self[f"c{i}_field"], self[f"c{i}_cmp"], self[f"c{i}_value"]]
            for i in range(ROWS)
        ]

    def tree(self, data) -> dict:
        top: list = []
        groups: dict[str, dict] = {}
        for i in range(ROWS):
            name = data.get(f"c{i}_field")
            if not name:
                continue
            cmp = data.get(f"c{i}_cmp") or "eq"
            text = (data.get(f"c{i}_value") or "").strip()
            value: object = text
            if cmp in ("in", "between"):
                value = [v.strip() for v in text.replace("，", ",").split(",") if v.strip()]
            cond = {"field": name, "cmp": cmp, "value": value}
            group = data.get(f"c{i}_group")
            if group:
                if group not in groups:
                    groups[group] = {"op": data.get("group_op") or "or", "items": []}
                    top.append(groups[group])
                groups[group]["items"].append(cond)
            else:
                top.append(cond)
        return {"op": data.get("op") or "and", "items": top}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        raw = {
            "period_start": data["period_start"].isoformat() if data.get("period_start") else None,
            "period_end": data["period_end"].isoformat() if data.get("period_end") else None,
            "customer_types": data.get("customer_types") or [],
            "branches": data.get("branches") or [],
            "conditions": self.tree(data),
        }
        try:
            self.cleaned_params = P.clean_params("custom", raw)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(key if key in self.fields else None, message)
        return data


class PreviewDateForm(forms.Form):
    """预览命中数's reference date, beside the custom rule's form (today when blank)."""

    preview_as_of = forms.DateField(
        label="预览基准日", required=False, widget=DATE, validators=[within_dates]
    )


class ScreeningForm(forms.Form):
    """使用参数生成数据: rules, D, filters and one-off parameter overrides."""

    as_of = forms.DateField(
        label="年度回访最后一天（基准日）", widget=DATE, validators=[within_dates]
    )
    rules = forms.MultipleChoiceField(
        label="规则",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="不选表示全部启用的规则",
    )
    customer_types = forms.MultipleChoiceField(
        label="客户类型",
        choices=choices.CustomerType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    branches = forms.MultipleChoiceField(label="部门", choices=[], required=False)
    exclude_dormant = forms.BooleanField(label="排除休眠客户", required=False)
    overrides = forms.CharField(
        label="临时参数",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "A002.亏损金额不低于=50000"}),
        help_text="仅本次筛选生效，每行一个：规则编号.参数=值，参数写下方“启用的规则”中的"
        "参数名称（或其代码）；不会修改规则的参数版本",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rules"].choices = [
            (r.code, f"{r.code} {r.name}") for r in Rule.objects.filter(enabled=True)
        ]
        self.fields["branches"].choices = branch_choices(user)
        if not self.is_bound and "as_of" not in self.initial:  # one query, only when shown
            self.initial["as_of"] = default_as_of()

    def clean_overrides(self) -> dict:
        try:
            return parse_overrides((self.cleaned_data.get("overrides") or "").splitlines())
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


def parse_overrides(lines) -> dict[str, dict]:
    """``["A002.min_loss_amount=50000", …]`` → ``{"A002": {"min_loss_amount": "50000"}}``."""
    out: dict[str, dict] = {}
    for line in lines:
        line = line.strip()
        if not line:
            continue
        key, sep, value = line.partition("=")
        code, dot, param = key.strip().partition(".")
        if not sep or not dot or not code or not param:
            raise ValueError(f"“{line}”格式应为 规则编号.参数=值")
        out.setdefault(code.strip().upper(), {})[param.strip()] = value.strip()
    return out
