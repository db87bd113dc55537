"""SMS and outbound calls for users with tokens (the partners' signed endpoints are
``channels/sms/api.py`` and ``channels/calls/api.py``): ``/api/v1/sms-messages/`` (短信记录;
POST sends), ``/api/v1/sms-templates/`` (短信模板; HQ writes) and ``/api/v1/call-attempts/``
(外呼记录; POST push/ pushes a call list). Every write is the service call the pages make."""

from __future__ import annotations

from django.http import QueryDict
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from huifang.callbacks.filtersets import TaskFilterSet
from huifang.callbacks.models import CallbackTask
from huifang.channels.calls import services as call_services
from huifang.channels.calls.filtersets import CallFilterSet
from huifang.channels.calls.models import CallAttempt, CallPush
from huifang.channels.calls.tables import InterfaceCallTable
from huifang.channels.sms import jobs as sms_jobs
from huifang.channels.sms import services as sms_services
from huifang.channels.sms.filtersets import MessageFilterSet, TemplateFilterSet
from huifang.channels.sms.models import SmsMessage, SmsTemplate
from huifang.channels.sms.tables import MessageTable
from huifang.core.api import (
    ExportViewSetMixin,
    JobAcceptedSerializer,
    KeysetPagination,
    ScopedViewSetMixin,
    TableValueField,
    accepted,
)
from huifang.core.filtersets import BIGINT
from huifang.core.jobs import start_job

TASK_NOT_FOUND = "回访任务不存在或不在您的权限范围内"
JOB_EXAMPLE = OpenApiExample(
    "已转入后台",
    value={"job": 42, "status": "queued", "url": "https://HOST/api/v1/jobs/42/"},
    response_only=True,
    status_codes=["202"],
)


def _task_filter(request, query: str):
    """The task list's FilterSet over the caller's visible tasks, bound to ``query`` (its
    query string, as the task list's bulk actions pass it); 400 when it is invalid."""
    filterset = TaskFilterSet(
        QueryDict(query),
        queryset=CallbackTask.objects.restrict(request.user, "view"),
        request=request,
    )
    if not filterset.is_valid():
        problems = [f"{k}：{'；'.join(v)}" for k, v in filterset.errors.items()]
        raise ValidationError({"filter": ["筛选条件有误：" + "；".join(problems)]})
    return filterset


# ---------------------------------------------------------------- SMS messages


class MessageCursorPagination(KeysetPagination):
    """Keyset pages, newest first."""

    ordering = ("-queued_at", "-id")


SMS_MESSAGE_EXAMPLE = {
    "id": 301,
    "queued_at": "2026-01-05T10:00:00+08:00",
    "investor_code": "0000012345",
    "customer_name": "张三",
    "mobile": "138****5678",
    "branch_code": "010101",
    "branch_name": "期货北京营业部",
    "template": "REMIND",
    "text": "【惠访期货】张三您好，我司将于近日对您进行回访，请留意来电。",
    "parts": 1,
    "status": "delivered",
    "status_label": "已送达",
    "provider": "aliyun",
    "provider_text": "DELIVRD",
    "attempts": 1,
    "sent_at": "2026-01-05T10:00:00+08:00",
    "delivered_at": "2026-01-05T10:02:00+08:00",
    "task": 345,
    "forced": False,
    "created_by": "010101_agent1",
}


