"""check_answers: the answers a customer gives, against a version."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.surveys import content

pytestmark = pytest.mark.django_db


def check(version, answers, *, notes_required=False):
    return content.check_answers(version, answers, notes_required=notes_required)


def test_a_normal_answer_is_accepted_without_abnormal_questions(published):
    result = check(published, [{"question": "identity", "options": ["yes"]}])
    assert result.ok
    assert result.abnormal == []
    assert result.answers == [{"question": "identity", "options": ["yes"]}]


def test_an_abnormal_option_is_listed(published):
    result = check(
        published,
        [
            {"question": "channels", "options": ["other", "app"]},
            {"question": "identity", "options": ["no"]},
        ],
    )
    assert result.abnormal == ["identity", "channels"]  # questionnaire order


def test_answers_come_back_in_questionnaire_and_option_order(published):
    result = check(
        published,
        [
            {"question": "channels", "options": ["pc", "app"]},
            {"question": "identity", "options": ["yes"]},
        ],
    )
    assert result.answers == [
        {"question": "identity", "options": ["yes"]},
        {"question": "channels", "options": ["app", "pc"]},
    ]


def test_a_missing_required_answer_is_an_error(published):
    assert check(published, []).errors == {"identity": "必答题未作答"}


def test_an_unknown_option_is_an_error(published):
    errors = check(published, [{"question": "identity", "options": ["perhaps"]}]).errors
    assert errors == {"identity": "选项不存在：perhaps"}


def test_a_single_choice_takes_one_option(published):
    errors = check(published, [{"question": "identity", "options": ["yes", "no"]}]).errors
    assert errors == {"identity": "单选题只能选一项"}


def test_a_date_must_be_iso(published):
    result = check(
        published,
        [{"question": "identity", "options": ["yes"]}, {"question": "born", "text": "2024/01/02"}],
    )
    assert result.errors == {"born": "日期格式应为 YYYY-MM-DD"}


def test_an_impossible_date_is_an_error(published):
    answers = [
        {"question": "identity", "options": ["yes"]},
        {"question": "born", "text": "2024-02-30"},
    ]
    assert check(published, answers).errors == {"born": "日期格式应为 YYYY-MM-DD"}


def test_an_unknown_question_is_an_error(published):
    answers = [{"question": "identity", "options": ["yes"]}, {"question": "q99", "text": "x"}]
    assert check(published, answers).errors == {"q99": "未知题目"}


def test_a_question_answered_twice_is_an_error(published):
    answers = [
        {"question": "identity", "options": ["yes"]},
        {"question": "identity", "options": ["no"]},
    ]
    assert check(published, answers).errors == {"identity": "重复作答"}


def test_a_note_is_required_for_a_note_option_only_when_asked(published):
    answers = [{"question": "identity", "options": ["no"]}]
    assert check(published, answers).ok
    assert check(published, answers, notes_required=True).errors == {
        "identity": "该选项需要填写说明"
    }


def test_a_note_is_kept_with_its_answer(published):
    answers = [{"question": "identity", "options": ["no"], "note": " 家人代办 "}]
    result = check(published, answers, notes_required=True)
    assert result.answers == [{"question": "identity", "options": ["no"], "note": "家人代办"}]


def test_a_note_longer_than_500_characters_is_an_error(published):
    answers = [{"question": "identity", "options": ["yes"], "note": "长" * 501}]
    assert check(published, answers).errors == {"identity": "说明最多 500 字"}


def test_text_for_a_choice_question_is_an_error(published):
    errors = check(published, [{"question": "identity", "text": "是"}]).errors
    assert errors == {"identity": "该题应选择选项（options），而不是填写文字"}


def test_answers_that_are_not_a_list_are_an_error(published):
    assert check(published, {"identity": "yes"}).errors == {"answers": "answers 应为答案列表"}


def test_a_malformed_item_is_an_error_by_position(published):
    errors = check(published, [{"question": "identity", "options": ["yes"]}, "yes"]).errors
    assert list(errors) == ["#2"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    identity=st.sampled_from(["yes", "no"]),
    channels=st.lists(st.sampled_from(["app", "pc", "other"]), unique=True),
    note=st.text(max_size=20),
)
def test_valid_answers_are_accepted_and_abnormal_is_exactly_the_abnormal_choices(
    published, identity, channels, note
):
    answers = [{"question": "identity", "options": [identity], "note": note}]
    if channels:
        answers.append({"question": "channels", "options": channels})
    result = check(published, answers)
    assert result.ok
    expected = (["identity"] if identity == "no" else []) + (
        ["channels"] if "other" in channels else []
    )
    assert result.abnormal == expected
    assert check(published, result.answers).answers == result.answers  # normal form is stable
