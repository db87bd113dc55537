"""A template's text with its variables filled in, its billed length and the mainland
mobile check: pure functions the services, pages and previews share."""

from __future__ import annotations

import math
import re

import phonenumbers

VARIABLES = ["客户名称", "营业部", "回访截止日期", "问卷链接", "客服电话", "投资者代码"]
SINGLE_PART = 70  # characters billed as one message, signature included
PER_PART = 67  # a longer one is billed per 67 (the rest carries the concatenation header)
MAX_LENGTH = 500

_VARIABLE = re.compile(r"\{([^{}]+)\}")

EXAMPLE = {
    "客户名称": "张三",
    "营业部": "期货北京营业部",
    "回访截止日期": "2026-01-31",
    "问卷链接": "https://hf.example.com/q/AbCd1234",
    "客服电话": "95588",
    "投资者代码": "0100000001",
}


def variables_in(text: str) -> list[str]:
    return _VARIABLE.findall(text or "")


def unknown_variables(text: str) -> list[str]:
    return [name for name in variables_in(text) if name not in VARIABLES]


def render(text: str, values: dict[str, str]) -> str:
    """``text`` with each ``{变量}`` replaced (an unknown or missing one by "")."""
    return _VARIABLE.sub(lambda m: str(values.get(m.group(1), "") or ""), text or "")


def full_text(signature: str, body: str) -> str:
    """What the phone shows: the signature 【…】 first, then the body."""
    return f"{signature}{body}"


def length_of(signature: str, body: str) -> int:
    return len(full_text(signature, body))


def parts_of(length: int) -> int:
    """Billed messages: ≤ 70 characters one, longer ones per 67 (signature included)."""
    if length <= SINGLE_PART:
        return 1
    return math.ceil(length / PER_PART)


_PLAIN_MOBILE = re.compile(r"1[0-9]{10}")
_MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


def mainland_mobile(raw: str | None) -> str | None:
    """The 11-digit mainland mobile number in ``raw`` (``+86`` and spaces allowed), or None
    when it is not one."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if _PLAIN_MOBILE.fullmatch(raw):
        # What ``parse(raw, "CN")`` gives for 11 plain digits, without its parsing (a bulk
        # send checks 100,000 numbers); ``number_type`` is UNKNOWN for an invalid one.
        number = phonenumbers.PhoneNumber(country_code=86, national_number=int(raw))
        return raw if phonenumbers.number_type(number) in _MOBILE_TYPES else None
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        return None
    national = str(number.national_number)
    return national if len(national) == 11 and national.startswith("1") else None
