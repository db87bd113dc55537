"""REST API of 汇总统计 and 管理措施: ``/api/v1/measures/``, ``/api/v1/measure-types/``,
``/api/v1/dashboard/``, ``/api/v1/compliance/`` and ``/api/v1/evidence-packages/``.

The same permissions, scoping, filters and figures as the pages: measures through
``reports.services``, the dashboard from ``reports.figures`` (what ``huifang report
progress`` prints too), findings from the ``reports.compliance`` registry, evidence packages
as the page's background job (``reports.jobs``) over ``do_generate_evidence``.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.drainage import set_override
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import mixins, pagination, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records.models import CallbackRecord
from huifang.core import audit
from huifang.core.api import (
    FILE_RESPONSES,
    ExportViewSetMixin,
    JobAcceptedSerializer,
    KeysetPagination,
    ScopedViewSetMixin,
    TableValueField,
    accepted,
)
from huifang.core.api_autoschema import HuifangSchema as AutoSchema
from huifang.core.api_errors import Conflict
from huifang.core.api_schema import error_response
from huifang.core.audit_actions import CoreAction
from huifang.core.exporter import XLSX_TYPE, Exporter, ExportError
from huifang.core.filtersets import within_dates
from huifang.core.jobs import start_job
from huifang.core.models import Job
from huifang.core.scoping import has_model_perm
from huifang.org.models import Branch, User
from huifang.reports import compliance, figures, jobs, services
from huifang.reports.choices import TRANSITIONS, MeasureStatus
from huifang.reports.compliance_views import FindingFilterForm, filtered, page_sheet
from huifang.reports.evidence.forms import KINDS, EvidenceForm
from huifang.reports.evidence.package import PERMISSION as EVIDENCE_PERMISSION
from huifang.reports.figures import COMPLETION_RATE_TEXT, SUCCESS_RATE_TEXT
from huifang.reports.filtersets import MeasureFilterSet, MeasureTypeFilterSet
from huifang.reports.forms import DashboardFilterForm
from huifang.reports.models import Measure, MeasureAttachment, MeasureType
from huifang.reports.tables import MeasureTable
from huifang.reports.views import RELATED, _sources


def _form_errors(form) -> DjangoValidationError:
    """A page form's errors as the API's 400 (errors by field, Chinese as the page)."""
    return DjangoValidationError(form.errors.as_data())


def _branch_pk(params: dict, key: str = "branch") -> dict:
    """The API names branches by code (``/api/v1/branches/{code}/``); the pages' forms
    take the branch's id. An unknown code stays as given: the form refuses it."""
    code = params.get(key)
    if code:
        pk = Branch.objects.filter(code=str(code).strip()).values_list("pk", flat=True).first()
        if pk is not None:
            params[key] = str(pk)
    return params


