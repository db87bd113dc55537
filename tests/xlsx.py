"""Reading what an XLSX export says about itself (its 导出说明 sheet)."""

from __future__ import annotations

import io

import openpyxl

from huifang.core.export import ABOUT_SHEET


def about(content: bytes) -> dict[str, str]:
    """The 导出说明 sheet of an XLSX as ``{项目: 内容}``."""
    sheet = openpyxl.load_workbook(io.BytesIO(content))[ABOUT_SHEET]
    return {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
