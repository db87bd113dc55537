"""The questionnaire list (page and export)."""

from __future__ import annotations

import django_tables2 as tables

from huifang.core.columns import WRAP, BooleanColumn, DateTimeColumn, UserColumn
from huifang.surveys.models import Questionnaire


class QuestionnaireTable(tables.Table):
    code = tables.Column(linkify=("surveys:questionnaire_detail", {"pk": tables.A("pk")}))
    title = tables.Column(attrs=WRAP)
    business_types = tables.Column(
        accessor="pk", verbose_name="回访业务类型", orderable=False, attrs=WRAP
    )
    latest_number = tables.Column(verbose_name="最新版本", default="—")
    has_draft = BooleanColumn(verbose_name="有草稿", yesno="是,否")
    updated_by = UserColumn("updated_by", verbose_name="修改人")
    updated_at = DateTimeColumn(format="Y-m-d H:i:s")

    class Meta:
        model = Questionnaire
        fields = [
            "code",
            "title",
            "business_types",
            "latest_number",
            "has_draft",
            "updated_by",
            "updated_at",
        ]
        order_by = "code"
        empty_text = "没有问卷"

    def render_business_types(self, record) -> str:
        return "、".join(bt.name for bt in record.business_types.all()) or "—"

    def value_business_types(self, record) -> str:
        return "、".join(bt.name for bt in record.business_types.all())

    def render_latest_number(self, value) -> str:
        return f"第 {value} 版"
