"""REST building blocks: the same permissions and branch scoping as the pages.

Every viewset starts from :class:`ScopedViewSetMixin`: its queryset is the model's
``restrict(user, action)`` (out of scope is 404), and every audit row its handler writes
carries the caller on the ``api`` channel. Writes go through the ``do_…`` services, which
check the permission themselves; a long operation answers :func:`accepted` (202 and the
job's address). Errors: :mod:`huifang.core.api_errors`.
"""

import contextlib

from django.urls import reverse
from drf_spectacular.drainage import set_override
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import pagination, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from huifang.core import audit
from huifang.core.exporter import (
    CSV_TYPE,
    XLSX_TYPE,
    Exporter,
    ExportError,
    export_exclude,
    table_cell,
)
from huifang.core.middleware import client_ip
from huifang.core.scoping import has_model_perm

ACTION_FOR_METHOD = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


# The answer of an export endpoint: the file, in the format asked for.
FILE_RESPONSES = {
    (200, XLSX_TYPE): OpenApiTypes.BINARY,
    (200, CSV_TYPE.partition(";")[0]): OpenApiTypes.BINARY,
}


class KeysetPagination(pagination.CursorPagination):
    """Cursor pages for the big lists (no COUNT over millions of rows): 100 a page,
    ``page_size`` up to 1,000; a subclass sets ``ordering`` (unique, newest first)."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "已开始的后台任务",
            value={
                "job": 812,
                "status": "queued",
                "url": "https://huifang.example.com/api/v1/jobs/812/",
            },
            response_only=True,
            status_codes=["202"],
        )
    ]
)
class JobAcceptedSerializer(serializers.Serializer):
    """The 202 answer of a long operation: poll ``url`` (``/api/v1/jobs/{id}/``)."""

    job = serializers.IntegerField(help_text="后台任务编号")
    status = serializers.CharField(help_text="queued / running / succeeded / failed")
    url = serializers.URLField(help_text="后台任务地址：进度与结束后的结果")


def accepted(request, job) -> Response:
    """202 for a long operation started as ``job``: its number, status and address (also
    in ``Location``), where progress and, once finished, the result are read."""
    url = request.build_absolute_uri(reverse("job-detail", args=[job.pk]))
    body = {"job": job.pk, "status": job.status, "url": url}
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": url})


class ScopedViewSetMixin:
    """Every API queryset starts from ``restrict(user, action)``: out of scope is 404.
    Audit rows written while a request is handled carry its user on the ``api`` channel."""

    def dispatch(self, request, *args, **kwargs):
        self._acting = contextlib.ExitStack()
        with self._acting:
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.user.is_authenticated:
            self._acting.enter_context(
                audit.acting(user=request.user, label="api", ip=client_ip(request._request))
            )

    def get_queryset(self):
        base = super().get_queryset()
        action = ACTION_FOR_METHOD.get(self.request.method, "view")
        if not has_model_perm(self.request.user, base.model, action):
            return base.none()
        return base.restrict(self.request.user, action)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class TableValueField(serializers.Field):
    """A read-only field whose value is the export cell of a list table's column (the
    field's name unless ``column`` says): masked and labelled by the table, so the API
    shows what the page and its exports show, and the serializer repeats none of it.
    ``schema`` is the OpenAPI type of the value (text by default)."""

    def __init__(self, table_class, *, column: str | None = None, schema=OpenApiTypes.STR, **kw):
        kw.update(source="*", read_only=True)
        super().__init__(**kw)
        self.table_class = table_class
        self.column = column
        set_override(self, "field", schema)

    def to_representation(self, record):
        # One empty table per field (per request): its bound columns serve every row.
        table = self.__dict__.get("_table")
        if table is None:
            table = self._table = self.table_class([])
        return table_cell(table, record, self.column or self.field_name)


class ExportViewSetMixin:
    """``GET …/export/?file_format=xlsx|csv`` (xlsx by default): the list's rows as the
    page's export gives them, through :class:`huifang.core.exporter.Exporter` — the same
    FilterSet and query parameters as the list, the same scope, the table's export columns
    (``export_columns``), masked, formula-safe, audited."""

    export_table = None  # the list page's django-tables2 table
    export_name = "export"
    export_title = "数据"

    @extend_schema(
        parameters=[
            OpenApiParameter("file_format", str, enum=["xlsx", "csv"], description="文件格式")
        ],
        responses=FILE_RESPONSES,
    )
    @action(detail=False, methods=["get"], url_path="export", pagination_class=None)
    def export(self, request, *args, **kwargs):
        fmt = request.query_params.get("file_format", "xlsx")
        if fmt not in ("xlsx", "csv"):
            raise ValidationError({"file_format": "文件格式须为 xlsx 或 csv"})
        queryset = self.get_queryset()
        filterset = self.filterset_class(request.query_params, queryset=queryset, request=request)
        exporter = Exporter(
            self.export_table,
            filterset,
            name=self.export_name,
            title=self.export_title,
            table_kwargs={"exclude": export_exclude(self.export_table)},
            actor=request.user,
            filters=request.query_params.urlencode(),
        )
        try:
            return exporter.response(fmt)
        except ExportError:
            raise ValidationError(filterset.errors) from None
