"""The 管理措施 FilterSet (list page, its export, ``huifang report restrictions``)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from huifang.core.filtersets import YES_NO_ANY, FilterSet, pinned
from huifang.core.scoping import in_subtree
from huifang.org.models import Branch
from huifang.reports.choices import OPEN_MEASURE_STATUSES, RESTRICTING_TYPES, MeasureStatus
from huifang.reports.models import Measure, MeasureType, measure_overdue_q

OPEN = "open"


class MeasureFilterSet(FilterSet):
    q = django_filters.CharFilter(label="投资者代码或名称", method="search")
    branch = django_filters.ModelChoiceFilter(
        label="部门", queryset=Branch.objects.none(), method="in_branch"
    )
    measure_type = django_filters.ModelChoiceFilter(
        label="措施类型", queryset=MeasureType.objects.all()
    )
    status = django_filters.ChoiceFilter(
        label="状态",
        choices=[(OPEN, "未完成（待执行+执行中）"), *MeasureStatus.choices],
        method="in_status",
    )
    overdue = django_filters.BooleanFilter(
        label="已逾期", method="is_overdue", widget=forms.Select(choices=YES_NO_ANY)
    )
    due_date = django_filters.DateFromToRangeFilter(
        label="完成期限",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    created = django_filters.DateFromToRangeFilter(
        label="创建日期",
        field_name="created_at",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    task = pinned("任务编号", "任务 #{}")

    class Meta:
        model = Measure
        fields = ["q", "branch", "measure_type", "status", "overdue", "due_date", "created", "task"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        branches = Branch.objects.all() if user is None else Branch.objects.restrict(user, "view")
        self.filters["branch"].queryset = branches.order_by("path")

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(customer__investor_code__startswith=value) | Q(customer__name__startswith=value)
        )

    def in_branch(self, queryset: QuerySet, name: str, value: Branch | None) -> QuerySet:
        return queryset if value is None else in_subtree(queryset, "branch", value)

    def in_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        if value == OPEN:
            return queryset.filter(status__in=OPEN_MEASURE_STATUSES)
        return queryset.filter(status=value)

    def is_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        late = measure_overdue_q()
        return queryset.filter(late) if value else queryset.exclude(late)


class RestrictionFilterSet(MeasureFilterSet):
    """限制名单's filters: the list holds only open measures of the restricting types, so
    its 措施类型 and 状态 offer only those (the rest could never match a row)."""

    status = django_filters.ChoiceFilter(
        label="状态",
        choices=[(s, MeasureStatus(s).label) for s in OPEN_MEASURE_STATUSES],
        method="in_status",
    )

    class Meta(MeasureFilterSet.Meta):
        fields = ["q", "branch", "measure_type", "status", "overdue", "due_date", "created"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        types = MeasureType.objects.filter(name__in=RESTRICTING_TYPES)
        self.filters["measure_type"].queryset = types


class MeasureTypeFilterSet(FilterSet):
    name = django_filters.CharFilter(label="名称", lookup_expr="icontains")

    class Meta:
        model = MeasureType
        fields = ["name", "is_active"]
