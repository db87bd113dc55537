"""Examples of questionnaires in the OpenAPI schema (the list's row and the detail with its
versions), as ``/api/v1/questionnaires/`` gives them; ``tests/core/test_api_examples.py``
holds each to its serializer's schema."""

from __future__ import annotations

QUESTIONNAIRE = {
    "id": 1,
    "code": "QN-ANNUAL",
    "title": "年度适当性回访问卷",
    "business_types": ["年度适当性回访"],
    "latest_number": 1,
    "has_draft": True,
    "created_at": "2026-01-02T09:00:00+08:00",
    "created_by": "hq_admin",
    "updated_at": "2026-01-04T16:20:00+08:00",
    "updated_by": "hq_admin",
}

QUESTIONS = [
    {
        "id": "identity",
        "text": "请问您是否为本账户的开户人本人？",
        "type": "yes_no",
        "required": True,
        "options": [
            {"id": "yes", "text": "是", "abnormal": False, "note": False},
            {"id": "no", "text": "不是本人", "abnormal": True, "note": True},
        ],
    },
    {
        "id": "risk_disclosure",
        "text": "您是否已阅读并理解风险揭示书，知晓期货交易的亏损可能超过您缴纳的保证金？",
        "type": "single",
        "required": True,
        "options": [
            {"id": "understood", "text": "已阅读并理解", "abnormal": False, "note": False},
            {"id": "not_read", "text": "没有阅读", "abnormal": True, "note": False},
        ],
    },
]

OPENING = "尊敬的客户：您好！根据监管要求，我们对您的期货账户进行回访。请您本人逐题阅读并如实作答，约需 3 分钟。您的回答仅用于核实账户情况，感谢您的配合。"
CLOSING = "感谢您的配合！如有疑问，请联系您的开户营业部或拨打公司客服热线。祝您投资顺利。"

# The draft first, then the published versions, newest first.
QUESTIONNAIRE_DETAIL = {
    **QUESTIONNAIRE,
    "versions": [
        {
            "id": 2,
            "number": None,
            "status": "draft",
            "status_label": "草稿",
            "title": "年度适当性回访问卷",
            "opening": OPENING,
            "closing": CLOSING,
            "questions": QUESTIONS,
            "created_at": "2026-01-04T16:00:00+08:00",
            "updated_at": "2026-01-04T16:20:00+08:00",
            "published_at": None,
            "published_by": None,
        },
        {
            "id": 1,
            "number": 1,
            "status": "published",
            "status_label": "已发布",
            "title": "年度适当性回访问卷",
            "opening": OPENING,
            "closing": CLOSING,
            "questions": QUESTIONS[:1],
            "created_at": "2026-01-02T09:00:00+08:00",
            "updated_at": "2026-01-02T09:30:00+08:00",
            "published_at": "2026-01-02T09:30:00+08:00",
            "published_by": "hq_admin",
        },
    ],
}
