"""The message FilterSet (page, export) and the opt-out list's."""

from __future__ import annotations

import django_filters

from huifang.channels.sms.models import SmsMessage, SmsOptOut, SmsStatus, SmsTemplate
from huifang.channels.sms.rendering import mainland_mobile
from huifang.core.fieldcrypt import blind_index
from huifang.core.filtersets import FilterSet


class MessageFilterSet(FilterSet):
    q = django_filters.CharFilter(label="投资者代码", field_name="customer__investor_code")
    template = django_filters.ModelChoiceFilter(
        label="短信模板", queryset=SmsTemplate.objects.all()
    )
    status = django_filters.ChoiceFilter(label="状态", choices=SmsStatus.choices)
    task = django_filters.NumberFilter(label="回访任务")
    day_from = django_filters.DateFilter(label="发送日从", field_name="day", lookup_expr="gte")
    day_to = django_filters.DateFilter(label="发送日至", field_name="day", lookup_expr="lte")

    class Meta:
        model = SmsMessage
        fields = ["q", "template", "status", "task", "day_from", "day_to"]


class TemplateFilterSet(FilterSet):
    q = django_filters.CharFilter(label="模板编号或名称", method="search")

    class Meta:
        model = SmsTemplate
        fields = ["q", "enabled"]

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class OptOutFilterSet(FilterSet):
    mobile = django_filters.CharFilter(label="手机号（完整 11 位）", method="exact_mobile")

    class Meta:
        model = SmsOptOut
        fields = ["mobile"]

    def exact_mobile(self, queryset, name, value):
        """Numbers are stored encrypted: a whole number is found through its blind index."""
        value = (value or "").strip()
        if not value:
            return queryset
        number = mainland_mobile(value) or value
        return queryset.filter(mobile_bidx=blind_index(number))
