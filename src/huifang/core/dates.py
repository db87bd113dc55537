"""A day typed on the command line, in the forms the data interface takes in files:
``2025-12-31``, ``2025/12/31`` (also ``2025/1/5``) or ``20251231``."""

from __future__ import annotations

import datetime
import re

_SEPARATED = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})", re.A)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})", re.A)
FORMS = "2025-12-31、2025/12/31 或 20251231"
YEARS = (1900, 2100)


def parse_day(text: str) -> datetime.date:
    """The day ``text`` names; ValueError (in Chinese) for anything else."""
    text = text.strip()
    match = _SEPARATED.fullmatch(text) or _COMPACT.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        parts = match.groups()
        day = datetime.date(int(parts[0]), int(parts[-2]), int(parts[-1]))
    except ValueError:
        raise ValueError(f"“{text}”不是有效日期（应为 {FORMS}）") from None
    if not YEARS[0] <= day.year <= YEARS[1]:
        # As the data interface (customers.importers.cells): a screening as of 9999-12-31
        # would otherwise end in the calendar's OverflowError.
        raise ValueError(f"“{text}”超出合理范围（{YEARS[0]}–{YEARS[1]} 年）")
    return day
