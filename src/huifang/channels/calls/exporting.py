"""``huifang export calls FILE [--batch N]``: one row per call attempt received, with
``interfaces.md``'s columns (呼叫ID … 回访记录), through the one exporter."""

from __future__ import annotations

from huifang.channels.calls.filtersets import CallFilterSet
from huifang.channels.calls.models import CallAttempt
from huifang.channels.calls.tables import InterfaceCallTable
from huifang.core.exporter import Exporter, export_exclude

RELATED = ("customer", "branch")


def call_exporter(*, batch: str | None = None, user=None) -> Exporter:
    """The call attempts (of batch ``batch``'s tasks, if given) in ``user``'s scope (None:
    the whole company, for cron), in 拨打时间 order, tries of one time in attempt order."""
    calls = CallAttempt.objects.select_related(*RELATED)
    calls = calls.restrict(user, "view") if user is not None else calls.all()
    return Exporter(
        InterfaceCallTable,
        CallFilterSet({"batch": batch or ""}, queryset=calls),
        name="calls",
        title="外呼记录",
        sheet="外呼记录",
        table_kwargs={"exclude": export_exclude(InterfaceCallTable)},
        order_by=("started_at", "attempt", "id"),  # a late-reported earlier try: attempt order
        actor=user,
    )


def _add_arguments(parser) -> None:
    parser.add_argument("file", help="输出文件（.csv 或 .xlsx）")
    parser.add_argument("--batch", help="批次号：只导出该批次任务的外呼记录")


def _exporter(command, options: dict) -> Exporter:
    from django.core.management.base import CommandError

    from huifang.callbacks.models import Batch

    batch = (options.get("batch") or "").strip()
    if batch and not Batch.objects.filter(number=batch).exists():
        raise CommandError(f"批次 {batch} 不存在")
    return call_exporter(batch=batch)


def install() -> None:
    """Add ``calls`` to ``huifang export`` (callbacks' command cannot import this app)."""
    from huifang.callbacks.management.commands.export import EXPORTS, Export

    EXPORTS["calls"] = Export("外呼记录，每行一次拨打", _add_arguments, _exporter)
