"""``/api/v1/imports/``: the standard data interface over REST.

``POST /api/v1/imports/<dataset>/`` with JSON ``{"rows": [...], "skip_invalid": false}``
(rows keyed by Chinese or English column names) or a multipart ``file`` (.csv/.xlsx) and
an optional ``skip_invalid`` field. 200 with the counts, or 400 when nothing was written:
the API's one error shape (``errors`` under ``rows`` or ``file``, a sentence per problem)
with the counts and the row report (``report``: row, column, value, reason) beside it
(``import_answers``). A file larger than ``SYNCHRONOUS_BYTES`` is imported by the task
worker: 202 with the job's address (``/api/v1/jobs/<id>/``), whose ``result`` holds the
same answer once it has finished. ``GET /api/v1/imports/`` lists import records. Same
permission (``customers.import_data``) and branch scope as the upload page; the same
engine as the command.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from huifang.core import audit
from huifang.core.api import JobAcceptedSerializer, ScopedViewSetMixin, accepted
from huifang.core.middleware import client_ip
from huifang.core.parsers import JSONParser
from huifang.customers import services
from huifang.customers.import_answers import answer
from huifang.customers.import_filtersets import ImportRecordFilterSet
from huifang.customers.importers import DATASETS, import_file, import_rows
from huifang.customers.models import ImportRecord

DATASET_PATTERN = "|".join(DATASETS)
# A file larger than this is imported as a background job (202 and the job's address):
# about 25,000 customers or 80,000 daily rows, a second or two of work.
SYNCHRONOUS_BYTES = 5 << 20


IMPORT_RECORD_EXAMPLE = {
    "id": 42,
    "dataset": "customers",
    "source": "api",
    "file_name": "",
    "checksum": "6aaecc2fbda036fa2e45666c2ac7064f3195e956c648ba64286eaacdd9cdc430",
    "user": "ops",
    "status": "applied",
    "skip_invalid": False,
    "started_at": "2026-01-05T10:00:00+08:00",
    "finished_at": "2026-01-05T10:02:00+08:00",
    "total_rows": 3,
    "created": 3,
    "updated": 0,
    "unchanged": 0,
    "rejected": 0,
    "error_count": 0,
    "warnings": [],
    "message": "新增 3，更新 0，未变 0，拒绝 0",
}


@extend_schema_serializer(
    examples=[OpenApiExample("导入记录", value=IMPORT_RECORD_EXAMPLE, response_only=True)]
)
class ImportRecordSerializer(serializers.ModelSerializer):
    user = serializers.CharField(
        source="user.username", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = ImportRecord
        fields = [
            "id",
            "dataset",
            "source",
            "file_name",
            "checksum",
            "user",
            "status",
            "skip_invalid",
            "started_at",
            "finished_at",
            "total_rows",
            "created",
            "updated",
            "unchanged",
            "rejected",
            "error_count",
            "warnings",
            "message",
        ]


class ImportRequestSerializer(serializers.Serializer):
    rows = serializers.ListField(child=serializers.DictField(), required=False)
    file = serializers.FileField(required=False)
    skip_invalid = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if ("rows" in attrs) == ("file" in attrs):
            raise serializers.ValidationError("请提供 rows（JSON 数组）或 file（上传文件）之一")
        return attrs


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        help_text="行号（文件：含表头的行号；JSON：rows 中的第几行，从 1 起）"
    )
    column = serializers.CharField(help_text="列名")
    value = serializers.CharField(
        help_text="单元格的值（证件号码、手机号、联系电话、联系地址、电子邮箱已脱敏）"
    )
    reason = serializers.CharField(help_text="原因（中文）")


class ImportResultSerializer(serializers.Serializer):
    """The import's answer: counts and the row report (rows skipped with skip_invalid)."""

    ok = serializers.BooleanField()
    record = serializers.IntegerField(help_text="导入记录编号")
    status = serializers.CharField()
    total = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    warnings = serializers.ListField(child=serializers.CharField())
    report = RowErrorSerializer(many=True, help_text="行报告：每个无效单元格一行")
    error_count = serializers.IntegerField(help_text="问题总数（行报告可能只列出其中一部分）")


class ImportRefusedSerializer(serializers.Serializer):
    """A 400 in the API's one error shape: ``errors`` by field. Invalid rows: ``errors``
    under ``rows`` or ``file`` (a Chinese sentence per problem), the counts and the row
    report beside it; a bad request: ``errors`` by field alone."""

    code = serializers.CharField()
    message = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="按字段的错误说明：无效行时为 rows 或 file，每处问题一句",
    )
    ok = serializers.BooleanField(required=False)
    record = serializers.IntegerField(required=False)
    status = serializers.CharField(required=False)
    total = serializers.IntegerField(required=False)
    created = serializers.IntegerField(required=False)
    updated = serializers.IntegerField(required=False)
    unchanged = serializers.IntegerField(required=False)
    rejected = serializers.IntegerField(required=False)
    warnings = serializers.ListField(child=serializers.CharField(), required=False)
    report = RowErrorSerializer(many=True, required=False, help_text="行报告")
    error_count = serializers.IntegerField(required=False)


