import django_filters

from huifang.core.filtersets import FilterSet
from huifang.customers.models import ImportRecord


class ImportRecordFilterSet(FilterSet):
    dataset = django_filters.ChoiceFilter(label="数据集", choices=ImportRecord.Dataset.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=ImportRecord.Status.choices)
    started_at = django_filters.DateFromToRangeFilter(
        label="导入时间",
        widget=django_filters.widgets.RangeWidget(attrs={"type": "date"}),
    )
    file_name = django_filters.CharFilter(label="文件名", lookup_expr="icontains")

    class Meta:
        model = ImportRecord
        fields = ["dataset", "status", "started_at", "file_name"]
