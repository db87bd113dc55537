"""The questionnaire FilterSet (list page and its export)."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from huifang.callbacks.models import BusinessType
from huifang.core.filtersets import FilterSet
from huifang.surveys.models import Questionnaire


class QuestionnaireFilterSet(FilterSet):
    q = django_filters.CharFilter(label="编号或名称", method="filter_q")
    business_type = django_filters.ModelChoiceFilter(
        label="回访业务类型",
        field_name="business_types",
        queryset=BusinessType.objects.all(),
    )

    class Meta:
        model = Questionnaire
        fields = ["q", "business_type"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(title__icontains=value))
