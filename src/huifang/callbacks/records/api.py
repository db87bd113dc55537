"""``/api/v1/callback-records/``: the record list's filters, scoping and masking (read), and
POST to register an attempt through the same service as the page. There is no update or
delete: records are corrected in the page (versioned) and never deleted.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, pagination, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records import services
from huifang.callbacks.records.choices import Method, RecordStatus
from huifang.callbacks.records.filtersets import RecordFilterSet
from huifang.callbacks.records.models import CallbackRecord, FailureReason
from huifang.callbacks.records.tables import RecordTable
from huifang.core.api import ExportViewSetMixin, ScopedViewSetMixin, TableValueField
from huifang.core.choices import parse_choice
from huifang.core.masking import mask_phone

TEXT_FIELDS = (
    "status",
    "method",
    "channel_source",
    "mobile_used",
    "phone_used",
    "address",
    "tags",
    "remark",
)


class RecordCursorPagination(pagination.CursorPagination):
    """Keyset pages, newest first (no COUNT over millions of records)."""

    ordering = ("-called_at", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class RecordSerializer(serializers.ModelSerializer):
    branch_code = serializers.CharField(source="task.branch.code", read_only=True)
    account_branch = serializers.CharField(source="customer.branch.name", read_only=True)
    investor_code = serializers.CharField(source="customer.investor_code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    # Masked and labelled by the record list's table, as on the page and in its exports.
    phone = TableValueField(RecordTable, help_text="联系电话（脱敏）")
    gender = serializers.CharField(source="customer.get_gender_display", read_only=True)
    age = TableValueField(RecordTable, schema=OpenApiTypes.INT, allow_null=True)
    risk_level = TableValueField(RecordTable)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    failure_reason = serializers.CharField(
        source="failure_reason.name", default=None, read_only=True
    )
    method_label = serializers.CharField(source="get_method_display", read_only=True)
    # None for a questionnaire the customer answered alone (掌厅/H5): no agent.
    agent = serializers.CharField(source="agent.username", default=None, read_only=True)
    business_type = serializers.CharField(source="business_type.name", read_only=True)
    batch = serializers.CharField(source="task.batch.number", read_only=True)
    mobile_used = serializers.SerializerMethodField()
    phone_used = serializers.SerializerMethodField()
    feedback = TableValueField(RecordTable, help_text="反馈营业部：已反馈/未反馈")

    class Meta:
        model = CallbackRecord
        fields = [
            "id",
            "task",
            "branch_code",
            "account_branch",
            "called_at",
            "investor_code",
            "customer_name",
            "phone",
            "gender",
            "age",
            "risk_level",
            "status",
            "status_label",
            "feedback",
            "failure_reason",
            "method",
            "method_label",
            "duration_seconds",
            "agent",
            "business_type",
            "batch",
            "channel_source",
            "mobile_used",
            "phone_used",
            "address",
            "tags",
            "remark",
            "appointment_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_mobile_used(self, obj: CallbackRecord) -> str:
        return mask_phone(obj.mobile_used)

    def get_phone_used(self, obj: CallbackRecord) -> str:
        return mask_phone(obj.phone_used)


def _choice(choices, noun: str, value: str) -> str:
    try:
        return parse_choice(choices, value, noun=noun)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


class RecordCreateSerializer(serializers.Serializer):
    """登记回访记录. ``status`` / ``method`` accept the stored value or the Chinese label;
    ``failure_reason`` is the reason's name; ``duration`` seconds or "mm:ss"."""

    task = serializers.IntegerField(help_text="回访任务编号")
    status = serializers.CharField(help_text="成功/失败/其他（或 success/failure/other）")
    failure_reason = serializers.CharField(required=False, allow_blank=True)
    method = serializers.CharField(
        help_text="电话、短信、外呼、掌厅问卷、H5问卷、线下问卷、视频、面谈"
    )
    called_at = serializers.DateTimeField()
    duration = serializers.CharField(required=False, allow_blank=True, default="0")
    channel_source = serializers.CharField(required=False, allow_blank=True, max_length=50)
    mobile_used = serializers.CharField(required=False, allow_blank=True, max_length=20)
    phone_used = serializers.CharField(required=False, allow_blank=True, max_length=40)
    address = serializers.CharField(required=False, allow_blank=True, max_length=300)
    tags = serializers.CharField(required=False, allow_blank=True, max_length=200)
    remark = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=services.REMARK_MAX,
        error_messages={"max_length": f"备注不能超过 {services.REMARK_MAX} 字"},
    )
    appointment_at = serializers.DateTimeField(required=False, allow_null=True)
    feedback = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="反馈营业部",
        max_length=services.REMARK_MAX,
        error_messages={"max_length": f"反馈内容不能超过 {services.REMARK_MAX} 字"},
    )
    expected_attempts = serializers.IntegerField(
        required=False, min_value=0, help_text="乐观锁：客户端看到的任务回访次数"
    )
    recording_reference = serializers.CharField(required=False, allow_blank=True, max_length=300)
    recording_sha256 = serializers.CharField(required=False, allow_blank=True, max_length=64)

    def validate_status(self, value: str) -> str:
        return _choice(RecordStatus, "回访状态", value)

    def validate_method(self, value: str) -> str:
        return _choice(Method, "回访形式", value)

    def validate_failure_reason(self, value: str) -> FailureReason | None:
        value = (value or "").strip()
        if not value:
            return None
        reason = FailureReason.objects.filter(name=value).first()
        if reason is None:
            raise ValidationError(f"失败原因“{value}”不在字典中")
        return reason

    def validate_task(self, value: int) -> CallbackTask:
        user = self.context["request"].user
        task = CallbackTask.objects.restrict(user, "view").filter(pk=value).first()
        if task is None:
            raise ValidationError("回访任务不存在或不在您的权限范围内")
        return task


