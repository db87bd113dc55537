"""REST building blocks: the same permissions and branch scoping as the pages."""

from drf_spectacular.drainage import set_override
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError

from huifang.core.exporter import Exporter, ExportError, export_exclude, table_cell
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


class ScopedViewSetMixin:
    """Every API queryset starts from ``restrict(user, action)``: out of scope is 404."""

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
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
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
