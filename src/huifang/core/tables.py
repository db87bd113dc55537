import django_tables2 as tables

from huifang.core.audit import action_label
from huifang.core.models import AuditEvent, Job


class AuditEventTable(tables.Table):
    time = tables.DateTimeColumn(format="Y-m-d H:i:s")
    user = tables.Column(verbose_name="操作人", accessor="user__username", default="—")

    def render_action(self, value: str) -> str:
        return action_label(value)

    def value_action(self, value: str) -> str:
        return action_label(value)

    class Meta:
        model = AuditEvent
        fields = [
            "time",
            "user",
            "actor_label",
            "action",
            "object_type",
            "object_repr",
            "before",
            "after",
            "message",
            "ip",
        ]
        order_by = "-time"


class JobTable(tables.Table):
    title = tables.LinkColumn("core:job_detail", args=[tables.A("pk")])
    created_at = tables.DateTimeColumn(format="Y-m-d H:i:s")
    finished_at = tables.DateTimeColumn(format="Y-m-d H:i:s")
    created_by = tables.Column(accessor="created_by__username", verbose_name="发起人")

    class Meta:
        model = Job
        fields = [
            "id",
            "title",
            "kind",
            "status",
            "done",
            "total",
            "created_by",
            "created_at",
            "finished_at",
        ]
        order_by = "-created_at"