@extend_schema_serializer(
    examples=[OpenApiExample("短信（已送达）", value=SMS_MESSAGE_EXAMPLE, response_only=True)]
)
class SmsMessageSerializer(serializers.ModelSerializer):
    investor_code = serializers.CharField(source="customer.investor_code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    mobile = TableValueField(MessageTable, help_text="手机号（脱敏）")
    branch_code = serializers.CharField(source="branch.code", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    template = serializers.CharField(source="template.code", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    task = serializers.IntegerField(source="task_id", read_only=True, allow_null=True)
    created_by = serializers.CharField(
        source="created_by.username", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = SmsMessage
        fields = [
            "id",
            "queued_at",
            "investor_code",
            "customer_name",
            "mobile",
            "branch_code",
            "branch_name",
            "template",
            "text",
            "parts",
            "status",
            "status_label",
            "provider",
            "provider_text",
            "attempts",
            "sent_at",
            "delivered_at",
            "task",
            "forced",
            "created_by",
        ]
        read_only_fields = fields


class SmsSendSerializer(serializers.Serializer):
    """发送短信: one task (done at once, as from the task page), or several tasks / every
    task matching the task list's filter (a background job, as the list's bulk send)."""

    template = serializers.CharField(help_text="短信模板编号（须已启用）")
    task = serializers.IntegerField(
        required=False, min_value=1, max_value=BIGINT[1], help_text="一个回访任务编号"
    )
    tasks = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=BIGINT[1]),
        required=False,
        min_length=1,
        max_length=sms_services.CHUNK,
        help_text="多个回访任务编号（后台发送）",
    )
    filter = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="任务列表的筛选条件（查询字符串）：后台发送给全部符合条件的任务",
    )
    force = serializers.BooleanField(
        required=False, default=False, help_text="当日已发送同一模板的客户也再发送"
    )

    def validate_template(self, value: str) -> SmsTemplate:
        template = SmsTemplate.objects.filter(code=value.strip(), enabled=True).first()
        if template is None:
            raise ValidationError(f"短信模板 {value} 不存在或已停用")
        return template

    def validate(self, attrs):
        given = [key for key in ("task", "tasks", "filter") if key in attrs]
        if len(given) != 1:
            raise ValidationError(
                {
                    "task": [
                        "请提供 task（一个任务）、tasks（任务编号列表）或 filter（筛选条件）之一"
                    ]
                }
            )
        return attrs


class QueueResultSerializer(serializers.Serializer):
    queued = serializers.IntegerField(help_text="已排队")
    held = serializers.IntegerField(help_text="等待发送时段")
    skipped = serializers.DictField(child=serializers.IntegerField(), help_text="跳过数，按原因")
    summary = serializers.CharField()


class SmsMessageViewSet(
    ScopedViewSetMixin,
    ExportViewSetMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """短信记录：列表与详情（与短信记录页相同的筛选 q、template、status、task、day_from、
    day_to 与范围，手机号脱敏；按排队时间倒序，游标分页）。export/?file_format=xlsx|csv：
    与页面导出相同的列。POST 发送短信：task（一个任务）立即排队，返回 201 与计数；tasks 或
    filter（任务列表的筛选条件）在后台发送，返回 202 与后台任务地址。"""

    queryset = SmsMessage.objects.select_related("customer", "branch", "template", "created_by")
    serializer_class = SmsMessageSerializer
    filterset_class = MessageFilterSet
    pagination_class = MessageCursorPagination
    export_table = MessageTable
    export_name = "sms_messages"
    export_title = "短信记录"

    @extend_schema(
        request=SmsSendSerializer,
        responses={201: QueueResultSerializer, 202: JobAcceptedSerializer},
        examples=[
            OpenApiExample(
                "发送给一个任务", value={"template": "REMIND", "task": 101}, request_only=True
            ),
            OpenApiExample(
                "发送给筛选出的任务（后台）",
                value={"template": "REMIND", "filter": "batch=4000000001&status=open"},
                request_only=True,
            ),
            OpenApiExample(
                "立即排队的结果",
                value={
                    "queued": 1,
                    "held": 0,
                    "skipped": {},
                    "summary": "已排队 1 条，等待发送时段 0 条，跳过 0 条",
                },
                response_only=True,
                status_codes=["201"],
            ),
            JOB_EXAMPLE,
        ],
    )
    def create(self, request, *args, **kwargs):
        data = SmsSendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        template, force = values["template"], values["force"]
        visible = CallbackTask.objects.restrict(request.user, "view")
        if "task" in values:
            task = visible.filter(pk=values["task"]).first()
            if task is None:
                raise NotFound(TASK_NOT_FOUND)
            result = sms_services.do_queue(task, template, force=force, actor=request.user)
            body = {
                "queued": result.queued,
                "held": result.held,
                "skipped": dict(result.skipped),
                "summary": result.summary(),
            }
            return Response(body, status=status.HTTP_201_CREATED)
        if "tasks" in values:
            ids = sorted(set(values["tasks"]))
            if visible.filter(pk__in=ids).count() != len(ids):
                raise NotFound(TASK_NOT_FOUND)
            count, query = len(ids), None
        else:
            query = values["filter"]
            count = _task_filter(request, query).qs.order_by().count()
            if not count:
                raise ValidationError({"filter": ["没有符合筛选条件的回访任务"]})
            ids = []
        job = start_job(
            sms_jobs.KIND,
            f"批量发送短信：{template}（{count} 条任务）",
            sms_jobs.SendParams(template=template.pk, tasks=ids, filter=query, force=force),
            user=request.user,
        )
        return accepted(request, job)


# ---------------------------------------------------------------- SMS templates


SMS_TEMPLATE_EXAMPLE = {
    "id": 1,
    "code": "REMIND",
    "name": "回访提醒",
    "text": "{客户名称}您好，我司将于近日对您进行回访，请留意来电。",
    "signature": "【惠访期货】",
    "enabled": True,
    "aliyun_template_code": "SMS_123456789",
    "aliyun_params": "name={客户名称}",
    "tencent_template_id": "",
    "tencent_params": "",
    "created_at": "2026-01-05T10:00:00+08:00",
    "updated_at": "2026-01-05T10:02:00+08:00",
}


@extend_schema_serializer(
    examples=[OpenApiExample("短信模板", value=SMS_TEMPLATE_EXAMPLE, response_only=True)]
)
class SmsTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = SmsTemplate
        fields = ["id", *sms_services.TEMPLATE_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        # Uniqueness and the rest are the service's checks (Chinese, by field).
        extra_kwargs = {"code": {"validators": []}}


class SmsTemplateViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """短信模板：列表与详情（与模板页相同的筛选 q、enabled，按模板编号排序）。POST 新建、
    PATCH 修改（总部）：与模板页相同的检查（变量、签名【…】、渲染后长度）。"""

    queryset = SmsTemplate.objects.order_by("code")
    serializer_class = SmsTemplateSerializer
    filterset_class = TemplateFilterSet
    lookup_value_regex = r"\d+"

    @extend_schema(
        request=SmsTemplateSerializer,
        responses={201: SmsTemplateSerializer},
        examples=[
            OpenApiExample(
                "新建短信模板",
                value={
                    "code": "REMIND",
                    "name": "回访提醒",
                    "signature": "【惠访期货】",
                    "text": "{客户名称}您好，{营业部}将于{回访截止日期}前回访。",
                    "enabled": True,
                },
                request_only=True,
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        data = SmsTemplateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        saved = sms_services.do_save_template(None, data.validated_data, actor=request.user)
        return Response(SmsTemplateSerializer(saved).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=SmsTemplateSerializer(partial=True),
        responses={200: SmsTemplateSerializer},
        examples=[OpenApiExample("停用模板", value={"enabled": False}, request_only=True)],
    )
    def partial_update(self, request, *args, **kwargs):
        template = self.get_object()
        data = SmsTemplateSerializer(template, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        saved = sms_services.do_save_template(template, data.validated_data, actor=request.user)
        return Response(SmsTemplateSerializer(saved).data)


# ---------------------------------------------------------------- call attempts


class CallCursorPagination(KeysetPagination):
    """Keyset pages, the latest call first."""

    ordering = ("-started_at", "-id")


CALL_ATTEMPT_EXAMPLE = {
    "id": 88,
    "call_id": "C20260105-0001",
    "task_ref": "T0000000345",
    "task": 345,
    "investor_code": "0000012345",
    "customer_name": "张三",
    "branch_code": "010101",
    "branch_name": "期货北京营业部",
    "started_at": "2026-01-05T10:00:00+08:00",
    "duration_seconds": 35,
    "duration": "00:35",
    "attempt": 1,
    "result": "busy",
    "result_label": "占线",
    "agent": "坐席007",
    "recording_url": "",
    "recording_sha256": "",
    "source": "webhook",
    "source_label": "接口回传",
    "record": 679,
    "note": "",
    "received_at": "2026-01-05T10:02:00+08:00",
}


@extend_schema_serializer(
    examples=[OpenApiExample("外呼（占线）", value=CALL_ATTEMPT_EXAMPLE, response_only=True)]
)
class CallAttemptSerializer(serializers.ModelSerializer):
    task = serializers.IntegerField(source="task_id", read_only=True)
    investor_code = serializers.CharField(source="customer.investor_code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    branch_code = serializers.CharField(source="branch.code", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    duration = serializers.CharField(source="duration_text", read_only=True, help_text="mm:ss")
    result_label = serializers.CharField(source="get_result_display", read_only=True)
    source_label = serializers.CharField(source="get_source_display", read_only=True)
    record = serializers.IntegerField(source="record_id", read_only=True, allow_null=True)

    class Meta:
        model = CallAttempt
        fields = [
            "id",
            "call_id",
            "task_ref",
            "task",
            "investor_code",
            "customer_name",
            "branch_code",
            "branch_name",
            "started_at",
            "duration_seconds",
            "duration",
            "attempt",
            "result",
            "result_label",
            "agent",
            "recording_url",
            "recording_sha256",
            "source",
            "source_label",
            "record",
            "note",
            "received_at",
        ]
        read_only_fields = fields


class PushSerializer(serializers.Serializer):
    filter = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="任务列表的筛选条件（查询字符串）；只推送其中未完成的任务",
    )


class CallPushSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(
        source="created_by.username", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = CallPush
        fields = ["id", "count", "pages", "filters", "created_at", "created_by", "created_via"]
        read_only_fields = fields


class CallAttemptViewSet(ScopedViewSetMixin, ExportViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """外呼记录：每次拨打一行（与外呼记录页相同的筛选 q、branch、started_at_after/
    started_at_before、result、source、recorded、batch、task 与范围；按拨打时间倒序，游标
    分页）。export/?file_format=xlsx|csv：与 ``huifang export calls`` 相同的列。
    POST push/ 推送外呼名单：任务列表筛选条件下的未完成任务（与页面相同），返回 201 与推送记录。"""

    queryset = CallAttempt.objects.select_related("customer", "branch")
    serializer_class = CallAttemptSerializer
    filterset_class = CallFilterSet
    pagination_class = CallCursorPagination
    export_table = InterfaceCallTable  # ``huifang export calls``'s columns
    export_name = "calls"
    export_title = "外呼记录"

    def get_permissions(self):
        if self.action == "push":  # its own permission, checked below as the page does
            return [IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(
        request=PushSerializer,
        responses={201: CallPushSerializer},
        examples=[
            OpenApiExample(
                "推送一个批次的未完成任务", value={"filter": "batch=4000000001"}, request_only=True
            ),
            OpenApiExample(
                "推送记录",
                value={
                    "id": 7,
                    "count": 120,
                    "pages": 1,
                    "filters": "batch=4000000001",
                    "created_at": "2026-03-02T10:00:00+08:00",
                    "created_by": "0101_manager",
                    "created_via": "api",
                },
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    @action(detail=False, methods=["post"], url_path="push", pagination_class=None)
    def push(self, request):
        """推送外呼名单：写出外呼名单文件（含完整手机号，审计），并按页签名推送给外呼平台。"""
        if not request.user.has_perm("calls.add_callpush"):
            raise PermissionDenied("您没有推送外呼名单的权限")
        data = PushSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        query = data.validated_data["filter"]
        tasks = _task_filter(request, query).qs.filter(status__in=("new", "in_progress"))
        done = call_services.do_push(tasks, actor=request.user, filters=query)
        return Response(CallPushSerializer(done).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    router.register("sms-messages", SmsMessageViewSet, basename="sms-message")
    router.register("sms-templates", SmsTemplateViewSet, basename="sms-template")
    router.register("call-attempts", CallAttemptViewSet, basename="call-attempt")
