"""The 外呼记录 FilterSet, shared by the list page, its export and ``huifang export calls``;
the 外呼名单 (pushes) and result-mapping lists' FilterSets."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet

from huifang.callbacks.models import Batch, TaskBatch
from huifang.channels.calls.choices import CallResult, CallSource
from huifang.channels.calls.models import CallAttempt, CallPush, ResultMapping
from huifang.core.filtersets import FilterSet, pinned
from huifang.core.scoping import in_subtree
from huifang.org.models import Branch


def _select(choices=()) -> forms.Select:
    return forms.Select(attrs={"class": "form-select"}, choices=choices)


class CallFilterSet(FilterSet):
    q = django_filters.CharFilter(
        label="客户账号、名称或呼叫ID",
        method="search",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    branch = django_filters.ModelChoiceFilter(
        label="营业部",
        queryset=Branch.objects.none(),
        to_field_name="code",
        method="in_branch",
        widget=_select(),
    )
    started_at = django_filters.DateFromToRangeFilter(
        label="拨打日期（起止）",
        widget=django_filters.widgets.DateRangeWidget(
            attrs={"type": "date", "class": "form-control"}
        ),
    )
    result = django_filters.ChoiceFilter(
        label="拨打结果", choices=CallResult.choices, widget=_select()
    )
    source = django_filters.ChoiceFilter(label="来源", choices=CallSource.choices, widget=_select())
    recorded = django_filters.BooleanFilter(
        label="已登记回访记录",
        method="is_recorded",
        widget=_select([("", "全部"), ("true", "是"), ("false", "否")]),
    )
    batch = django_filters.CharFilter(
        label="批次号", method="in_batch", widget=forms.TextInput(attrs={"class": "form-control"})
    )
    task = pinned("任务编号", "任务 #{}")

    class Meta:
        model = CallAttempt
        fields = ["q", "branch", "started_at", "result", "source", "recorded", "batch", "task"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        branches = Branch.objects.all() if user is None else Branch.objects.restrict(user, "view")
        self.filters["branch"].queryset = branches.order_by("path")

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        if value.isascii() and value.isdigit():
            return queryset.filter(customer__investor_code__startswith=value)
        if value.isascii():
            return queryset.filter(call_id=value)
        return queryset.filter(customer__name__startswith=value)

    def in_branch(self, queryset: QuerySet, name: str, value: Branch | None) -> QuerySet:
        return queryset if value is None else in_subtree(queryset, "branch", value)

    def is_recorded(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset if value is None else queryset.filter(record__isnull=not value)

    def in_batch(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        batch_id = Batch.objects.filter(number=value).values_list("pk", flat=True).first()
        if batch_id is None:
            return queryset.none()
        tasks = TaskBatch.objects.filter(batch_id=batch_id).values("task_id")
        return queryset.filter(task_id__in=tasks)


class MappingFilterSet(FilterSet):
    class Meta:
        model = ResultMapping
        fields = ["result"]


class PushFilterSet(FilterSet):
    created_at = django_filters.DateFromToRangeFilter(
        label="推送日期（起止）",
        widget=django_filters.widgets.DateRangeWidget(
            attrs={"type": "date", "class": "form-control"}
        ),
    )

    class Meta:
        model = CallPush
        fields = ["created_at"]