REFUSED_EXAMPLE = {
    "code": "invalid",
    "message": "有无效行，什么也没有写入：共 1 处问题，见 errors（逐条说明）与 report（行报告）",
    "errors": {"rows": ["第 2 行 手机号（138*****67）：手机号须为11位大陆手机号码"]},
    "ok": False,
    "record": 43,
    "status": "rejected",
    "total": 3,
    "created": 0,
    "updated": 0,
    "unchanged": 0,
    "rejected": 1,
    "warnings": [],
    "report": [
        {
            "row": 2,
            "column": "手机号",
            "value": "138*****67",
            "reason": "手机号须为11位大陆手机号码",
        }
    ],
    "error_count": 1,
}
APPLIED_EXAMPLE = {
    **{key: REFUSED_EXAMPLE[key] for key in ("total", "updated", "unchanged", "warnings")},
    "ok": True,
    "record": 42,
    "status": "applied",
    "created": 3,
    "rejected": 0,
    "report": [],
    "error_count": 0,
}


def _truthy(value) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on", "是")


class ImportViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """导入记录（只读列表）与按标准数据接口导入数据。"""

    queryset = ImportRecord.objects.select_related("user")
    serializer_class = ImportRecordSerializer
    lookup_value_regex = r"\d+"
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_class = ImportRecordFilterSet

    def get_permissions(self):
        if self.action == "run":
            return [IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(
        parameters=[OpenApiParameter("dataset", str, OpenApiParameter.PATH, enum=list(DATASETS))],
        request={
            "application/json": ImportRequestSerializer,
            "multipart/form-data": ImportRequestSerializer,
        },
        responses={
            200: ImportResultSerializer,
            202: JobAcceptedSerializer,
            400: OpenApiResponse(
                ImportRefusedSerializer,
                description="有无效行（errors 逐条说明，report 为行报告）或请求有误：什么也没有写入",
                examples=[OpenApiExample("有无效行", value=REFUSED_EXAMPLE)],
            ),
        },
        examples=[
            OpenApiExample("已导入", value=APPLIED_EXAMPLE, response_only=True),
            OpenApiExample(
                "客户（JSON 行，中文或英文列名）",
                value={
                    "rows": [
                        {
                            "investor_code": "0000012345",
                            "name": "张三",
                            "customer_type": "自然人",
                            "open_date": "2026-01-05",
                            "status": "有效",
                            "branch_code": "010101",
                        }
                    ],
                    "skip_invalid": False,
                },
                request_only=True,
                media_type="application/json",
            ),
        ],
    )
    @action(
        detail=False,
        methods=["post"],
        url_path=rf"(?P<dataset>{DATASET_PATTERN})",
        serializer_class=ImportRequestSerializer,
    )
    def run(self, request, dataset: str):
        """导入一批数据：全部成功返回 200 和计数；有无效行（且未跳过）返回 400 和行报告。
        大文件在后台导入：返回 202 和后台任务地址（/api/v1/jobs/{id}/），结束后其 result 即上述应答。"""
        user = request.user
        if not user.has_perm("customers.import_data"):
            raise PermissionDenied("您没有通过标准数据接口导入数据的权限")
        data = request.data
        uploaded = request.FILES.get("file")
        skip_invalid = _truthy(data.get("skip_invalid", False))
        if uploaded is not None and uploaded.size > SYNCHRONOUS_BYTES:
            return _start_job(request, dataset, uploaded, skip_invalid)
        with audit.acting(user=user, label="api", ip=client_ip(request)):
            if uploaded is not None:
                try:
                    relative = services.save_upload(uploaded, actor=user)
                except DjangoValidationError as exc:
                    raise ValidationError({"file": exc.messages}) from exc
                result = import_file(
                    dataset,
                    services.media_path(relative),
                    skip_invalid=skip_invalid,
                    actor=user,
                    file_name=uploaded.name,
                )
            else:
                rows = data.get("rows") if hasattr(data, "get") else None
                if not isinstance(rows, list):
                    raise ValidationError({"rows": ["请提供 rows（对象数组）或上传 file"]})
                result = import_rows(dataset, rows, skip_invalid=skip_invalid, actor=user)
        body = answer(result, field="file" if uploaded is not None else "rows")
        return Response(
            body, status=status.HTTP_200_OK if result.ok else status.HTTP_400_BAD_REQUEST
        )


def _start_job(request, dataset: str, uploaded, skip_invalid: bool) -> Response:
    """A large file is imported by the task worker, as from the upload page: 202 with the
    job's address, where its progress and, at the end, the import's answer are read."""
    user = request.user
    with audit.acting(user=user, label="api", ip=client_ip(request)):
        try:
            relative = services.save_upload(uploaded, actor=user)
        except DjangoValidationError as exc:
            raise ValidationError({"file": exc.messages}) from exc
        job = services.do_start_import(
            dataset, relative, file_name=uploaded.name, skip_invalid=skip_invalid, actor=user
        )
    return accepted(request, job)


def register(router) -> None:
    router.register("imports", ImportViewSet, basename="import")
