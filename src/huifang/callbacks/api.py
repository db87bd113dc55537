"""Read API of the callback list: ``/api/v1/callback-tasks/`` (the task list page's filters
and scoping), ``/api/v1/callback-batches/`` and ``/api/v1/business-types/``."""

from __future__ import annotations

from rest_framework import pagination, serializers

from huifang.callbacks.filtersets import BatchFilterSet, TaskFilterSet
from huifang.callbacks.models import Batch, BusinessType, CallbackTask
from huifang.callbacks.tables import TaskTable
from huifang.core.api import ExportViewSetMixin, ScopedReadOnlyViewSet, TableValueField


class TaskCursorPagination(pagination.CursorPagination):
    """Keyset pages (no COUNT over a million tasks)."""

    ordering = "-id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class TaskSerializer(serializers.ModelSerializer):
    investor_code = serializers.CharField(source="customer.investor_code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    branch_code = serializers.CharField(source="branch.code", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    customer_type = serializers.CharField(
        source="customer.get_customer_type_display", read_only=True
    )
    risk_level = TableValueField(TaskTable)  # as the task list shows it
    account_status = serializers.CharField(source="customer.get_status_display", read_only=True)
    dormant = serializers.BooleanField(source="customer.dormant", read_only=True)
    business_type = serializers.CharField(source="business_type.name", read_only=True)
    batch = serializers.CharField(source="batch.number", read_only=True)
    batches = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    rule_codes = serializers.SerializerMethodField()
    assignee = serializers.CharField(source="assignee.username", default=None, read_only=True)

    class Meta:
        model = CallbackTask
        fields = [
            "id",
            "investor_code",
            "customer_name",
            "branch_code",
            "branch_name",
            "customer_type",
            "risk_level",
            "account_status",
            "dormant",
            "business_type",
            "rule_codes",
            "reasons",
            "status",
            "status_label",
            "batch",
            "batches",
            "deadline",
            "deadline_provisional",
            "assignee",
            "attempt_count",
            "unanswered_count",
            "appointment_at",
            "close_reason",
            "created_at",
            "updated_at",
        ]

    def get_rule_codes(self, obj: CallbackTask) -> list[str]:
        return obj.codes

    def get_batches(self, obj: CallbackTask) -> list[str]:
        return [link.batch.number for link in obj.links.all()]


class TaskViewSet(ExportViewSetMixin, ScopedReadOnlyViewSet):
    """回访任务（只读）：与任务列表页相同的筛选条件与数据范围；export/ 导出与页面相同的列。"""

    queryset = CallbackTask.objects.select_related(
        "customer", "branch", "business_type", "batch", "assignee"
    ).prefetch_related("links__batch")
    serializer_class = TaskSerializer
    filterset_class = TaskFilterSet
    pagination_class = TaskCursorPagination
    export_table = TaskTable
    export_name = "callback_tasks"
    export_title = "回访任务"


class BatchSerializer(serializers.ModelSerializer):
    business_type = serializers.CharField(source="business_type.name", read_only=True)
    created_by = serializers.CharField(source="created_by.username", default=None, read_only=True)

    class Meta:
        model = Batch
        fields = [
            "id",
            "number",
            "run",
            "business_type",
            "as_of",
            "hit_count",
            "created_count",
            "merged_count",
            "skipped_count",
            "deadline",
            "deadline_provisional",
            "created_by",
            "created_at",
        ]


class BatchViewSet(ScopedReadOnlyViewSet):
    """回访批次（只读）。"""

    queryset = Batch.objects.select_related("business_type", "created_by").order_by("-number")
    serializer_class = BatchSerializer
    filterset_class = BatchFilterSet
    lookup_field = "number"


class BusinessTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = BusinessType
        fields = [
            "id",
            "name",
            "description",
            "deadline_rule",
            "deadline_days",
            "event_age",
            "max_unanswered_attempts",
            "questionnaire_required",
            "is_active",
        ]


class BusinessTypeViewSet(ScopedReadOnlyViewSet):
    """回访业务类型（只读）。"""

    queryset = BusinessType.objects.order_by("sort_order", "name")
    serializer_class = BusinessTypeSerializer


def register(router) -> None:
    router.register("callback-tasks", TaskViewSet, basename="callback-task")
    router.register("callback-batches", BatchViewSet, basename="callback-batch")
    router.register("business-types", BusinessTypeViewSet, basename="business-type")
