import django_filters

from huifang.core.filtersets import FilterSet
from huifang.partners.models import Partner, PartnerKind


class PartnerFilterSet(FilterSet):
    q = django_filters.CharFilter(label="名称或 Key", method="search")
    kind = django_filters.ChoiceFilter(label="类型", choices=PartnerKind.choices)

    class Meta:
        model = Partner
        fields = ["kind", "is_enabled"]

    def search(self, queryset, name, value):
        return queryset.filter(name__icontains=value) | queryset.filter(key__icontains=value)
