"""What an import answers over the API: at once (``POST /api/v1/imports/<dataset>/``) or,
for a large file, as its job's result (``/api/v1/jobs/<id>/``) — the same fields either way.

The counts, the row report under ``report`` (row, column, value, reason per problem) and
``error_count``. A refused import (invalid rows, nothing written) carries the API's one
error shape beside them: ``code`` ``invalid``, a Chinese ``message`` and ``errors`` keyed
by the request field that brought the rows (``rows`` for JSON, ``file`` for an upload),
one Chinese sentence per problem, the first :data:`LISTED` of them."""

from __future__ import annotations

from huifang.customers.importers.engine import STORED_ERRORS, ImportResult
from huifang.customers.importers.validators import RowError

LISTED = STORED_ERRORS  # sentences under ``errors``; ``report`` and the record keep more
VALUE_SHOWN = 50  # characters of a cell's value quoted in a sentence


def answer(result: ImportResult, *, field: str, report_limit: int | None = None) -> dict:
    """``result`` as the API answers it; ``field`` is ``rows`` or ``file``, ``report_limit``
    the most rows of the report kept (a job's result stays small)."""
    body = result.as_dict(report_limit)
    count = max(result.record.error_count, len(result.errors))
    body["error_count"] = count
    if result.ok:
        return body
    listed = [sentence(error) for error in result.errors[:LISTED]]
    if count > len(listed):
        listed.append(
            f"另有 {count - len(listed)} 处问题，见导入记录 #{result.record.pk} 的错误报告"
        )
    if result.errors and result.errors[0].row == 0:  # the file (or rows) as a whole
        message = f"什么也没有写入：{result.errors[0].reason}"
    else:
        message = (
            f"有无效行，什么也没有写入：共 {count} 处问题，见 errors（逐条说明）与 report（行报告）"
        )
    return {"code": "invalid", "message": message, "errors": {field: listed}, **body}


def sentence(error: RowError) -> str:
    """One problem in Chinese: ``第 2 行 手机号（138*****67）：手机号须为11位大陆手机号码``
    (the value as the row report keeps it: personal data masked)."""
    if not error.row:  # the file as a whole: its name, or nothing (API rows)
        return f"{error.value}：{error.reason}" if error.value else error.reason
    where = f"第 {error.row} 行"
    if error.column:
        where += f" {error.column}"
    if error.value:
        shown = error.value[:VALUE_SHOWN] + ("…" if len(error.value) > VALUE_SHOWN else "")
        where += f"（{shown}）"
    return f"{where}：{error.reason}"
