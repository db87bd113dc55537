"""The FilterSets of the plan list and of the 自动导入 runs."""

from __future__ import annotations

import django_filters

from huifang.automation.models import IntakeRun, Plan
from huifang.core.filtersets import FilterSet


class PlanFilterSet(FilterSet):
    name = django_filters.CharFilter(label="计划名称", lookup_expr="icontains")

    class Meta:
        model = Plan
        fields = ["name", "reference_kind", "mode", "enabled"]


class IntakeRunFilterSet(FilterSet):
    file_name = django_filters.CharFilter(label="文件名", lookup_expr="icontains")

    class Meta:
        model = IntakeRun
        fields = ["dataset", "status", "file_name"]
