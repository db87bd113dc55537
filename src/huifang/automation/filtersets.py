"""The FilterSets of the plan list and of a plan's runs."""

from __future__ import annotations

import django_filters

from huifang.automation.models import Plan
from huifang.core.filtersets import FilterSet


class PlanFilterSet(FilterSet):
    name = django_filters.CharFilter(label="计划名称", lookup_expr="icontains")

    class Meta:
        model = Plan
        fields = ["name", "reference_kind", "mode", "enabled"]
