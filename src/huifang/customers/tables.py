"""The customer list's columns (the brochure's 客户管理 list). Personal data is masked in
the table itself, so the page and its xlsx/csv export can never disagree."""

import django_tables2 as tables

from huifang.core.columns import DateColumn
from huifang.core.masking import mask_phone
from huifang.customers.models import Customer


def normalized_label(value: bool | None) -> str:
    if value is None:
        return ""
    return "已规范" if value else "未规范"


class CustomerTable(tables.Table):
    branch = tables.Column(accessor="branch__name", verbose_name="部门", order_by="branch__path")
    investor_code = tables.LinkColumn(
        "customers:customer_detail", args=[tables.A("investor_code")], verbose_name="投资者代码"
    )
    dormant = tables.Column(verbose_name="休眠")
    normalized = tables.Column(verbose_name="规范化状态")
    risk_level = tables.Column(verbose_name="风险承受能力")
    mobile = tables.Column(verbose_name="手机号", orderable=False)  # stored encrypted
    open_date = DateColumn(format="Y-m-d", verbose_name="开户日期")
    birth_date = DateColumn(format="Y-m-d", verbose_name="生日")

    class Meta:
        model = Customer
        fields = [
            "branch",
            "investor_code",
            "name",
            "full_name",
            "customer_type",
            "gender",
            "open_date",
            "birth_date",
            "status",
            "dormant",
            "normalized",
            "investor_class",
            "risk_level",
            "occupation",
            "income_source",
            "mobile",
        ]
        order_by = "investor_code"
        empty_text = "没有符合条件的客户"
        # Sixteen columns: scroll sideways rather than wrap every cell into a tall row.
        attrs = {"class": "table table-vcenter card-table text-nowrap"}

    # What fits a 1366-px screen; the rest is under 显示列 (and in every export).
    default_columns = (
        "branch",
        "investor_code",
        "name",
        "customer_type",
        "open_date",
        "status",
        "dormant",
        "risk_level",
        "mobile",
    )

    def render_dormant(self, value: bool) -> str:
        return "休眠" if value else "正常"

    def render_normalized(self, value: bool | None) -> str:
        return normalized_label(value)

    def render_risk_level(self, record: Customer) -> str:
        return record.risk_label

    def render_mobile(self, value: str) -> str:
        return mask_phone(value)
