"""The FilterSets of the plan list and of the 自动导入 runs."""

from __future__ import annotations

import django_filters

from huifang.automation.models import (
    IntakeRun,
    Notification,
    NotificationKind,
    Plan,
    PlanMode,
    PlanRun,
    ReferenceKind,
)
from huifang.core.filtersets import FilterSet


class PlanFilterSet(FilterSet):
    # Labelled here, not left to django-filter's lazy lookup of the model's verbose names:
    # in a full browser run that lookup once read "Reference kind" / "Mode" on the page.
    name = django_filters.CharFilter(label="计划名称", lookup_expr="icontains")
    reference_kind = django_filters.ChoiceFilter(
        label="回访基准日", choices=ReferenceKind.choices, empty_label="全部"
    )
    mode = django_filters.ChoiceFilter(
        label="执行方式", choices=PlanMode.choices, empty_label="全部"
    )

    class Meta:
        model = Plan
        fields = ["name", "reference_kind", "mode", "enabled"]


class IntakeRunFilterSet(FilterSet):
    file_name = django_filters.CharFilter(label="文件名", lookup_expr="icontains")

    class Meta:
        model = IntakeRun
        fields = ["dataset", "status", "file_name"]


class NotificationFilterSet(FilterSet):
    """站内消息: 未读 / 已读 and the kind; the queryset is the person's own messages."""

    status = django_filters.ChoiceFilter(
        label="状态",
        choices=[("unread", "未读"), ("read", "已读")],
        empty_label="全部",
        method="in_status",
    )
    kind = django_filters.ChoiceFilter(
        label="类型", choices=NotificationKind.choices, empty_label="全部"
    )

    class Meta:
        model = Notification
        fields = ["status", "kind"]

    def in_status(self, queryset, name: str, value: str):
        if value == "unread":
            return queryset.filter(read_at__isnull=True)
        if value == "read":
            return queryset.filter(read_at__isnull=False)
        return queryset


class PlanRunFilterSet(FilterSet):
    """The runs of plans (the plan page's 执行记录): by plan, status, reference date."""

    occurrence = django_filters.DateFromToRangeFilter(
        label="回访基准日",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    class Meta:
        model = PlanRun
        fields = ["plan", "status", "trigger", "occurrence"]