class SingleAnswerSchema(AutoSchema):
    """A ``list`` whose answer is one object (the dashboard), not an array."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


# ------------------------------------------------------------------ measures


class MeasureAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeasureAttachment
        fields = ["id", "name", "sha256", "size", "created_at"]
        read_only_fields = fields


MEASURE_EXAMPLE = {
    "id": 9,
    "investor_code": "0000012345",
    "customer_name": "张三",
    "branch_code": "010101",
    "branch_name": "期货北京营业部",
    "measure_type": 2,
    "measure_type_name": "面谈",
    "status": "pending",
    "status_label": "待执行",
    "next_statuses": ["active", "done", "cancelled"],
    "reason": "回访中客户表示不了解风险",
    "source": "任务 #345",
    "task": 345,
    "record": None,
    "feedback": None,
    "finding": "",
    "responsible": "010101_manager",
    "due_date": "2026-01-20",
    "overdue": False,
    "result": "",
    "attachments": [
        {
            "id": 3,
            "name": "面谈记录.pdf",
            "sha256": "02540942346fdfbf21a94f8b823af2ae315f20cb71721c2cc6e205097d560840",
            "size": 20480,
            "created_at": "2026-01-05T10:02:00+08:00",
        }
    ],
    "created_at": "2026-01-05T10:00:00+08:00",
    "created_by": "010101_manager",
    "updated_at": "2026-01-05T10:02:00+08:00",
    "updated_by": "010101_manager",
}


@extend_schema_serializer(
    examples=[OpenApiExample("管理措施", value=MEASURE_EXAMPLE, response_only=True)]
)
class MeasureSerializer(serializers.ModelSerializer):
    investor_code = serializers.CharField(source="customer.investor_code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    branch_code = serializers.CharField(source="branch.code", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    measure_type_name = serializers.CharField(source="measure_type.name", read_only=True)
    # The values are documented once, on the status change's body (one enum per name).
    status = serializers.CharField(
        read_only=True, help_text="pending 待执行 / active 执行中 / done 已完成 / cancelled 已取消"
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    source = TableValueField(MeasureTable)  # 来源, as the list shows it
    responsible = serializers.CharField(
        source="responsible.username", default=None, allow_null=True, read_only=True
    )
    overdue = serializers.SerializerMethodField()
    next_statuses = serializers.SerializerMethodField()
    attachments = MeasureAttachmentSerializer(many=True, read_only=True)
    created_by = serializers.CharField(
        source="created_by.username", default=None, allow_null=True, read_only=True
    )
    updated_by = serializers.CharField(
        source="updated_by.username", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = Measure
        fields = [
            "id",
            "investor_code",
            "customer_name",
            "branch_code",
            "branch_name",
            "measure_type",
            "measure_type_name",
            "status",
            "status_label",
            "next_statuses",
            "reason",
            "source",
            "task",
            "record",
            "feedback",
            "finding",
            "responsible",
            "due_date",
            "overdue",
            "result",
            "attachments",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = fields

    def get_overdue(self, measure: Measure) -> bool:
        return measure.is_overdue(timezone.localdate())

    def get_next_statuses(self, measure: Measure) -> list[str]:
        return [str(s) for s in TRANSITIONS[measure.status]]


class _ResponsibleField(serializers.SlugRelatedField):
    """负责人 by username: active users within the caller's scope (the form's choices)."""

    default_error_messages = {"does_not_exist": "负责人“{value}”不存在、已停用或不在您的权限范围内"}

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", **kwargs)
        set_override(self, "field", OpenApiTypes.STR)

    def get_queryset(self):
        request = self.context.get("request")
        people = User.objects.filter(is_active=True)
        return people.restrict(request.user, "view") if request is not None else people


class _MeasureFields(serializers.Serializer):
    measure_type = serializers.PrimaryKeyRelatedField(
        queryset=MeasureType.objects.filter(is_active=True), help_text="措施类型编号（启用的）"
    )
    reason = serializers.CharField(help_text="措施原因")
    responsible = _ResponsibleField(
        required=False, allow_null=True, help_text="负责人用户名（您范围内的用户）"
    )
    due_date = serializers.DateField(
        required=False, allow_null=True, validators=[within_dates], help_text="完成期限"
    )


class MeasureCreateSerializer(_MeasureFields):
    """Where the measure comes from: a customer, or a task / record / follow-up (whose
    customer it is), optionally a compliance finding's key."""

    customer = serializers.CharField(required=False, max_length=32, help_text="投资者代码")
    task = serializers.IntegerField(required=False, min_value=1, help_text="来源回访任务编号")
    record = serializers.IntegerField(required=False, min_value=1, help_text="来源回访记录编号")
    feedback = serializers.IntegerField(required=False, min_value=1, help_text="来源营业部反馈编号")
    finding = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="来源合规核查发现（其 key）"
    )

    def validate(self, attrs):
        if not any(attrs.get(key) for key in ("customer", "task", "record", "feedback")):
            raise serializers.ValidationError(
                {"customer": ["请指定客户（投资者代码），或来源回访任务、回访记录、营业部反馈之一"]}
            )
        return attrs


class MeasureUpdateSerializer(_MeasureFields):
    """Only the fields given are changed; a closed measure takes only ``result``."""

    measure_type = serializers.PrimaryKeyRelatedField(
        queryset=MeasureType.objects.filter(is_active=True),
        required=False,
        help_text="措施类型编号（启用的）",
    )
    reason = serializers.CharField(required=False, help_text="措施原因")
    result = serializers.CharField(required=False, allow_blank=True, help_text="执行结果")


class MeasureStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MeasureStatus.choices, help_text="新状态")
    result = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="执行结果（完成时必填）"
    )


class MeasureUploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(), allow_empty=False, help_text="附件（可多个）"
    )


class MeasurePagination(KeysetPagination):
    """Newest first, as the list page; keyset pages."""

    ordering = ("-created_at", "-id")


MEASURE_EXAMPLE = {
    "customer": "0300000001",
    "measure_type": 1,
    "reason": "高龄客户回访异常，需面谈确认",
    "responsible": "manager_a",
    "due_date": "2026-04-30",
}


