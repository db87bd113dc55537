"""The downloadable error report of an import: one xlsx row per problem."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from huifang.core import export

HEADER = ["行号", "列", "值", "原因"]
REPORT_DIR = "imports/reports"


def write(record, errors) -> str:
    """Write ``errors`` (RowError or [row, column, value, reason]) for ``record``; returns
    the path relative to MEDIA_ROOT."""
    relative = f"{REPORT_DIR}/import_{record.pk}_errors.xlsx"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    export.write_xlsx(str(path), HEADER, (_cells(e) for e in errors), sheet="错误报告")
    return relative


def _cells(error) -> list:
    if isinstance(error, list | tuple):
        return list(error)
    return [error.row, error.column, error.value, error.reason]
