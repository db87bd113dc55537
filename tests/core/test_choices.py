"""One reading of "a stored value or its Chinese label" for every choice a person types."""

from __future__ import annotations

import pytest

from huifang.callbacks.choices import TaskStatus
from huifang.callbacks.records.choices import RecordStatus
from huifang.core.choices import choice_label, parse_choice
from huifang.customers.choices import RiskLevel


def test_a_stored_value_and_its_label_name_the_same_choice():
    assert parse_choice(RecordStatus, "success", noun="回访状态") == "success"
    assert parse_choice(RecordStatus, " 成功 ", noun="回访状态") == "success"


def test_an_integer_choice_is_read_from_its_text():
    assert parse_choice(RiskLevel, "3", noun="风险承受能力") == 3
    assert parse_choice(RiskLevel, "C4", noun="风险承受能力") == 4


def test_an_unknown_word_names_what_is_allowed_in_chinese():
    with pytest.raises(ValueError, match="未知的回访状态“完成”，可选：成功、失败、其他"):
        parse_choice(RecordStatus, "完成", noun="回访状态")


def test_a_callers_own_words_are_accepted_and_listed():
    extra = {"open": "open", "未完成": "open"}
    assert parse_choice(TaskStatus, "未完成", noun="处理状态", extra=extra) == "open"
    with pytest.raises(ValueError, match=r"、未完成$"):
        parse_choice(TaskStatus, "x", noun="处理状态", extra=extra)


def test_a_label_is_read_back_by_parse_choice():
    for value, _ in RecordStatus.choices:
        label = choice_label(RecordStatus, value)
        assert parse_choice(RecordStatus, label, noun="回访状态") == value
