"""``/api/v1/callback-records/``: the record list's filters, scoping and masking (read),
POST to register an attempt and PATCH to correct one (versioned, optimistic lock) through
the same services as the pages, ``history/`` (the versions as the page's 修改历史 shows
them, masked). Records are never deleted. ``/api/v1/failure-reasons/``: the dictionary,
maintained by HQ through its page's form and service. ``/api/v1/branch-feedback/``:
反馈营业部 and its handling.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from huifang.callbacks import api_examples as examples
from huifang.callbacks.api import (
    ID,
    MaintainedViewSetMixin,
    ServiceCheckedPermission,
    conflict,
)
from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records import services
from huifang.callbacks.records.choices import Method, RecordStatus
from huifang.callbacks.records.filtersets import (
    FailureReasonFilterSet,
    FeedbackFilterSet,
    RecordFilterSet,
)
from huifang.callbacks.records.forms import FailureReasonForm
from huifang.callbacks.records.history import version_rows
from huifang.callbacks.records.models import BranchFeedback, CallbackRecord, FailureReason
from huifang.callbacks.records.tables import RecordTable
from huifang.core.api import (
    ExportViewSetMixin,
    KeysetPagination,
    ScopedReadOnlyViewSet,
    ScopedViewSetMixin,
    TableValueField,
)
from huifang.core.api_errors import Conflict
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


class RecordCursorPagination(KeysetPagination):
    """Keyset pages, newest first (no COUNT over millions of records)."""

    ordering = ("-called_at", "-id")


@extend_schema_serializer(
    examples=[
        OpenApiExample("回访记录（联系电话已掩码）", value=examples.RECORD, response_only=True)
    ]
)
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
        source="failure_reason.name", default=None, allow_null=True, read_only=True
    )
    method_label = serializers.CharField(source="get_method_display", read_only=True)
    # None for a questionnaire the customer answered alone (掌厅/H5): no agent.
    agent = serializers.CharField(
        source="agent.username", default=None, allow_null=True, read_only=True
    )
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


class RecordChoicesMixin:
    """状态, 形式 (stored value or Chinese label) and 失败原因 (by name) of a record body.
    Any reason of the dictionary: the service refuses a deactivated one unless the record
    already has it (as the page's form offers it)."""

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


class RecordCreateSerializer(RecordChoicesMixin, serializers.Serializer):
    """登记回访记录. ``status`` / ``method`` accept the stored value or the Chinese label;
    ``failure_reason`` is the reason's name; ``duration`` seconds or "mm:ss"."""

    task = serializers.IntegerField(help_text="回访任务编号", **ID)
    status = serializers.CharField(help_text="成功/失败/其他（或 success/failure/other）")
    failure_reason = serializers.CharField(required=False, allow_blank=True)
    method = serializers.CharField(
        help_text="电话、短信、外呼、掌厅问卷、H5问卷、线下问卷、视频、面谈"
    )
    called_at = serializers.DateTimeField()
    duration = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="秒数或“分:秒”；不填或空为时长未知",
    )
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
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text="乐观锁：客户端看到的任务回访次数",
    )
    recording_reference = serializers.CharField(required=False, allow_blank=True, max_length=300)
    recording_sha256 = serializers.CharField(required=False, allow_blank=True, max_length=64)

    def validate_task(self, value: int) -> CallbackTask:
        user = self.context["request"].user
        task = CallbackTask.objects.restrict(user, "view").filter(pk=value).first()
        if task is None:
            raise ValidationError("回访任务不存在或不在您的权限范围内")
        return task


class RecordUpdateSerializer(RecordChoicesMixin, serializers.Serializer):
    """修改回访记录 (the page's edit form): ``version`` is the version the caller read (a
    record saved by someone else since is refused with 409); only the fields sent change."""

    version = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        help_text="乐观锁：客户端读到的记录版本号（version）",
        error_messages={"required": "请提供读取时的记录版本号 version"},
    )
    change_reason = serializers.CharField(
        max_length=200,
        help_text="修改说明（记入修改历史）",
        error_messages={
            "required": "请填写修改说明",
            "blank": "请填写修改说明",
            "max_length": "修改说明不能超过 200 字",
        },
    )
    status = serializers.CharField(required=False, help_text="成功/失败/其他")
    failure_reason = serializers.CharField(required=False, allow_blank=True)
    method = serializers.CharField(required=False)
    called_at = serializers.DateTimeField(required=False)
    duration = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="秒数或“分:秒”；空为时长未知"
    )
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
    recording_reference = serializers.CharField(required=False, allow_blank=True, max_length=300)
    recording_sha256 = serializers.CharField(required=False, allow_blank=True, max_length=64)


