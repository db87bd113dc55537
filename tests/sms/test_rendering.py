"""Billed length (the signature counts; ≤ 70 one part, else per 67) and mainland mobiles."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huifang.channels.sms import rendering


@pytest.mark.parametrize(
    ("length", "parts"), [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (500, 8)]
)
def test_parts_by_length(length, parts):
    assert rendering.parts_of(length) == parts


def test_the_signature_counts_towards_the_length():
    assert rendering.length_of("【惠访】", "x" * 66) == 70
    assert rendering.parts_of(rendering.length_of("【惠访】", "x" * 67)) == 2


def test_variables_are_filled_and_unknown_ones_reported():
    assert rendering.render("{客户名称}您好", {"客户名称": "张三"}) == "张三您好"
    assert rendering.unknown_variables("{客户名称}{生日}") == ["生日"]


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("010-88886666", None),
        ("12345", None),
        ("", None),
        ("10012345678", None),
    ],
)
def test_mainland_mobile(raw, number):
    assert rendering.mainland_mobile(raw) == number


@given(st.from_regex(r"1[0-9]{10}", fullmatch=True))
def test_the_plain_digits_shortcut_agrees_with_parsing_the_number(raw):
    spaced = f"+86 {raw[:3]} {raw[3:7]} {raw[7:]}"  # not plain digits: the parsing path
    assert rendering.mainland_mobile(raw) == rendering.mainland_mobile(spaced)
