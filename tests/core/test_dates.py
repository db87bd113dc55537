"""Days typed on the command line (``core.dates``)."""

from __future__ import annotations

import datetime

import pytest

from huifang.core.dates import parse_day


@pytest.mark.parametrize("text", ["2025-12-31", "2025/12/31", "20251231", " 2025-12-31 "])
def test_the_data_interfaces_three_forms_name_the_same_day(text):
    assert parse_day(text) == datetime.date(2025, 12, 31)


def test_month_and_day_may_have_one_digit_with_separators():
    assert parse_day("2026/1/5") == parse_day("2026-01-05") == datetime.date(2026, 1, 5)


@pytest.mark.parametrize(
    "text", ["2025-13-01", "2025-02-30", "2025-12/31", "1.2.2026", "", "2025/1-5"]
)
def test_anything_else_is_refused_in_chinese(text):
    with pytest.raises(ValueError, match="不是有效日期（应为 2025-12-31、2025/12/31 或 20251231）"):
        parse_day(text)


@pytest.mark.parametrize("text", ["9999-12-31", "18991231", "0001/1/1"])
def test_a_day_outside_the_data_interfaces_years_is_refused(text):
    with pytest.raises(ValueError, match="超出合理范围（1900–2100 年）"):
        parse_day(text)
