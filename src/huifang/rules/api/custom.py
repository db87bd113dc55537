"""The bodies and answers of custom rules over the API: creating one (``POST
/api/v1/rules/``) and previewing its hits before saving it (``POST /api/v1/rules/preview/``,
the page's 预览命中数, through ``rules.preview``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from huifang.core.filtersets import within_dates
from huifang.rules.api.hits import EvidenceValueSerializer
from huifang.rules.preview import MAX_SAMPLE, SAMPLE

PARAMS_HELP = (
    "period_start、period_end（YYYY-MM-DD，可空）、customer_types、branches（部门代码）"
    '与 conditions：{"op": "and"|"or", "items": [条件或一层条件组]}，'
    '条件为 {"field", "cmp", "value"}，与页面“新建自定义规则”相同'
)


class CustomRuleCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="规则名称（不能与已有规则同名）")
    description = serializers.CharField(
        max_length=300, required=False, default="", allow_blank=True
    )
    params = serializers.DictField(help_text=PARAMS_HELP)


class RulePreviewRequestSerializer(CustomRuleCreateSerializer):
    """新建自定义规则's body (name and description may be left out: nothing is saved) and
    the reference date."""

    name = serializers.CharField(
        max_length=100, required=False, default="", allow_blank=True, help_text="可省略，不保存"
    )
    as_of = serializers.DateField(
        required=False, validators=[within_dates], help_text="回访基准日（YYYY-MM-DD），默认今天"
    )
    sample_size = serializers.IntegerField(
        required=False,
        default=SAMPLE,
        min_value=0,
        max_value=MAX_SAMPLE,
        help_text=f"列出命中客户的前几位（按投资者代码），0–{MAX_SAMPLE}，默认 {SAMPLE}",
    )


class PreviewHitSerializer(serializers.Serializer):
    investor_code = serializers.CharField()
    name = serializers.CharField(help_text="投资者名称")
    branch_code = serializers.CharField(help_text="部门代码")
    branch_name = serializers.CharField(help_text="部门名称")
    summary = serializers.CharField(help_text="命中依据的一句话说明（条件只涉及客户字段时为空）")
    values = EvidenceValueSerializer(many=True, help_text="命中依据的各项取值")


class RulePreviewSerializer(serializers.Serializer):
    as_of = serializers.DateField(help_text="回访基准日")
    count = serializers.IntegerField(help_text="命中客户数（您权限范围内的客户）")
    meaning = serializers.CharField(help_text="规则含义（代入这些参数）")
    params = serializers.JSONField(help_text="保存时将存储的参数（已校验、规范化）")
    sample = PreviewHitSerializer(many=True, help_text="命中客户的前几位，按投资者代码")


CUSTOM_RULE_BODY = {
    "name": "无业大额亏损",
    "description": "",
    "params": {
        "customer_types": ["natural"],
        "conditions": {
            "op": "and",
            "items": [
                {"field": "occupation", "cmp": "eq", "value": "无业"},
                {"field": "loss", "cmp": "ge", "value": "50000"},
            ],
        },
    },
}

PREVIEW_EXAMPLES = [
    OpenApiExample(
        "无业且年度亏损超过 5 万，以年末为基准日",
        request_only=True,
        value={
            "params": CUSTOM_RULE_BODY["params"],
            "as_of": "2025-12-31",
            "sample_size": 10,
        },
    ),
    OpenApiExample(
        "命中 1 位客户",
        response_only=True,
        value={
            "as_of": "2025-12-31",
            "count": 1,
            "meaning": "在回访基准日 D 时有效的客户（开户日期 ≤ D，且 D 时未销户）中，"
            "仅限客户类型为自然人，满足条件：职业 = 无业 并且 期间亏损金额 ≥ 50,000.00 元。"
            "期间指标按统计期间 基准日所在年度的1月1日 至 基准日（两端均含）计算。",
            "params": {
                "period_start": None,
                "period_end": None,
                "customer_types": ["natural"],
                "branches": [],
                "conditions": {
                    "op": "and",
                    "items": [
                        {"field": "occupation", "cmp": "eq", "value": "无业"},
                        {"field": "loss", "cmp": "ge", "value": "50000.00"},
                    ],
                },
            },
            "sample": [
                {
                    "investor_code": "0000012345",
                    "name": "张三",
                    "branch_code": "010101",
                    "branch_name": "期货北京营业部",
                    "summary": "期间亏损金额 60,000.00 元，期间成交手数 12，交易天数 1，"
                    "入金 0.00 元，出金 0.00 元",
                    "values": [
                        {"key": "loss", "label": "期间亏损金额", "value": "60000.00"},
                        {"key": "base", "label": "基数", "value": None},
                        {"key": "ratio", "label": "亏损比例", "value": None},
                        {"key": "volume", "label": "期间成交手数", "value": "12"},
                        {"key": "days", "label": "交易天数", "value": "1"},
                        {"key": "deposit", "label": "入金", "value": "0.00"},
                        {"key": "withdrawal", "label": "出金", "value": "0.00"},
                        {"key": "max_risk", "label": "最高产品风险等级", "value": None},
                    ],
                }
            ],
        },
    ),
]