def _current_content(record: CallbackRecord) -> dict:
    """The record's content in the service's terms (what an unsent field keeps)."""
    return {
        **{name: getattr(record, name) for name in TEXT_FIELDS},
        "failure_reason": record.failure_reason,
        "called_at": record.called_at,
        "duration_seconds": record.duration_seconds,
        "appointment_at": record.appointment_at,
    }


class VersionFieldSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="字段")
    value = serializers.CharField(help_text="该版本的值（如页面所示，号码脱敏）")
    changed = serializers.BooleanField(help_text="该版本是否修改了此字段")
    old = serializers.CharField(help_text="修改前的值（仅 changed 时）")


class RecordVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    changed_at = serializers.DateTimeField()
    changed_by = serializers.CharField(
        source="changed_by.username", default=None, allow_null=True, help_text="修改人用户名"
    )
    reason = serializers.CharField(help_text="修改说明")
    fields = VersionFieldSerializer(many=True)


@extend_schema_view(
    list=extend_schema(summary="回访记录列表"),
    retrieve=extend_schema(summary="回访记录"),
)
class RecordViewSet(
    ScopedViewSetMixin,
    ExportViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """回访记录：列表与详情（与页面相同的筛选、范围与脱敏），按回访时间倒序（游标分页）；
    POST 登记一条回访记录；PATCH 修改（带读取时的 version，他人已修改则 409，原内容保留在
    修改历史）；history/ 修改历史。回访记录不能删除。

    筛选参数：q, branch（部门代码，含下级）, called_at_after/called_at_before, status, method,
    agent（用户名）, business_type, batch（批次号）, failure_reason, fed_back, task。
    export/?file_format=xlsx|csv：按同样的筛选导出，列与页面导出一致（脱敏、审计）。
    """

    http_method_names = ["get", "post", "patch", "head", "options"]

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

    @extend_schema(
        request=RecordCreateSerializer,
        responses={201: RecordSerializer},
        examples=[
            OpenApiExample(
                "电话回访成功",
                value={
                    "task": 345,
                    "status": "成功",
                    "method": "电话",
                    "called_at": "2026-01-05T10:00:00+08:00",
                    "duration": "03:20",
                    "mobile_used": "13812345678",
                    "remark": "客户确认了解风险",
                    "expected_attempts": 1,
                },
                request_only=True,
            ),
            OpenApiExample(
                "无人接听",
                value={
                    "task": 345,
                    "status": "失败",
                    "failure_reason": "无人接听",
                    "method": "电话",
                    "called_at": "2026-01-05T09:30:00+08:00",
                },
                request_only=True,
            ),
        ],
    )
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
            duration_seconds=values.get("duration"),
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

    @extend_schema(
        summary="修改回访记录",
        request=RecordUpdateSerializer,
        responses={
            200: RecordSerializer,
            409: conflict(
                "该回访记录已被他人于 2026-01-05 10:00:00 修改（当前版本 2，您打开的是版本 1），您的修改未保存，请刷新页面后重新修改"
            ),
        },
        examples=[
            OpenApiExample(
                "补充备注",
                value={"version": 1, "change_reason": "补录客户意见", "remark": "客户已知悉风险"},
                request_only=True,
            )
        ],
    )
    def partial_update(self, request, *args, **kwargs):
        """修改回访记录（回访服务记录维护 · 修改）：只改提交的字段；已结束任务的记录仅总部
        合规管理员可改（403）；回访专员不能修改同事任务（分配给其他回访专员）的记录或为其添加
        录音（403，说明任务由谁负责）；version 不是当前版本时 409，不做任何修改。"""
        record = self.get_object()
        body = RecordUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        expected = values.pop("version")
        reason = values.pop("change_reason")
        attachments = []
        reference = values.pop("recording_reference", "")
        sha256 = values.pop("recording_sha256", "")
        if reference:
            attachments.append(services.AttachmentInput(reference=reference, sha256=sha256))
        content = _current_content(record)
        if "duration" in values:
            content["duration_seconds"] = values.pop("duration")
        content.update(values)
        try:
            services.do_update_record(
                record,
                content,
                actor=request.user,
                expected_version=expected,
                reason=reason,
                attachments=attachments,
            )
        except DjangoValidationError as exc:
            record.refresh_from_db(fields=["version"])
            if record.version != expected:  # the optimistic lock: someone saved first
                raise Conflict("；".join(exc.messages)) from exc
            raise
        return Response(RecordSerializer(self.queryset.get(pk=record.pk)).data)

    @extend_schema(
        summary="回访记录修改历史",
        responses={200: RecordVersionSerializer(many=True)},
        examples=[
            OpenApiExample(
                "两个版本",
                value={
                    "version": 2,
                    "changed_at": "2026-01-05T10:00:00+08:00",
                    "changed_by": "010101_manager",
                    "reason": "补录客户意见",
                    "fields": [
                        {
                            "label": "手机号",
                            "value": "138****5678",
                            "changed": False,
                            "old": "",
                        },
                        {
                            "label": "备注",
                            "value": "客户已知悉风险",
                            "changed": True,
                            "old": "",
                        },
                    ],
                },
                response_only=True,
            )
        ],
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        """记录的全部版本（最新在前）：修改人、时间、说明与各字段的值（如页面所示，号码脱敏）。"""
        record = self.get_object()
        return Response(RecordVersionSerializer(version_rows(record), many=True).data)


# ---------------------------------------------------------------- failure reasons


FAILURE_REASON_EXAMPLE = {
    "id": 1,
    "name": "无人接听",
    "counts_as_unanswered": True,
    "is_final": False,
    "remark_required": False,
    "asks_appointment": False,
    "is_active": True,
    "sort_order": 10,
}


@extend_schema_serializer(
    examples=[OpenApiExample("失败原因", value=FAILURE_REASON_EXAMPLE, response_only=True)]
)
class FailureReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = FailureReason
        fields = ["id", *services.REASON_FIELDS]


class FailureReasonWriteSerializer(serializers.ModelSerializer):
    """The body of POST/PATCH (validated by the page's form, FailureReasonForm)."""

    class Meta:
        model = FailureReason
        fields = services.REASON_FIELDS


@extend_schema_view(
    list=extend_schema(summary="失败原因字典"),
    retrieve=extend_schema(summary="失败原因"),
    create=extend_schema(
        summary="新增失败原因",
        request=FailureReasonWriteSerializer,
        responses={
            201: FailureReasonSerializer,
        },
        examples=[
            OpenApiExample(
                "新增",
                value={"name": "号码停机", "counts_as_unanswered": False, "is_final": True},
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary="修改失败原因",
        request=FailureReasonWriteSerializer(partial=True),
        responses={
            200: FailureReasonSerializer,
        },
        examples=[
            OpenApiExample("计为未接通", value={"counts_as_unanswered": True}, request_only=True)
        ],
    ),
)
class FailureReasonViewSet(
    MaintainedViewSetMixin,
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """失败原因字典：按排序号、名称；筛选参数与页面相同（name、is_active）。POST 新增、PATCH
    修改（总部合规管理员），与页面相同的校验，审计；修改“计为未接通”会重新计算相关任务的
    未接通次数。"""

    queryset = FailureReason.objects.order_by("sort_order", "name")
    serializer_class = FailureReasonSerializer
    filterset_class = FailureReasonFilterSet
    form_class = FailureReasonForm
    fields = services.REASON_FIELDS

    def save(self, instance, data):
        return services.do_save_failure_reason(instance, data, actor=self.request.user)


# ---------------------------------------------------------------- 反馈营业部


BRANCH_FEEDBACK_EXAMPLE = {
    "id": 12,
    "branch_code": "010101",
    "branch_name": "期货北京营业部",
    "task": 345,
    "record": 678,
    "investor_code": "0000012345",
    "customer_name": "张三",
    "message": "客户投诉手续费，请营业部跟进",
    "created_at": "2026-01-05T10:00:00+08:00",
    "created_by": "010101_agent1",
    "handled": False,
    "handled_at": None,
    "handled_by": None,
    "handling_note": "",
}


@extend_schema_serializer(
    examples=[OpenApiExample("反馈营业部", value=BRANCH_FEEDBACK_EXAMPLE, response_only=True)]
)
class BranchFeedbackSerializer(serializers.ModelSerializer):
    branch_code = serializers.CharField(source="branch.code", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    investor_code = serializers.CharField(source="task.customer.investor_code", read_only=True)
    customer_name = serializers.CharField(source="task.customer.name", read_only=True)
    created_by = serializers.CharField(
        source="created_by.username", default=None, allow_null=True, read_only=True
    )
    handled = serializers.BooleanField(source="is_handled", read_only=True)
    handled_by = serializers.CharField(
        source="handled_by.username", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = BranchFeedback
        fields = [
            "id",
            "branch_code",
            "branch_name",
            "task",
            "record",
            "investor_code",
            "customer_name",
            "message",
            "created_at",
            "created_by",
            "handled",
            "handled_at",
            "handled_by",
            "handling_note",
        ]
        read_only_fields = fields


class FeedbackCreateSerializer(serializers.Serializer):
    task = serializers.IntegerField(help_text="回访任务编号", **ID)
    message = serializers.CharField(
        help_text="反馈内容",
        max_length=services.REMARK_MAX,
        error_messages={
            "required": "请填写反馈内容",
            "blank": "请填写反馈内容",
            "max_length": f"反馈内容不能超过 {services.REMARK_MAX} 字",
        },
    )
    record = serializers.IntegerField(required=False, help_text="相关的回访记录编号（可选）", **ID)

    def validate_task(self, value: int) -> CallbackTask:
        user = self.context["request"].user
        task = CallbackTask.objects.restrict(user, "view").filter(pk=value).first()
        if task is None:
            raise ValidationError("回访任务不存在或不在您的权限范围内")
        return task

    def validate_record(self, value: int) -> CallbackRecord:
        user = self.context["request"].user
        record = CallbackRecord.objects.restrict(user, "view").filter(pk=value).first()
        if record is None:
            raise ValidationError("回访记录不存在或不在您的权限范围内")
        return record


class MayLeaveFeedback(permissions.BasePermission):
    """反馈营业部 is for those who may change records (``do_feedback``'s permission), asked
    before the body is read."""

    message = "您没有反馈营业部的权限"

    def has_permission(self, request, view) -> bool:
        return request.user.has_perm(services.CHANGE_RECORD)


class FeedbackHandleSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="处理说明（可选）",
        error_messages={"max_length": "处理说明不能超过 300 字"},
    )


FEEDBACK_EXAMPLE = OpenApiExample("反馈", value=BRANCH_FEEDBACK_EXAMPLE, response_only=True)


@extend_schema_view(
    list=extend_schema(summary="营业部反馈列表"), retrieve=extend_schema(summary="营业部反馈")
)
class FeedbackViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """营业部反馈：与页面相同的筛选（handled、created_at_after/created_at_before、task）与
    范围，按反馈时间倒序。POST 反馈营业部（回访专员、营业部负责人），handle/ 标记已处理
    （营业部负责人、总部合规管理员）；已处理的 409。反馈不能修改或删除。"""

    queryset = BranchFeedback.objects.select_related(
        "branch", "task__customer", "created_by", "handled_by"
    ).order_by("-created_at", "-id")
    serializer_class = BranchFeedbackSerializer
    filterset_class = FeedbackFilterSet

    def get_permissions(self):
        if self.action == "create":
            return [MayLeaveFeedback()]
        if self.action == "handle":
            # Who may handle it is the service's decision (403, in its words).
            return [ServiceCheckedPermission()]
        return super().get_permissions()

    def get_queryset(self):
        if self.action != "handle":
            return super().get_queryset()
        return self.queryset.all().restrict(self.request.user, "view")

    @extend_schema(
        summary="反馈营业部",
        request=FeedbackCreateSerializer,
        responses={
            201: BranchFeedbackSerializer,
        },
        examples=[
            OpenApiExample(
                "反馈", value={"task": 42, "message": "客户投诉手续费"}, request_only=True
            ),
            FEEDBACK_EXAMPLE,
        ],
    )
    def create(self, request, *args, **kwargs):
        """给任务所属营业部留言，营业部负责人处理前一直可见。"""
        body = FeedbackCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        feedback = services.do_feedback(
            data["task"], data["message"], actor=request.user, record=data.get("record")
        )
        saved = self.queryset.get(pk=feedback.pk)
        return Response(BranchFeedbackSerializer(saved).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="标记反馈已处理",
        request=FeedbackHandleSerializer,
        responses={
            200: BranchFeedbackSerializer,
            409: conflict("该反馈已处理"),
        },
        examples=[
            OpenApiExample("处理", value={"note": "已致电客户解释"}, request_only=True),
            FEEDBACK_EXAMPLE,
        ],
    )
    @action(detail=True, methods=["post"])
    def handle(self, request, pk=None):
        """营业部负责人把反馈标记为已处理（处理说明可选）；已处理过的 409。"""
        feedback = self.get_object()
        body = FeedbackHandleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.do_handle_feedback(
                feedback, body.validated_data.get("note", ""), actor=request.user
            )
        except DjangoValidationError as exc:
            feedback.refresh_from_db(fields=["handled_at"])
            if feedback.handled_at is not None:
                raise Conflict("；".join(exc.messages)) from exc
            raise
        return Response(BranchFeedbackSerializer(self.queryset.get(pk=feedback.pk)).data)


def register(router) -> None:
    router.register("callback-records", RecordViewSet, basename="callback-record")
    router.register("failure-reasons", FailureReasonViewSet, basename="failure-reason")
    router.register("branch-feedback", FeedbackViewSet, basename="branch-feedback")
