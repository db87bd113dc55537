"""The 证据包 page's form: the scope (a customer, a batch, or a branch and period)."""

from __future__ import annotations

from django import forms

from huifang.core.filtersets import within_dates
from huifang.core.widgets import DateInput
from huifang.customers.models import Customer
from huifang.org.models import Branch
from huifang.reports.evidence.scope import Scope, ScopeError, resolve

KINDS = [("customer", "客户"), ("batch", "批次"), ("branch", "部门及期间")]


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(
        label="范围",
        choices=KINDS,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    customer = forms.CharField(label="投资者代码", required=False, max_length=32)
    batch = forms.CharField(label="批次号", required=False, max_length=10)
    branch = forms.ModelChoiceField(
        label="部门（含下级部门）", queryset=Branch.objects.none(), required=False
    )
    start = forms.DateField(
        label="任务创建日期起", required=False, validators=[within_dates], widget=DateInput()
    )
    end = forms.DateField(
        label="任务创建日期止", required=False, validators=[within_dates], widget=DateInput()
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["branch"].queryset = Branch.objects.restrict(user, "view").order_by("path")

    @classmethod
    def initial_from(cls, query) -> dict:
        """Prefilled from the 360 page's or the batch page's link (``?customer=…``,
        ``?batch=…``, ``?branch=CODE&start=…&end=…``)."""
        initial = {key: query.get(key) for key in ("customer", "batch", "start", "end")}
        if query.get("branch"):
            initial["branch"] = Branch.objects.filter(code=query["branch"]).first()
        kind = next((k for k, _ in KINDS if query.get(k)), "customer")
        return {"kind": kind, **{k: v for k, v in initial.items() if v}}

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind is None or self.errors:
            return data
        branch = data.get("branch")
        try:
            scope = resolve(
                customer=data.get("customer") if kind == "customer" else None,
                batch=data.get("batch") if kind == "batch" else None,
                branch=branch.code if kind == "branch" and branch else None,
                start=data.get("start") if kind == "branch" else None,
                end=data.get("end") if kind == "branch" else None,
            )
        except ScopeError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if (
            scope.customer is not None
            and not Customer.objects.restrict(self.user, "view")
            .filter(pk=scope.customer.pk)
            .exists()
        ):
            raise forms.ValidationError(
                f"投资者代码“{scope.customer.investor_code}”不在您的权限范围内"
            )
        data["scope"] = scope
        return data

    @property
    def scope(self) -> Scope:
        return self.cleaned_data["scope"]
