"""Cell parsers of the standard data interface: text in, a typed value out or a CellError.

Every reader (CSV, XLSX, API JSON) hands the validators plain ``str`` cells, already
stripped; an empty string means "no value". A cell that a spreadsheet or a JSON body held
as a *number* arrives as :class:`NumText` so that code columns can tell that its leading
zeros may have been lost. Parsers are precompiled and cache what repeats (dates), because
they run tens of millions of times in a big import.
"""

from __future__ import annotations

import datetime
import math
import re

from huifang.core.masking import MAINLAND_MOBILE

MAX_CENTS = 10**15 * 100  # 1e15 yuan: far above any real balance, far below BIGINT
LEADING_ZEROS_LOST = "前导零可能已丢失，请将该列设为文本格式"


class CellError(ValueError):
    """A cell that cannot be read; ``reason`` is shown to the user as is."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class NumText(str):
    """Digits of a cell that was stored as a number (its leading zeros may be gone)."""

    __slots__ = ()


class ExcelError(str):
    """An XLSX cell holding an Excel error value (``#N/A``, ``#VALUE!``, ``#REF!`` …, the
    text of the error): never a value to import, nor an empty cell."""

    __slots__ = ()


class ErrorRow(list):
    """The cells of an XLSX row where at least one is an :class:`ExcelError` (a plain
    ``list`` otherwise: the check costs an ordinary row one type test)."""

    __slots__ = ()


def clean(value) -> str:
    """Any raw cell value (str, int, float, date, bool, None) → stripped text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return NumText(str(value))
    if isinstance(value, float):
        return NumText(_float_text(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _float_text(value: float) -> str:
    if not math.isfinite(value):
        return repr(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if abs(value) >= 1e13:
        return repr(value)
    cents = round(value * 100)
    if abs(value * 100 - cents) < 1e-6:
        # A spreadsheet's 1234.56 is the double 1234.5599999…; two places are what it showed.
        sign = "-" if cents < 0 else ""
        whole, frac = divmod(abs(cents), 100)
        return f"{sign}{whole}.{frac:02d}"
    return repr(value)


# Control characters and lone surrogates cannot be stored (PostgreSQL refuses NUL); the
# invisible ones (a byte-order mark inside a file joined from several, zero-width spaces
# pasted from a web page) would be stored unseen.
INVISIBLE = "\ufeff\u200b-\u200d\u2060"
BAD_CHARS = re.compile(rf"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff{INVISIBLE}]")
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
INVISIBLE_REASON = "含有不可见字符（如 BOM、零宽空格）"
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")


def unreadable(reason: str, text: str) -> CellError:
    """The error of a cell that a parser could not read, naming what a user cannot see or
    easily tell apart: an invisible character, a full-width digit or letter."""
    if _INVISIBLE.search(text):
        return CellError(f"{reason}；{INVISIBLE_REASON}")
    if _FULL_WIDTH.search(text):
        return CellError(f"{reason}；含有全角字符，请改为半角")
    return CellError(reason)


def check_text(text: str, max_length: int) -> str:
    if len(text) > max_length:
        raise CellError(f"超过最大长度 {max_length} 个字符")
    if BAD_CHARS.search(text):
        raise CellError(INVISIBLE_REASON if _INVISIBLE.search(text) else "包含不可见的控制字符")
    return text


CODE_CHARACTER = r"[0-9A-Za-z_\-.]"  # of a code: letters, digits, "_", "-" and "."
_CODE = re.compile(CODE_CHARACTER + "+", re.ASCII)


def parse_code(text: str, max_length: int) -> str:
    """A code (branch, investor, product): text, leading zeros kept, no blanks inside."""
    if type(text) is NumText and not text.isdigit():
        raise CellError("代码被存成了小数或科学计数，请将该列设为文本格式")
    if len(text) > max_length:
        raise CellError(f"超过最大长度 {max_length} 个字符")
    if not _CODE.fullmatch(text):
        raise unreadable("代码只能包含字母、数字、下划线、连字符和点", text)
    return text


_DATE_SEP = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?", re.A)
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})", re.A)
_date_cache: dict[str, datetime.date] = {}
DATE_REASON = "日期格式不正确（应为 2025-12-31、2025/12/31 或 20251231）"
# What a date shows as when its Excel cell is formatted as a number (45657 = 2024-12-31).
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?", re.A)
SERIAL_REASON = "疑似 Excel 日期序号（单元格不是日期格式），请将该列设为日期格式"


def parse_date(text: str) -> datetime.date:
    """``2025-12-31``, ``2025/12/31``, ``20251231`` (and an Excel date cell, read as ISO)."""
    cached = _date_cache.get(text)
    if cached is not None:
        return cached
    match = _DATE_SEP.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
    if match is None:
        if _SERIAL.fullmatch(text):
            raise CellError(f"{DATE_REASON}；{SERIAL_REASON}")
        raise unreadable(DATE_REASON, text)
    groups = match.groups()
    year, month, day = int(groups[0]), int(groups[-2]), int(groups[-1])
    if not 1900 <= year <= 2100:
        raise CellError("日期超出合理范围（1900–2100 年）")
    try:
        value = datetime.date(year, month, day)
    except ValueError as exc:
        raise CellError("日期不存在（月份或日期超出范围）") from exc
    if len(_date_cache) < 100_000:
        _date_cache[text] = value
    return value


_AMOUNT = re.compile(r"(-?)(\d+)(?:\.(\d*))?", re.A)
_GROUPED = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d*)?", re.A)


