"""``/api/v1/audit-events/``: the audit log, read-only, for those who may read it on its
page (HQ and auditors): the page's FilterSet, keyset pages, and the page's own labelled
values (action, object type, source, each field's before → after) beside the stored codes.
Values the log keeps masked are stored masked; the API shows them as stored."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from huifang.core.api import (
    ExportViewSetMixin,
    KeysetPagination,
    ScopedReadOnlyViewSet,
    TableValueField,
)
from huifang.core.filtersets import AuditEventFilterSet
from huifang.core.models import AuditEvent
from huifang.core.tables import AuditEventTable


class AuditCursorPagination(KeysetPagination):
    """Newest first, as the page; keyset pages (the log holds millions of rows)."""

    ordering = ("-time", "-id")


AUDIT_EVENT_EXAMPLE = {
    "id": 1024,
    "time": "2026-01-05T10:00:00+08:00",
    "username": "hq_admin",
    "user": "张合规",
    "actor_label": "web",
    "source": "页面",
    "ip": "10.1.2.3",
    "request_id": "5d7c437f33a9447d963d8505aa0fd471",
    "action_code": "update",
    "action": "修改",
    "object_type_code": "rules.rule",
    "object_type": "回访规则",
    "object_id": "A002",
    "object_repr": "A002 大额亏损",
    "changes": "亏损比例：30% → 25%",
    "before": {"loss_ratio": "0.30"},
    "after": {"loss_ratio": "0.25"},
    "message": "参数版本 3",
}


@extend_schema_serializer(
    examples=[OpenApiExample("修改规则参数", value=AUDIT_EVENT_EXAMPLE, response_only=True)]
)
class AuditEventSerializer(serializers.ModelSerializer):
    username = serializers.CharField(
        source="user.username", default=None, allow_null=True, read_only=True
    )
    user = TableValueField(AuditEventTable, allow_null=True, help_text="操作人（如页面所示）")
    source = TableValueField(AuditEventTable, column="actor_label", help_text="来源（中文）")
    action_code = serializers.CharField(source="action", read_only=True)
    action = TableValueField(AuditEventTable, help_text="动作（中文）")
    object_type_code = serializers.CharField(source="object_type", read_only=True)
    object_type = TableValueField(AuditEventTable, help_text="对象类型（中文）")
    changes = TableValueField(AuditEventTable, help_text="变更内容：每行“字段：旧 → 新”")
    before = serializers.JSONField(read_only=True, help_text="修改前（原始数据）")
    after = serializers.JSONField(read_only=True, help_text="修改后（原始数据）")

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "time",
            "username",
            "user",
            "actor_label",
            "source",
            "ip",
            "request_id",
            "action_code",
            "action",
            "object_type_code",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "before",
            "after",
            "message",
        ]
        read_only_fields = fields


class AuditEventViewSet(ExportViewSetMixin, ScopedReadOnlyViewSet):
    """审计日志（只读）：总部和稽核可查看，时间倒序（新的在前）。

    筛选参数与审计日志页面相同：time_after/time_before（日期）, action（动作代码）,
    object_type（如 reports.measure）, user__username, q（对象或说明包含）。
    export/?file_format=xlsx|csv 按同样的筛选导出页面的列（含原始数据，导出本身也记入审计）。
    """

    queryset = AuditEvent.objects.select_related("user")
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    pagination_class = AuditCursorPagination
    export_table = AuditEventTable
    export_name = "audit"
    export_title = "审计日志"


def register(router) -> None:
    router.register("audit-events", AuditEventViewSet, basename="audit-event")
