import pytest

from huifang.surveys import services


def file_data(code="QN-TEST", **overrides) -> dict:
    """A small valid questionnaire file."""
    data = {
        "code": code,
        "title": "测试问卷",
        "business_types": ["新开户回访"],
        "opening": "您好",
        "closing": "谢谢",
        "questions": [
            {
                "id": "identity",
                "text": "您是本人吗？",
                "type": "yes_no",
                "required": True,
                "options": [
                    {"id": "yes", "text": "是", "abnormal": False, "note": False},
                    {"id": "no", "text": "不是本人", "abnormal": True, "note": True},
                ],
            },
            {
                "id": "channels",
                "text": "您通过哪些渠道交易？",
                "type": "multiple",
                "required": False,
                "options": [
                    {"id": "app", "text": "手机", "abnormal": False, "note": False},
                    {"id": "pc", "text": "电脑", "abnormal": False, "note": False},
                    {"id": "other", "text": "他人代为操作", "abnormal": True, "note": False},
                ],
            },
            {"id": "born", "text": "出生日期", "type": "date", "required": False, "options": []},
            {"id": "opinion", "text": "意见", "type": "text", "required": False, "options": []},
        ],
    }
    data.update(overrides)
    return data


@pytest.fixture
def published(db):
    """A published questionnaire (version 1) made from :func:`file_data`."""
    return services.do_import_file(file_data(), publish=True, actor=None).version
