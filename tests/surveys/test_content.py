"""The file format (parse_file / to_file) and the answer check, without pages."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.surveys import content
from huifang.surveys.content import ContentError
from huifang.surveys.models import QuestionnaireVersion

from .conftest import file_data

pytestmark = pytest.mark.django_db


def errors_of(data) -> list[str]:
    with pytest.raises(ContentError) as refused:
        content.parse_file(data)
    return refused.value.messages


def test_a_valid_file_is_returned_normalised():
    data = file_data(opening="  您好  ")
    del data["closing"]
    parsed = content.parse_file(data)
    assert parsed["opening"] == "您好"
    assert parsed["closing"] == ""
    assert parsed["questions"][2]["options"] == []


def test_missing_flags_default_to_required_and_not_abnormal():
    data = file_data()
    data["questions"] = [
        {
            "id": "q",
            "text": "？",
            "type": "single",
            "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}],
        }
    ]
    question = content.parse_file(data)["questions"][0]
    assert question["required"] is True
    assert question["options"][0] == {"id": "a", "text": "A", "abnormal": False, "note": False}


def test_code_and_title_are_required():
    messages = errors_of(file_data(code="", title=" "))
    assert "问卷编号 code 不能为空" in messages
    assert "问卷名称 title 不能为空" in messages


def test_duplicate_question_ids_are_refused_naming_both():
    data = file_data()
    data["questions"][1]["id"] = "identity"
    assert "第 2 题：题目 id“identity”与第 1 题重复" in errors_of(data)


def test_duplicate_option_ids_are_refused_naming_the_question():
    data = file_data()
    data["questions"][1]["options"][1]["id"] = "app"
    assert "第 2 题：选项 id 重复" in errors_of(data)


def test_an_unknown_type_is_refused():
    data = file_data()
    data["questions"][0]["type"] = "slider"
    assert any(m.startswith("第 1 题：题型“slider”未知") for m in errors_of(data))


def test_a_choice_question_needs_two_options():
    data = file_data()
    data["questions"][1]["options"] = data["questions"][1]["options"][:1]
    assert "第 2 题：选择题至少需要两个选项" in errors_of(data)


def test_a_yes_no_question_has_exactly_two_options():
    data = file_data()
    data["questions"][0]["options"].append({"id": "maybe", "text": "不确定"})
    assert "第 1 题：是否题必须恰好有两个选项" in errors_of(data)


def test_a_text_question_has_no_options():
    data = file_data()
    data["questions"][3]["options"] = [{"id": "a", "text": "A"}]
    assert "第 4 题：文本题不能有选项" in errors_of(data)


def test_an_unknown_business_type_is_refused():
    assert "回访业务类型不存在：没有这种回访" in errors_of(
        file_data(business_types=["没有这种回访"])
    )


def test_a_flag_must_be_a_boolean():
    data = file_data()
    data["questions"][0]["options"][1]["abnormal"] = "yes"
    assert "第 1 题：第 2 个选项 abnormal 应为 true 或 false" in errors_of(data)


def test_unknown_keys_are_refused():
    assert "未知字段：version" in errors_of(file_data(version=3))


def test_a_file_that_is_not_an_object_is_refused():
    assert errors_of([1, 2]) == ["问卷文件应为 JSON 对象（code、title、questions …）"]


def test_business_types_come_back_in_their_own_order():
    parsed = content.parse_file(file_data(business_types=["新开户回访", "年度适当性回访"]))
    assert parsed["business_types"] == ["年度适当性回访", "新开户回访"]


# -- round trip ------------------------------------------------------------------------------

ident = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=8)
words = st.text(alphabet="回访客户本人风险是否ABC 123", min_size=1, max_size=20).filter(
    lambda s: s.strip() == s and s
)


@st.composite
def questions(draw):
    result = []
    for qid in draw(st.lists(ident, min_size=1, max_size=6, unique=True)):
        kind = draw(st.sampled_from(content.QuestionType.values))
        options = []
        if kind in content.CHOICE_TYPES:
            n = 2 if kind == "yes_no" else draw(st.integers(2, 5))
            ids = draw(st.lists(ident, min_size=n, max_size=n, unique=True))
            options = [
                {
                    "id": i,
                    "text": draw(words),
                    "abnormal": draw(st.booleans()),
                    "note": draw(st.booleans()),
                }
                for i in ids
            ]
        result.append(
            {
                "id": qid,
                "text": draw(words),
                "type": kind,
                "required": draw(st.booleans()),
                "options": options,
            }
        )
    return result


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(qs=questions(), title=words, opening=st.text(max_size=30).map(str.strip))
def test_export_then_import_is_lossless(qs, title, opening):
    from huifang.surveys.models import Questionnaire

    parsed = content.parse_file(
        {
            "code": "QN-RT",
            "title": title,
            "business_types": ["专项回访"],
            "opening": opening,
            "closing": "",
            "questions": qs,
        }
    )
    questionnaire, _ = Questionnaire.objects.get_or_create(code="QN-RT", defaults={"title": title})
    questionnaire.business_types.set(content_types("专项回访"))
    version = QuestionnaireVersion(
        questionnaire=questionnaire,
        title=parsed["title"],
        opening=parsed["opening"],
        closing=parsed["closing"],
        questions=parsed["questions"],
    )
    exported = content.to_file(version)
    assert exported == parsed
    assert content.parse_file(exported) == exported


def content_types(*names):
    from huifang.callbacks.models import BusinessType

    return BusinessType.objects.filter(name__in=names)
