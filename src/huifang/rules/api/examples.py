"""Examples of the rules room's answers in the OpenAPI schema (a rule, a screening run, a
hit), as the endpoints give them; ``tests/core/test_api_examples.py`` holds each to its
serializer's schema."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

# A002 after ``PATCH {"params": {"min_loss_amount": "80000", "min_loss_ratio": "40%"}}``.
RULE = {
    "code": "A002",
    "name": "大额亏损客户",
    "description": "一定时间周期内，亏损金额≥XX，亏损比例≥X%",
    "kind": "builtin",
    "rule_type": "large_loss",
    "enabled": True,
    "version": 2,
    "params": {
        "period_start": None,
        "period_end": None,
        "min_loss_amount": "80000.00",
        "min_loss_ratio": "0.4",
        "customer_types": [],
        "branches": [],
    },
    "shown": [
        {"key": "period_start", "label": "统计期间开始", "value": "默认"},
        {"key": "period_end", "label": "统计期间结束", "value": "默认"},
        {"key": "min_loss_amount", "label": "亏损金额不低于", "value": "80,000.00 元"},
        {"key": "min_loss_ratio", "label": "亏损比例不低于", "value": "40%"},
        {"key": "customer_types", "label": "客户类型", "value": "全部"},
        {"key": "branches", "label": "部门", "value": "全部"},
    ],
    "meaning": "在回访基准日 D 时有效的客户（开户日期 ≤ D，且 D 时未销户）中，按统计期间 "
    "基准日所在年度的1月1日 至 基准日（两端均含）内的客户资金日报计算：盈亏 = Σ(平仓盈亏 + "
    "持仓盈亏 − 手续费)，亏损 = −盈亏；基数 = 期间内第一条日报的上日权益 + Σ入金。亏损 > 0 且 "
    "亏损 ≥ 80,000.00 元，且 基数 > 0、亏损 ÷ 基数 ≥ 40%（精确比较，不四舍五入）时命中。"
    "期间内没有日报的客户没有亏损。依据：亏损金额、基数、亏损比例、成交手数。",
    "updated_by": "hq_admin",
    "updated_at": "2026-12-04T10:00:00+08:00",
}

RUN = {
    "id": 7,
    "as_of": "2025-12-31",
    "status": "frozen",
    "status_label": "已落地",
    "customer_types": ["natural"],
    "branch_codes": [],
    "exclude_dormant": True,
    "overrides": {"A002": {"min_loss_amount": "50000"}},
    "counts": {"A001": 95, "A002": 31},
    "hit_count": 120,
    "note": "",
    "created_by": "hq_admin",
    "created_at": "2026-01-05T08:30:00+08:00",
    "frozen_by": "hq_admin",
    "frozen_at": "2026-01-05T08:45:00+08:00",
    "data_through": "2025-12-31",
    "incomplete_confirmed": False,
    "rules": [
        {
            "code": "A001",
            "name": "新开户客户",
            "version": 1,
            "params": {
                "period_start": None,
                "period_end": None,
                "customer_types": [],
                "branches": [],
            },
            "hit_count": 95,
        },
        {
            "code": "A002",
            "name": "大额亏损客户",
            "version": 2,
            "params": {
                "period_start": None,
                "period_end": None,
                "min_loss_amount": "50000.00",
                "min_loss_ratio": "0.4",
                "customer_types": [],
                "branches": [],
            },
            "hit_count": 31,
        },
    ],
    "data_warning": None,
}

HIT = {
    "id": 1031,
    "run": 7,
    "investor_code": "0000012345",
    "name": "张三",
    "branch_code": "010101",
    "branch_name": "期货北京营业部",
    "customer_type": "natural",
    "open_date": "2025-03-18",
    "birth_date": "1980-01-01",
    "year_volume": 12,
    "year_loss": "60000.00",
    "reasons": "新开户客户；大额亏损客户",
    "codes": ["A001", "A002"],
    "evidence": [
        {
            "code": "A001",
            "name": "新开户客户",
            "summary": "开户日期 2025-03-18",
            "values": [{"key": "ev_date", "label": "开户日期", "value": "2025-03-18"}],
        },
        {
            "code": "A002",
            "name": "大额亏损客户",
            "summary": "亏损金额 60,000.00 元，基数 100,000.00 元，亏损比例 60.00%，成交手数 12",
            "values": [
                {"key": "loss", "label": "亏损金额", "value": "60000.00"},
                {"key": "base", "label": "基数", "value": "100000.00"},
                {"key": "ratio", "label": "亏损比例", "value": "60.00%"},
                {"key": "volume", "label": "成交手数", "value": "12"},
            ],
        },
    ],
}


def response(name: str, value: dict) -> list[OpenApiExample]:
    """``examples=`` of a serializer's answers (``extend_schema_serializer``)."""
    return [OpenApiExample(name, value=value, response_only=True)]
