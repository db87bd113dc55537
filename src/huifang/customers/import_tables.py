import django_tables2 as tables

from huifang.core.audit_display import source_label
from huifang.core.columns import CountColumn, DateTimeColumn, UserColumn
from huifang.customers.models import ImportRecord


class ImportRecordTable(tables.Table):
    id = tables.LinkColumn("imports:record_detail", args=[tables.A("pk")], verbose_name="编号")
    started_at = DateTimeColumn(format="Y-m-d H:i:s")
    user = UserColumn("user", verbose_name="导入人", default="—")
    total_rows = CountColumn()
    created = CountColumn()
    updated = CountColumn()
    unchanged = CountColumn()
    rejected = CountColumn()

    class Meta:
        model = ImportRecord
        fields = [
            "id",
            "dataset",
            "file_name",
            "source",
            "user",
            "started_at",
            "status",
            "total_rows",
            "created",
            "updated",
            "unchanged",
            "rejected",
            "checksum",
        ]
        order_by = "-started_at"

    default_columns = (
        "id",
        "dataset",
        "file_name",
        "user",
        "started_at",
        "status",
        "total_rows",
        "created",
        "updated",
        "rejected",
    )

    def render_source(self, value) -> str:
        return source_label(value)

    def value_source(self, value) -> str:
        return source_label(value)
