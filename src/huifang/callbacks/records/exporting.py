"""``huifang export records FILE [--from DATE] [--to DATE] [--branch CODE] [--status S]``:
the record list's columns, masked as on the page (the same table and FilterSet)."""

from __future__ import annotations

import datetime

from huifang.callbacks.records.choices import status_value
from huifang.callbacks.records.filtersets import RecordFilterSet
from huifang.callbacks.records.models import CallbackRecord
from huifang.callbacks.records.tables import EXTRA_COLUMNS, RecordTable
from huifang.core.exporter import Exporter
from huifang.org.models import Branch

RELATED = ("task__branch", "customer__branch", "failure_reason", "agent", "business_type")


def export_records(
    path,
    *,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    branch_code: str | None = None,
    status: str | None = None,
    user=None,
) -> int:
    """Write the records (回访日期 within ``date_from``..``date_to``, both included) to
    ``path`` (.csv or .xlsx), audited, and return how many rows were written.

    ``user`` limits the rows to that user's scope (None: the whole company, for cron).
    ``status`` is 成功/失败/其他 or success/failure/other. Bad input raises ValueError with
    a Chinese message (the command turns it into CommandError).
    """
    exporter = record_exporter(
        date_from=date_from, date_to=date_to, branch_code=branch_code, status=status, user=user
    )
    return exporter.write(path)


def record_exporter(
    *,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    branch_code: str | None = None,
    status: str | None = None,
    user=None,
) -> Exporter:
    """The exporter of :func:`export_records`: ``RecordFilterSet`` over the records in
    ``user``'s scope, the record list's summary columns, newest first."""
    if date_from and date_to and date_from > date_to:
        raise ValueError("开始日期不能晚于结束日期")
    if branch_code and not Branch.objects.filter(code=branch_code).exists():
        raise ValueError(f"部门代码“{branch_code}”不存在")
    data = {
        "called_at_after": date_from.isoformat() if date_from else "",
        "called_at_before": date_to.isoformat() if date_to else "",
        "branch": branch_code or "",
        "status": status_value(status) if status else "",
    }
    records = CallbackRecord.objects.select_related(*RELATED)
    records = records.restrict(user, "view") if user is not None else records.all()
    return Exporter(
        RecordTable,
        RecordFilterSet(data, queryset=records),
        name="records",
        title="回访记录",
        sheet="数据",
        table_kwargs={"exclude": list(EXTRA_COLUMNS)},
        order_by=("-called_at", "-id"),
        actor=user,
    )


def _add_arguments(parser) -> None:
    parser.add_argument("file", help="输出文件（.csv 或 .xlsx）")
    parser.add_argument("--from", dest="date_from", help="回访日期起（含），如 2026-01-01")
    parser.add_argument("--to", dest="date_to", help="回访日期止（含）")
    parser.add_argument("--branch", help="部门代码（含下级部门）")
    parser.add_argument("--status", help="回访状态：成功/失败/其他")


def _parse_date(text: str | None, label: str) -> datetime.date | None:
    from django.core.management.base import CommandError

    from huifang.customers.importers.cells import CellError, parse_date

    if not text:
        return None
    try:
        return parse_date(text.strip())
    except CellError as exc:
        raise CommandError(f"{label}“{text}”不是有效日期：{exc}") from exc


def _exporter(command, options: dict) -> Exporter:
    from django.core.management.base import CommandError

    try:
        return record_exporter(
            date_from=_parse_date(options.get("date_from"), "开始日期"),
            date_to=_parse_date(options.get("date_to"), "结束日期"),
            branch_code=options.get("branch"),
            status=options.get("status"),
        )
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


def install() -> None:
    """Add ``records`` to ``huifang export`` (callbacks' command cannot import this app)."""
    from huifang.callbacks.management.commands.export import EXPORTS, Export

    EXPORTS["records"] = Export(
        "回访记录，列与回访记录管理页面一致（脱敏）", _add_arguments, _exporter
    )