class MeasureViewSet(
    ScopedViewSetMixin,
    ExportViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """管理措施：与列表页相同的筛选条件与数据范围，按创建时间倒序（新的在前）。

    筛选参数：q（投资者代码或名称前缀）, branch（部门编号，含下级）, measure_type, status
    （pending/active/done/cancelled，或 open：待执行+执行中）, overdue, due_date_after/
    due_date_before, created_after/created_before, task。
    POST 登记措施（客户或来源任务/记录/反馈之一），PATCH 修改，{id}/status/ 变更状态，
    {id}/attachments/ 上传附件，{id}/attachments/{attachment}/ 下载附件；
    export/?file_format=xlsx|csv 按同样的筛选导出列表页的列（审计）。措施不能删除。
    """

    queryset = Measure.objects.select_related(*RELATED, "created_by", "updated_by")
    serializer_class = MeasureSerializer
    filterset_class = MeasureFilterSet
    pagination_class = MeasurePagination
    lookup_value_regex = r"\d+"
    export_table = MeasureTable
    export_name = "measures"
    export_title = "管理措施"

    def get_queryset(self):
        return super().get_queryset().prefetch_related("attachments")

    def _fresh(self, measure: Measure) -> dict:
        measure = self.queryset.prefetch_related("attachments").get(pk=measure.pk)
        return MeasureSerializer(measure, context=self.get_serializer_context()).data

    @extend_schema(
        request=MeasureCreateSerializer,
        responses={201: MeasureSerializer},
        examples=[OpenApiExample("登记措施", value=MEASURE_EXAMPLE, request_only=True)],
    )
    def create(self, request, *args, **kwargs):
        """登记一条管理措施（待执行）；来源须在您的权限范围内（否则 404）。"""
        body = MeasureCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        named = QueryDict(mutable=True)
        for key in ("customer", "task", "record", "feedback", "finding"):
            if data.get(key) not in (None, ""):
                named[key] = str(data[key])
        # The page's own lookup of the sources: each within the caller's scope, else 404.
        sources = _sources(SimpleNamespace(method="POST", POST=named, user=request.user))
        measure = services.do_create_measure(
            sources["customer"],
            data["measure_type"],
            data["reason"],
            due_date=data.get("due_date"),
            responsible=data.get("responsible"),
            task=sources["task"],
            record=sources["record"],
            feedback=sources["feedback"],
            finding=sources["finding"],
            actor=request.user,
        )
        return Response(self._fresh(measure), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=MeasureUpdateSerializer,
        responses={200: MeasureSerializer},
        examples=[
            OpenApiExample(
                "修改期限与负责人",
                value={"due_date": "2026-05-15", "responsible": "manager_a"},
                request_only=True,
            )
        ],
    )
    def partial_update(self, request, *args, **kwargs):
        """修改措施类型、原因、负责人、完成期限或执行结果（只改提交的字段）；
        已完成或已取消的措施只能补充执行结果。"""
        measure = self.get_object()
        body = MeasureUpdateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        measure = services.do_update_measure(measure, dict(body.validated_data), actor=request.user)
        return Response(self._fresh(measure))

    @extend_schema(
        request=MeasureStatusSerializer,
        responses={200: MeasureSerializer},
        examples=[
            OpenApiExample(
                "完成措施",
                value={"status": "done", "result": "已面谈并签署风险提示书"},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, pk=None):
        """变更状态：待执行 → 执行中 → 已完成，或已取消；完成须有执行结果。"""
        if not has_model_perm(request.user, Measure, "change"):
            raise PermissionDenied("您没有修改管理措施的权限")
        measure = get_object_or_404(Measure.objects.restrict(request.user, "change"), pk=pk)
        body = MeasureStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        measure = services.do_change_status(
            measure,
            body.validated_data["status"],
            result=body.validated_data["result"],
            actor=request.user,
        )
        return Response(self._fresh(measure))

    @extend_schema(
        request={"multipart/form-data": MeasureUploadSerializer},
        responses={201: MeasureSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="attachments",
        parser_classes=[MultiPartParser, FormParser],
    )
    def add_attachments(self, request, pk=None):
        """上传附件（multipart，字段 files，可多个，每个不超过 20 MB），保存其 SHA-256；
        已完成或已取消的措施也可补充附件。"""
        if not has_model_perm(request.user, Measure, "change"):
            raise PermissionDenied("您没有修改管理措施的权限")
        measure = get_object_or_404(Measure.objects.restrict(request.user, "change"), pk=pk)
        body = MeasureUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        measure = services.do_update_measure(
            measure, {}, attachments=body.validated_data["files"], actor=request.user
        )
        return Response(self._fresh(measure), status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("attachment", int, OpenApiParameter.PATH, description="附件编号")
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment>\d+)")
    def download_attachment(self, request, pk=None, attachment=None):
        """下载一个附件（与页面相同：记入审计日志）。"""
        measure = self.get_object()
        kept = get_object_or_404(
            MeasureAttachment.objects.restrict(request.user, "view"), measure=measure, pk=attachment
        )
        if not kept.file or not kept.file.storage.exists(kept.file.name):
            raise NotFound("附件文件不存在")
        audit.record(CoreAction.DOWNLOAD, measure, message=f"下载附件 {kept.name}")
        return FileResponse(
            kept.file.open("rb"),
            as_attachment=True,
            filename=kept.name,
            content_type="application/octet-stream",
        )


MEASURE_TYPE_EXAMPLE = {
    "id": 2,
    "name": "面谈",
    "is_active": True,
    "sort_order": 20,
    "updated_at": "2026-01-05T10:00:00+08:00",
}


@extend_schema_serializer(
    examples=[OpenApiExample("措施类型", value=MEASURE_TYPE_EXAMPLE, response_only=True)]
)
class MeasureTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeasureType
        fields = ["id", "name", "is_active", "sort_order", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        extra_kwargs = {"name": {"validators": []}}  # uniqueness: the service's full_clean


class MeasureTypeViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """措施类型字典：按排序、名称排列；筛选 name（包含）, is_active。
    总部可新增（POST）和修改（PATCH），措施类型不能删除（停用即可）。"""

    queryset = MeasureType.objects.order_by("sort_order", "name")
    serializer_class = MeasureTypeSerializer
    filterset_class = MeasureTypeFilterSet
    lookup_value_regex = r"\d+"

    @extend_schema(
        request=MeasureTypeSerializer,
        responses={201: MeasureTypeSerializer},
        examples=[
            OpenApiExample(
                "新增措施类型",
                value={"name": "电话提醒", "is_active": True, "sort_order": 50},
                request_only=True,
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        body = MeasureTypeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        kind = services.do_save_measure_type(None, dict(body.validated_data), actor=request.user)
        return Response(MeasureTypeSerializer(kind).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=MeasureTypeSerializer,
        responses={200: MeasureTypeSerializer},
        examples=[OpenApiExample("停用", value={"is_active": False}, request_only=True)],
    )
    def partial_update(self, request, *args, **kwargs):
        kind = self.get_object()
        body = MeasureTypeSerializer(kind, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        kind = services.do_save_measure_type(kind, dict(body.validated_data), actor=request.user)
        return Response(MeasureTypeSerializer(kind).data)


# ------------------------------------------------------------------ dashboard


class FiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="任务总数")
    new = serializers.IntegerField(help_text="未处理")
    in_progress = serializers.IntegerField(help_text="处理中")
    completed = serializers.IntegerField(help_text="已完成")
    unreachable = serializers.IntegerField(help_text="无法联系")
    cancelled = serializers.IntegerField(help_text="已取消")
    overdue = serializers.IntegerField(help_text="逾期（未处理/处理中且截止日期早于今天）")
    attempted = serializers.IntegerField(help_text="有回访记录的任务数")
    succeeded = serializers.IntegerField(help_text="有成功回访记录的任务数")


class ProgressRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="行的键：部门路径、批次号、业务类型编号或规则编号")
    label = serializers.CharField()
    code = serializers.CharField(help_text="部门代码（按部门的行）")
    depth = serializers.IntegerField(help_text="部门层级（按部门的行）")
    parent = serializers.CharField(help_text="上级行的键（按部门的行）")
    figures = FiguresSerializer()
    completion_rate = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text=COMPLETION_RATE_TEXT
    )
    success_rate = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text=SUCCESS_RATE_TEXT
    )
    task_list = serializers.CharField(help_text="任务列表页面上恰好列出这些任务的地址")

    def to_representation(self, row: figures.ProgressRow) -> dict:
        return {
            "key": row.key,
            "label": row.label,
            "code": row.code,
            "depth": row.depth,
            "parent": row.parent,
            "figures": {key: row.figures[key] for key in figures.EMPTY},
            "completion_rate": _decimal(row.completion_rate),
            "success_rate": _decimal(row.success_rate),
            "task_list": row.cells[0].url if row.cells else "",
        }


def _decimal(value) -> str | None:
    return None if value is None else str(value)


class BarSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.IntegerField()
    url = serializers.CharField(help_text="列出这些回访记录的页面地址")


class AgentSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="回访人")
    attempts = serializers.IntegerField(source="attempts.value", help_text="回访次数")
    successes = serializers.IntegerField(source="successes.value", help_text="成功次数")


class RecordFiguresSerializer(serializers.Serializer):
    failure_reasons = BarSerializer(many=True, help_text="按失败原因的回访记录数")
    channels = BarSerializer(many=True, help_text="按回访形式的回访记录数")
    daily = BarSerializer(many=True, help_text="最近 60 天每天的回访记录数")
    agents = AgentSerializer(
        many=True,
        help_text=f"按回访人的回访次数与成功次数（前 {figures.AGENT_ROWS} 名，其余合为“其他 N 名回访人”一行）",
    )


class BurndownSerializer(serializers.Serializer):
    batch = serializers.CharField(source="batch.number", help_text="批次号")
    days = serializers.ListField(child=serializers.CharField())
    remaining = serializers.ListField(
        child=serializers.IntegerField(allow_null=True), help_text="每天结束时未完成的任务数"
    )
    ideal = serializers.ListField(child=serializers.FloatField(), help_text="理想线")
    open_now = serializers.IntegerField(source="open_now.value", help_text="当前未完成")


class ComplianceCountSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="检查项名称（英文，稳定）")
    title = serializers.CharField()
    description = serializers.CharField()
    count = serializers.IntegerField(help_text="发现数")


class DashboardFiltersSerializer(serializers.Serializer):
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    batch = serializers.CharField(source="batch.number", allow_null=True, default=None)
    business_type = serializers.IntegerField(
        source="business_type.pk", allow_null=True, default=None
    )
    branch = serializers.CharField(source="branch.code", allow_null=True, default=None)


class DashboardSerializer(serializers.Serializer):
    """汇总统计的全部数字：与页面、``huifang report progress`` 相同。"""

    filters = DashboardFiltersSerializer(help_text="生效的筛选条件")
    today = serializers.DateField(help_text="统计日（逾期按此日判断）")
    completion_rate_text = serializers.CharField()
    success_rate_text = serializers.CharField()
    total = ProgressRowSerializer(help_text="合计")
    by_branch = ProgressRowSerializer(many=True, help_text="按部门（含下级部门），按部门树排列")
    by_batch = ProgressRowSerializer(many=True, help_text="按批次（新的在前，至多 50 个）")
    by_business_type = ProgressRowSerializer(many=True, help_text="按回访业务类型")
    by_rule = ProgressRowSerializer(many=True, help_text="按筛选规则")
    records = RecordFiguresSerializer(
        allow_null=True, help_text="回访记录的统计；无权查看回访记录时为 null"
    )
    burndown = BurndownSerializer(allow_null=True, help_text="燃尽图（仅指定批次时）")
    compliance = ComplianceCountSerializer(many=True, help_text="合规核查各检查项的发现数")


DASHBOARD_PARAMETERS = [
    OpenApiParameter(
        "date_from", OpenApiTypes.DATE, description="统计期间起（任务创建日期/回访日期）"
    ),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="统计期间止"),
    OpenApiParameter("batch", str, description="批次号"),
    OpenApiParameter("business_type", int, description="回访业务类型编号"),
    OpenApiParameter("branch", str, description="部门代码（含下级部门）"),
]


class DashboardViewSet(ScopedViewSetMixin, viewsets.ViewSet):
    """汇总统计：与页面相同的数字（回访进度按部门/批次/业务类型/规则、回访记录统计、
    燃尽图、合规核查计数），与页面相同的筛选：date_from/date_to（统计期间）, batch
    （批次号）, business_type（编号）, branch（部门代码）。需要查看回访任务的权限。"""

    permission_classes = [IsAuthenticated]
    queryset = None  # figures, not rows: no FilterSet (the filters are the page's form)
    schema = SingleAnswerSchema()

    @extend_schema(
        parameters=DASHBOARD_PARAMETERS,
        responses={200: DashboardSerializer},
        examples=[
            OpenApiExample(
                "合计",
                value={
                    "filters": {
                        "date_from": None,
                        "date_to": None,
                        "batch": "2603160001",
                        "business_type": None,
                        "branch": None,
                    },
                    "today": "2026-03-16",
                    "completion_rate_text": figures.COMPLETION_RATE_TEXT,
                    "success_rate_text": figures.SUCCESS_RATE_TEXT,
                    "total": {
                        "key": "total",
                        "label": "合计",
                        "code": "",
                        "depth": 0,
                        "parent": "",
                        "figures": {
                            "total": 5,
                            "new": 1,
                            "in_progress": 1,
                            "completed": 1,
                            "unreachable": 1,
                            "cancelled": 1,
                            "overdue": 1,
                            "attempted": 2,
                            "succeeded": 1,
                        },
                        "completion_rate": "25.0",
                        "success_rate": "50.0",
                        "task_list": "/callbacks/tasks/?batch=2603160001&status=&assignee=",
                    },
                    "by_branch": [],
                    "by_batch": [],
                    "by_business_type": [],
                    "by_rule": [],
                    "records": None,
                    "burndown": None,
                    "compliance": [],
                },
                response_only=True,
            )
        ],
    )
    def list(self, request):
        user = request.user
        if not has_model_perm(user, CallbackTask, "view"):
            raise PermissionDenied("您没有查看回访任务的权限")
        params = _branch_pk(request.query_params.dict())
        form = DashboardFilterForm(params, user=user)
        if not form.is_valid():
            raise _form_errors(form)
        filters = form.filters()
        day = timezone.localdate()
        counted = figures.branch_counts(user, filters, day)
        records = None
        if has_model_perm(user, CallbackRecord, "view"):
            records = {
                "failure_reasons": figures.failure_reasons(user, filters),
                "channels": figures.channels(user, filters),
                "daily": figures.daily(user, filters),
                "agents": figures.agents(user, filters),
            }
        answer = {
            "filters": filters,
            "today": day,
            "completion_rate_text": figures.COMPLETION_RATE_TEXT,
            "success_rate_text": figures.SUCCESS_RATE_TEXT,
            "total": figures.totals(user, filters, day, counted),
            "by_branch": figures.by_branch(user, filters, day, counted),
            "by_batch": figures.by_batch(user, filters, day)[:50],
            "by_business_type": figures.by_business_type(user, filters, day),
            "by_rule": figures.by_rule(user, filters, day),
            "records": records,
            "burndown": figures.burndown(user, filters, day),
            "compliance": compliance.counts(user),
        }
        return Response(DashboardSerializer(answer).data)


# ------------------------------------------------------------------ compliance


FINDING_EXAMPLE = {
    "check": "overdue_tasks",
    "investor_code": "0000012345",
    "task": 345,
    "note": "截止日期 2026-01-02，逾期 3 天",
    "key": "overdue_tasks:345",
}


@extend_schema_serializer(
    examples=[OpenApiExample("逾期未完成的任务", value=FINDING_EXAMPLE, response_only=True)]
)
class FindingSerializer(serializers.Serializer):
    check = serializers.CharField(help_text="检查项")
    investor_code = serializers.CharField()
    task = serializers.IntegerField(source="task_id", allow_null=True, help_text="回访任务编号")
    note = serializers.CharField(help_text="说明")
    key = serializers.CharField(help_text="发现的键：登记管理措施时作为 finding 提交")


class FindingPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


CHECK_PARAMETER = OpenApiParameter(
    "name",
    str,
    OpenApiParameter.PATH,
    enum=list(compliance.REGISTRY),
    description="检查项名称",
)
FINDING_PARAMETERS = [
    CHECK_PARAMETER,
    OpenApiParameter("start", OpenApiTypes.DATE, description="期间起"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="期间止"),
    OpenApiParameter("branch", str, description="部门代码（含下级部门）"),
    OpenApiParameter("q", str, description="投资者代码（前缀）"),
]


class FindingListSchema(AutoSchema):
    """The checks (``list``) are an array; one check's findings (``retrieve``) a paginated
    one."""

    def _is_list_view(self, serializer=None) -> bool:
        return self.view.action in ("list", "retrieve")

    def _get_paginator(self):
        return None if self.view.action == "list" else super()._get_paginator()


class ComplianceViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """合规核查：检查项列表（名称、说明、发现数）；{name}/ 某一检查项的发现，
    按检查项自身的顺序，分页；筛选 start/end（期间）, branch（部门代码，含下级）,
    q（投资者代码前缀）；{name}/export/ 导出（审计）。需要查看回访任务的权限。"""

    permission_classes = [IsAuthenticated]
    filter_backends: list = []
    pagination_class = FindingPagination
    serializer_class = FindingSerializer
    lookup_field = "name"
    lookup_value_regex = r"[a-z0-9_]+"
    schema = FindingListSchema()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not has_model_perm(request.user, CallbackTask, "view"):
            raise PermissionDenied("您没有查看合规核查的权限")

    def _check(self, name: str) -> compliance.Check:
        if name not in compliance.REGISTRY:
            raise NotFound("没有该检查项")
        check = compliance.get(name)
        if not check.visible_to(self.request.user):
            raise PermissionDenied("您没有查看筛选命中的权限")
        return check

    def _findings(self, check: compliance.Check) -> list[compliance.Finding]:
        form = FindingFilterForm(
            _branch_pk(self.request.query_params.dict()), user=self.request.user
        )
        if not form.is_valid():
            raise _form_errors(form)
        return filtered(check, self.request.user, form.cleaned_data)

    @extend_schema(
        operation_id="compliance_checks",
        responses={200: ComplianceCountSerializer(many=True)},
        examples=[
            OpenApiExample(
                "检查项",
                value={
                    "name": "overdue_tasks",
                    "title": "逾期未完成的任务",
                    "description": "截止日期早于今天、仍为未处理或处理中的回访任务。",
                    "count": 3,
                },
                response_only=True,
            )
        ],
    )
    def list(self, request):
        return Response(ComplianceCountSerializer(compliance.counts(request.user), many=True).data)

    @extend_schema(
        operation_id="compliance_findings",
        parameters=FINDING_PARAMETERS,
        responses={200: FindingSerializer(many=True)},
    )
    def retrieve(self, request, name=None):
        rows = self._findings(self._check(name))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(FindingSerializer(page, many=True).data)

    @extend_schema(
        parameters=[
            *FINDING_PARAMETERS,
            OpenApiParameter("file_format", str, enum=["xlsx", "csv"], description="文件格式"),
        ],
        responses=FILE_RESPONSES,
    )
    @action(detail=True, methods=["get"], url_path="export", pagination_class=None)
    def export(self, request, name=None):
        """该检查项的发现（同样的筛选）导出为 xlsx 或 csv，记入审计日志。"""
        fmt = request.query_params.get("file_format", "xlsx")
        if fmt not in ("xlsx", "csv"):
            raise ValidationError({"file_format": ["文件格式须为 xlsx 或 csv"]})
        found = self._check(name)
        exporter = Exporter(
            page_sheet,
            queryset=self._findings(found),
            name=f"compliance_{name}",
            title=f"合规核查 · {found.title}",
            filters=request.query_params.urlencode(),
            actor=request.user,
        )
        try:
            return exporter.response(fmt)
        except ExportError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from None


# ------------------------------------------------------------------ evidence packages


class MayGenerateEvidence(BasePermission):
    message = "您没有生成证据包的权限"

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.has_perm(EVIDENCE_PERMISSION))


class EvidenceRequestSerializer(serializers.Serializer):
    """The page's choice of scope: a customer, a batch, or a branch and a period."""

    kind = serializers.ChoiceField(choices=KINDS, help_text="范围：客户、批次或部门及期间")
    customer = serializers.CharField(required=False, allow_blank=True, help_text="投资者代码")
    batch = serializers.CharField(required=False, allow_blank=True, help_text="批次号")
    branch = serializers.CharField(
        required=False, allow_blank=True, help_text="部门代码（含下级部门）"
    )
    start = serializers.DateField(required=False, allow_null=True, help_text="任务创建日期起")
    end = serializers.DateField(required=False, allow_null=True, help_text="任务创建日期止")


EVIDENCE_PACKAGE_EXAMPLE = {
    "id": 51,
    "title": "证据包：客户 0000012345",
    "status": "succeeded",
    "status_label": "已完成",
    "scope": {"customer": "0000012345"},
    "done": 6,
    "total": 6,
    "message": "",
    "error": "",
    "summary": "证据包：6 个文件",
    "sections": {"回访记录": 2, "审计记录": 14},
    "files": 6,
    "sha256": "02540942346fdfbf21a94f8b823af2ae315f20cb71721c2cc6e205097d560840",
    "file_name": "evidence-0000012345.zip",
    "download_url": "https://huifang.example.com/api/v1/evidence-packages/51/download/",
    "created_by": "auditor",
    "created_at": "2026-01-05T10:00:00+08:00",
    "finished_at": "2026-01-05T10:02:00+08:00",
}


@extend_schema_serializer(
    examples=[OpenApiExample("证据包", value=EVIDENCE_PACKAGE_EXAMPLE, response_only=True)]
)
class EvidencePackageSerializer(serializers.ModelSerializer):
    status = serializers.CharField(
        read_only=True, help_text="queued / running / succeeded / failed"
    )
    status_label = serializers.CharField(read_only=True)
    scope = serializers.JSONField(source="params", read_only=True, help_text="范围参数")
    summary = serializers.SerializerMethodField()
    sections = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()
    sha256 = serializers.SerializerMethodField()
    file_name = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    created_by = serializers.CharField(
        source="created_by.username", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = Job
        fields = [
            "id",
            "title",
            "status",
            "status_label",
            "scope",
            "done",
            "total",
            "message",
            "error",
            "summary",
            "sections",
            "files",
            "sha256",
            "file_name",
            "download_url",
            "created_by",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    def _result(self, job: Job) -> dict:
        return job.result or {}

    def get_summary(self, job: Job) -> str:
        return self._result(job).get("summary", "")

    def get_sections(self, job: Job) -> dict[str, int]:
        return self._result(job).get("sections", {})

    def get_files(self, job: Job) -> int | None:
        return self._result(job).get("files")

    def get_sha256(self, job: Job) -> str:
        return self._result(job).get("sha256", "")

    def get_file_name(self, job: Job) -> str:
        return Path(job.result_file).name if job.result_file else ""

    def get_download_url(self, job: Job) -> str | None:
        if job.status != Job.Status.SUCCEEDED or not job.result_file:
            return None
        request = self.context.get("request")
        path = reverse("evidence-package-download", args=[job.pk])
        return request.build_absolute_uri(path) if request is not None else path


class EvidencePackageViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """证据包：POST 按范围（客户、批次，或部门及期间）在后台生成，返回 202 和后台任务地址；
    列表与详情为您发起的证据包（总部和稽核：所有人的），新的在前；{id}/download/ 下载
    生成的文件（有附件时为 zip，其中含工作簿）。生成与下载需要“生成证据包”权限（与页面相同）。"""

    queryset = Job.objects.filter(kind=jobs.EVIDENCE).select_related("created_by")
    serializer_class = EvidencePackageSerializer
    lookup_value_regex = r"\d+"

    def get_permissions(self):
        # Reading is the right to see one's jobs (an agent's list is empty); generating and
        # downloading a package is the page's right, 生成证据包.
        if self.action == "create":
            return [IsAuthenticated(), MayGenerateEvidence()]
        if self.action == "download":
            return [*super().get_permissions(), MayGenerateEvidence()]
        return super().get_permissions()

    def get_queryset(self):
        # Reading one's packages is the right to view jobs, whatever the method.
        base = self.queryset.all()
        if not has_model_perm(self.request.user, Job, "view"):
            return base.none()
        return base.restrict(self.request.user, "view")

    @extend_schema(
        request=EvidenceRequestSerializer,
        responses={202: JobAcceptedSerializer},
        examples=[
            OpenApiExample(
                "批次的证据包", value={"kind": "batch", "batch": "2603160001"}, request_only=True
            ),
            OpenApiExample(
                "部门及期间",
                value={
                    "kind": "branch",
                    "branch": "0101",
                    "start": "2026-01-01",
                    "end": "2026-03-31",
                },
                request_only=True,
            ),
        ],
    )
    def create(self, request, *args, **kwargs):
        body = EvidenceRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = {k: v for k, v in body.validated_data.items() if v not in (None, "")}
        form = EvidenceForm(_branch_pk(data), user=request.user)
        if not form.is_valid():
            raise _form_errors(form)
        scope = form.scope
        job = start_job(
            jobs.EVIDENCE,
            f"证据包：{scope.describe()}"[:200],
            jobs.EvidenceParams(**scope.as_params()),
            user=request.user,
        )
        return accepted(request, job)

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            (200, XLSX_TYPE): OpenApiTypes.BINARY,
            409: error_response(
                "证据包尚未生成完成", "conflict", "证据包尚未生成完成，请稍后再下载"
            ),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """生成的证据包文件（有附件时为 zip，否则为工作簿）；尚未完成为 409，记入审计日志。"""
        job = self.get_object()
        if job.status in (Job.Status.QUEUED, Job.Status.RUNNING):
            raise Conflict("证据包尚未生成完成，请稍后再下载")
        if not job.result_file:
            raise NotFound("该证据包没有生成文件")
        root = Path(settings.MEDIA_ROOT).resolve()
        path = (root / job.result_file).resolve()
        if not path.is_relative_to(root) or not path.exists():
            raise NotFound("证据包文件不存在")
        audit.record(CoreAction.DOWNLOAD, job, message=f"下载 {path.name}")
        return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


def register(router) -> None:
    router.register("measures", MeasureViewSet, basename="measure")
    router.register("measure-types", MeasureTypeViewSet, basename="measure-type")
    router.register("dashboard", DashboardViewSet, basename="dashboard")
    router.register("compliance", ComplianceViewSet, basename="compliance")
    router.register("evidence-packages", EvidencePackageViewSet, basename="evidence-package")