class RecordViewSet(
    ScopedViewSetMixin,
    ExportViewSetMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """回访记录：只读列表与详情（与页面相同的筛选、范围与脱敏），POST 登记一条回访记录。

    筛选参数：q, branch（部门代码，含下级）, called_at_after/called_at_before, status, method,
    agent（用户名）, business_type, batch（批次号）, failure_reason, fed_back, task。
    回访记录不能修改或删除（修改在页面进行并保留历史）。
    export/?file_format=xlsx|csv：按同样的筛选导出，列与页面导出一致（脱敏、审计）。
    """

    queryset = CallbackRecord.objects.select_related(
        "task__branch",
        "task__batch",
        "customer__branch",
        "failure_reason",
        "agent",
        "business_type",
    )
    serializer_class = RecordSerializer
    filterset_class = RecordFilterSet
    pagination_class = RecordCursorPagination
    export_table = RecordTable
    export_name = "callback_records"
    export_title = "回访记录"

    @extend_schema(request=RecordCreateSerializer, responses={201: RecordSerializer})
    def create(self, request, *args, **kwargs):
        data = RecordCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        task = values.pop("task")
        attachments = []
        if values.get("recording_reference"):
            attachments.append(
                services.AttachmentInput(
                    reference=values["recording_reference"],
                    sha256=values.get("recording_sha256", ""),
                )
            )
        content = {key: values.get(key, "") for key in TEXT_FIELDS}
        content.update(
            failure_reason=values.get("failure_reason"),
            called_at=values["called_at"],
            duration_seconds=values.get("duration") or "0",
            appointment_at=values.get("appointment_at"),
        )
        try:
            record = services.do_create_record(
                task,
                content,
                actor=request.user,
                expected_attempts=values.get("expected_attempts"),
                attachments=attachments,
                feedback=values.get("feedback", ""),
            )
        except DjangoValidationError as exc:
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
            raise ValidationError(detail) from exc
        record = self.queryset.get(pk=record.pk)
        return Response(RecordSerializer(record).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    router.register("callback-records", RecordViewSet, basename="callback-record")
