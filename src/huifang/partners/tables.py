import django_tables2 as tables

from huifang.core.columns import BooleanColumn, DateTimeColumn
from huifang.partners.models import Partner


class PartnerTable(tables.Table):
    name = tables.Column(linkify=("partners:partner_detail", [tables.A("pk")]))
    key = tables.Column(verbose_name="Key")
    url = tables.Column(verbose_name="推送地址", default="")
    is_enabled = BooleanColumn(verbose_name="状态", yesno="启用,停用")
    last_request_at = DateTimeColumn(format="Y-m-d H:i", default="")

    class Meta:
        model = Partner
        fields = ["name", "kind", "key", "url", "is_enabled", "last_request_at"]
        order_by = "name"
