"""Read API of customers: ``/api/v1/customers/`` (same filters and masking as the list
page), plus one customer's daily rows and high-risk products.

Fields carry the standard data interface's keys and labels (``data-interface.md``), so a
read row has the shape an import row has. ID numbers, phones and e-mails are masked;
one customer read with ``?reveal=1`` shows them in full to a user holding the reveal
permission and leaves the same audit row as the page's reveal (403 for anyone else).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import pagination, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from huifang.core.api import ExportViewSetMixin, KeysetPagination, ScopedReadOnlyViewSet
from huifang.core.permissions import may_reveal
from huifang.core.scoping import has_model_perm
from huifang.customers import services
from huifang.customers.filtersets import CustomerFilterSet
from huifang.customers.models import Customer, DailyBalance, ProductHolding
from huifang.customers.tables import CustomerTable, normalized_label


class CodeCursorPagination(KeysetPagination):
    """Keyset pages by investor code: no COUNT over a million customers, stable while
    rows are imported."""

    ordering = "investor_code"


CUSTOMER_EXAMPLE = {
    "investor_code": "0000012345",
    "name": "张三",
    "full_name": "张三",
    "customer_type": "自然人",
    "gender": "男",
    "id_type": "身份证",
    "id_number": "110***********1232",
    "birth_date": "1980-01-01",
    "open_date": "2025-03-18",
    "close_date": None,
    "status": "有效",
    "dormant": "正常",
    "normalized": "已规范",
    "branch_code": "010101",
    "branch_name": "期货北京营业部",
    "investor_class": "普通投资者",
    "risk_level": "C3",
    "occupation": "职员",
    "income_source": "工资",
    "mobile": "138****5678",
    "phone": "010*******66",
    "address": "北京市东城区某街 1 号",
    "email": "zh****an@example.com",
    "broker_code": "J001",
    "broker_name": "李四",
}


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "客户（证件号码、电话与电子邮箱已掩码）", response_only=True, value=CUSTOMER_EXAMPLE
        )
    ]
)
class CustomerSerializer(serializers.ModelSerializer):
    branch_code = serializers.CharField(source="branch.code", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    customer_type = serializers.CharField(source="get_customer_type_display", read_only=True)
    gender = serializers.CharField(source="get_gender_display", read_only=True)
    id_type = serializers.CharField(source="get_id_type_display", read_only=True)
    id_number = serializers.SerializerMethodField()
    status = serializers.CharField(source="get_status_display", read_only=True)
    dormant = serializers.SerializerMethodField()
    normalized = serializers.SerializerMethodField()
    investor_class = serializers.CharField(source="get_investor_class_display", read_only=True)
    risk_level = serializers.SerializerMethodField()
    mobile = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()
    broker_code = serializers.CharField(source="broker_codes", read_only=True)
    broker_name = serializers.CharField(source="broker_names", read_only=True)

    class Meta:
        model = Customer
        fields = [
            "investor_code",
            "name",
            "full_name",
            "customer_type",
            "gender",
            "id_type",
            "id_number",
            "birth_date",
            "open_date",
            "close_date",
            "status",
            "dormant",
            "normalized",
            "branch_code",
            "branch_name",
            "investor_class",
            "risk_level",
            "occupation",
            "income_source",
            "mobile",
            "phone",
            "address",
            "email",
            "broker_code",
            "broker_name",
        ]
        read_only_fields = fields

    def _personal(self, obj: Customer) -> dict[str, str]:
        # "revealed" is set only by CustomerViewSet.retrieve after services.do_reveal.
        return services.personal_data(obj, revealed=self.context.get("revealed", False))

    def get_id_number(self, obj: Customer) -> str:
        return self._personal(obj)["id_number"]

    def get_mobile(self, obj: Customer) -> str:
        return self._personal(obj)["mobile"]

    def get_phone(self, obj: Customer) -> str:
        return self._personal(obj)["phone"]

    def get_email(self, obj: Customer) -> str:
        return self._personal(obj)["email"]

    def get_dormant(self, obj: Customer) -> str:
        return "休眠" if obj.dormant else "正常"

    def get_normalized(self, obj: Customer) -> str:
        return normalized_label(obj.normalized)

    def get_risk_level(self, obj: Customer) -> str:
        return obj.risk_label


DAILY_BALANCE_EXAMPLE = {
    "trade_date": "2026-01-05",
    "prev_equity": "100000.00",
    "deposit": "0.00",
    "withdrawal": "0.00",
    "close_pnl": "-1200.50",
    "position_pnl": "300.00",
    "fee": "25.30",
    "equity": "99074.20",
    "volume": 12,
}


@extend_schema_serializer(
    examples=[OpenApiExample("某日资金", value=DAILY_BALANCE_EXAMPLE, response_only=True)]
)
class DailyBalanceSerializer(serializers.ModelSerializer):
    # Exact decimal strings, never floats.
    prev_equity = serializers.DecimalField(max_digits=18, decimal_places=2)
    deposit = serializers.DecimalField(max_digits=18, decimal_places=2)
    withdrawal = serializers.DecimalField(max_digits=18, decimal_places=2)
    close_pnl = serializers.DecimalField(max_digits=18, decimal_places=2)
    position_pnl = serializers.DecimalField(max_digits=18, decimal_places=2)
    fee = serializers.DecimalField(max_digits=18, decimal_places=2)
    equity = serializers.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        model = DailyBalance
        fields = [
            "trade_date",
            "prev_equity",
            "deposit",
            "withdrawal",
            "close_pnl",
            "position_pnl",
            "fee",
            "equity",
            "volume",
        ]
        read_only_fields = fields


PRODUCT_HOLDING_EXAMPLE = {
    "business_date": "2026-01-05",
    "product_code": "m2605-C-3000",
    "product_name": "豆粕期权 2605 看涨 3000",
    "category": "期权",
    "product_risk": "R4",
}


@extend_schema_serializer(
    examples=[OpenApiExample("持有的高风险产品", value=PRODUCT_HOLDING_EXAMPLE, response_only=True)]
)
class ProductHoldingSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="get_category_display", read_only=True)
    product_risk = serializers.CharField(source="get_product_risk_display", read_only=True)

    class Meta:
        model = ProductHolding
        fields = ["business_date", "product_code", "product_name", "category", "product_risk"]
        read_only_fields = fields


class DatePagination(KeysetPagination):
    ordering = "trade_date"
    page_size = 366
    page_size_query_param = "page_size"
    max_page_size = 2000


class ProductPagination(pagination.PageNumberPagination):
    page_size = 100


def _year(raw: str | None) -> int | None:
    if raw in (None, ""):
        return None
    if not raw.isdigit() or not 1900 <= int(raw) <= 2999:
        raise ValidationError({"year": "年度应为四位数字，例如 2025"})
    return int(raw)


class CustomerViewSet(ExportViewSetMixin, ScopedReadOnlyViewSet):
    """客户（只读）：仅返回当前用户范围内的客户；证件号码、手机号、联系电话与电子邮箱脱敏。

    筛选参数与客户列表页面相同（q, branch, customer_type, status, dormant, risk_level,
    investor_class, occupation, income_source, age_min/age_max, open_date_after/before）。
    单个客户加 ``reveal=1``：有“查看完整信息”权限的用户得到完整信息并记入审计日志，
    其他用户 403。export/ 按同样的筛选导出客户列表页面的列（脱敏、审计）。
    """

    queryset = Customer.objects.select_related("branch")
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilterSet
    pagination_class = CodeCursorPagination
    lookup_field = "investor_code"
    export_table = CustomerTable
    export_name = "customers"
    export_title = "客户列表"

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "reveal",
                bool,
                description="1：显示完整的证件号码、手机号、联系电话和电子邮箱（需要权限，记入审计日志）",
            )
        ]
    )
    def retrieve(self, request, *args, **kwargs):
        if request.query_params.get("reveal") not in ("1", "true"):
            return super().retrieve(request, *args, **kwargs)
        if not may_reveal(request.user):
            raise ApiPermissionDenied("您没有查看完整信息的权限")
        customer = self.get_object()
        services.do_reveal(customer, actor=request.user)
        context = {**self.get_serializer_context(), "revealed": True}
        return Response(CustomerSerializer(customer, context=context).data)

    def _related(self, model, queryset):
        if not has_model_perm(self.request.user, model, "view"):
            raise PermissionDenied
        return queryset

    @extend_schema(
        responses=DailyBalanceSerializer(many=True),
        parameters=[
            OpenApiParameter("year", int, description="只取某一年度（四位数字，如 2025）"),
        ],
    )
    @action(
        detail=True,
        serializer_class=DailyBalanceSerializer,
        pagination_class=DatePagination,
        filter_backends=[],
    )
    def daily(self, request, investor_code=None):
        """该客户的资金日报；``year`` 参数只取某一年度。

        排序：trade_date（交易日期）升序；游标分页：每页 366 条（page_size 至多 2000）。"""
        customer = self.get_object()
        year = _year(request.query_params.get("year"))
        period = () if year is None else (datetime.date(year, 1, 1), datetime.date(year, 12, 31))
        rows = self._related(DailyBalance, DailyBalance.objects.of_customer(customer, *period))
        return self._paged(rows)

    @extend_schema(
        responses=ProductHoldingSerializer(many=True),
    )
    @action(
        detail=True,
        serializer_class=ProductHoldingSerializer,
        pagination_class=ProductPagination,
        filter_backends=[],
    )
    def products(self, request, investor_code=None):
        """该客户的高风险产品或服务。

        排序：business_date（业务日期）升序，id 升序；页码分页：page=N，每页 100 条。"""
        customer = self.get_object()
        rows = self._related(
            ProductHolding,
            ProductHolding.objects.filter(customer=customer).order_by("business_date", "id"),
        )
        return self._paged(rows)

    def _paged(self, rows):
        page = self.paginate_queryset(rows)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)


def register(router) -> None:
    router.register("customers", CustomerViewSet, basename="customer")
