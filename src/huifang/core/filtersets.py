import django_filters
from django import forms
from django.db import models

from huifang.core.models import AuditEvent, Job

# "Any" first: django-filter's own yes/no select offers 未知/是/否, "未知" meaning "any".
YES_NO_ANY = [("", "全部"), ("true", "是"), ("false", "否")]


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet with the model's yes/no fields offered as 全部/是/否."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {
            "filter_class": django_filters.BooleanFilter,
            "extra": lambda field: {"widget": forms.Select(choices=YES_NO_ANY)},
        },
    }


class AuditEventFilterSet(django_filters.FilterSet):
    time = django_filters.DateFromToRangeFilter(
        label="时间",
        widget=django_filters.widgets.RangeWidget(attrs={"type": "date"}),
    )
    action = django_filters.CharFilter(label="动作")
    object_type = django_filters.CharFilter(label="对象类型")
    user__username = django_filters.CharFilter(label="操作人用户名")
    q = django_filters.CharFilter(label="搜索", method="search")

    class Meta:
        model = AuditEvent
        fields = ["time", "action", "object_type", "user__username"]

    def search(self, queryset, name, value):
        return queryset.filter(object_repr__icontains=value) | queryset.filter(
            message__icontains=value
        )


class JobFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=Job.Status.choices)
    kind = django_filters.CharFilter(label="类型")

    class Meta:
        model = Job
        fields = ["status", "kind"]
