"""One FilterSet per listed model, shared by the pages, their exports and the API."""

from __future__ import annotations

import django_filters

from huifang.core.filtersets import FilterSet, pinned
from huifang.core.widgets import DateInput
from huifang.customers import choices
from huifang.org.models import Branch
from huifang.rules.models import Hit, Rule, RuleKind, RunStatus, ScreeningRun


class RuleFilterSet(FilterSet):
    q = django_filters.CharFilter(label="编号或名称", method="search")
    kind = django_filters.ChoiceFilter(label="规则类型", choices=RuleKind.choices)

    class Meta:
        model = Rule
        fields = ["kind", "enabled"]

    def search(self, queryset, name, value):
        return queryset.filter(code__icontains=value) | queryset.filter(name__icontains=value)


class RunFilterSet(FilterSet):
    status = django_filters.ChoiceFilter(
        label="状态",
        choices=[
            (RunStatus.PREVIEW, RunStatus.PREVIEW.label),
            (RunStatus.FROZEN, RunStatus.FROZEN.label),
        ],
    )
    as_of = django_filters.DateFilter(label="基准日", widget=DateInput())

    class Meta:
        model = ScreeningRun
        fields = ["status", "as_of"]


class HitFilterSet(FilterSet):
    q = django_filters.CharFilter(label="投资者代码或名称", method="search")
    rule = django_filters.CharFilter(label="命中规则编号", method="by_rule")
    customer_type = django_filters.ChoiceFilter(
        label="客户类型", choices=choices.CustomerType.choices
    )
    branch = django_filters.ModelChoiceFilter(
        label="部门（含下级）", queryset=Branch.objects.none(), method="by_branch"
    )
    # The API lists every run's hits: ``?run=`` picks one (its page has the run in the URL).
    run = pinned("筛选编号", "筛选 #{}")

    class Meta:
        model = Hit
        fields = ["customer_type"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["branch"].queryset = Branch.objects.restrict(request.user, "view")

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(investor_code__startswith=value) | queryset.filter(
            name__icontains=value
        )

    def by_rule(self, queryset, name, value):
        return queryset.filter(rule_codes__contains=f",{value.strip().upper()},")

    def by_branch(self, queryset, name, value):
        return queryset.filter(branch__path__startswith=value.path)