PLAIN_AMOUNT = re.compile(r"(-?)(\d{1,13})(?:\.(\d\d?))?", re.A)


def parse_cents(text: str) -> int:
    """Decimal yuan (``1,234.56``, ``-5``, ``0.1``) → integer fen; at most two places."""
    match = PLAIN_AMOUNT.fullmatch(text)
    if match is not None:  # the common case, kept short: it runs ~7 times per daily row
        sign, whole, frac = match.groups()
        cents = int(whole) * 100 + (int(frac) * (10 if len(frac) == 1 else 1) if frac else 0)
        return -cents if sign else cents
    if "," in text:
        if not _GROUPED.fullmatch(text):
            raise CellError("金额格式不正确（千分位逗号位置不对）")
        text = text.replace(",", "")
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise unreadable("金额格式不正确", text)
    sign, whole, frac = match.groups()
    if frac:
        if len(frac) > 2:
            if frac[2:].strip("0"):
                raise CellError("金额最多两位小数")
            frac = frac[:2]
        cents = int(whole) * 100 + int(frac.ljust(2, "0"))
    else:
        cents = int(whole) * 100
    if cents >= MAX_CENTS:
        raise CellError("金额超出范围")
    return -cents if sign else cents


_INT = re.compile(r"\d{1,15}", re.A)


def parse_count(text: str) -> int:
    """A non-negative whole number (lots traded); ``1,234`` accepted."""
    if "," in text:
        if not _GROUPED.fullmatch(text) or "." in text:
            raise CellError("须为整数")
        text = text.replace(",", "")
    if _INT.fullmatch(text):
        return int(text)
    if text.startswith("-") and _INT.fullmatch(text[1:]):
        raise CellError("不能为负数")
    if text.isascii() and text.isdigit():
        raise CellError("超出范围")
    raise unreadable("须为整数", text)


def parse_choice(text: str, mapping: dict[str, object], allowed: str):
    value = mapping.get(text)
    if value is None:
        value = mapping.get(text.upper())
        if value is None:
            raise CellError(f"取值不在允许范围内（允许：{allowed}）")
    return value


# 18-digit resident ID numbers (GB 11643): weighted sum mod 11 → check character.
_ID18 = re.compile(r"\d{17}[\dXx]", re.A)
_ID15 = re.compile(r"\d{15}", re.A)
_CHECK = "10X98765432"
ID_NUMBER_LOST = "证件号码被存成了数字（精度已丢失），请将该列设为文本格式"


def parse_id_card(text: str) -> tuple[str, datetime.date]:
    """A 身份证 number → (normalised number, birth date). 15-digit old numbers are
    accepted (born 19xx); 18-digit ones must pass the check digit."""
    if _ID18.fullmatch(text):
        number = text.upper()
        # The weights are 2**(17-i) mod 11, and 13 ≡ 2 (mod 11): read as a base-13 number,
        # the first 17 digits give the weighted sum mod 11 (halved: times 2 below).
        if _CHECK[2 * int(number[:17], 13) % 11] != number[17]:
            raise CellError("身份证号码校验位不正确")
        birth = number[6:14]
    elif _ID15.fullmatch(text):
        number, birth = text, "19" + text[6:12]
    elif type(text) is NumText:
        raise CellError(ID_NUMBER_LOST)
    else:
        raise CellError("身份证号码格式不正确（应为18位）")
    try:
        born = datetime.date(int(birth[:4]), int(birth[4:6]), int(birth[6:8]))
    except ValueError as exc:
        raise CellError("身份证号码中的出生日期无效") from exc
    return number, born


def check_id_number(text: str, max_length: int) -> str:
    """Another document's number: free text, but not a numeric cell that a spreadsheet
    cannot hold exactly (more than 15 digits, or shown in scientific notation)."""
    if type(text) is NumText and (not text.isdigit() or len(text) > 15):
        raise CellError(ID_NUMBER_LOST)
    return check_text(text, max_length)


def parse_mobile(text: str) -> str:
    if not MAINLAND_MOBILE.fullmatch(text):
        raise CellError("手机号须为11位大陆手机号码")
    return text


def split_list(text: str) -> list[str]:
    """``a;b；c`` → [a, b, c] (half- or full-width semicolons)."""
    return [part.strip() for part in text.replace("；", ";").split(";") if part.strip()]
