"""The measured steps, run inside a worker process whose Django settings point at a
throw-away data directory / database (``run.py`` sets the environment).

Each step returns ``{"seconds", "rows", "peak_mb", "note", …}``; a step whose module does
not exist yet (another part of Huifang still being written) reports "not available yet"
instead of failing the run.
"""

from __future__ import annotations

import datetime
import json
import os
import resource
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

RULES = ("A001", "A002", "A003", "A004", "A005", "A006")
DATASETS = ("branches", "customers", "daily", "products")
NAIVE_LIMIT = 100_000
EXPORT_ROWS = 100_000
NOT_YET = "not available yet"


class Peak:
    """Peak resident memory of this process during a block (sampled every 20 ms with
    psutil; without psutil, the process's lifetime peak from getrusage)."""

    def __enter__(self):
        self.mb = 0.0
        self._stop = threading.Event()
        try:
            import psutil

            process = psutil.Process()
            self._sample = lambda: process.memory_info().rss
        except ImportError:
            self._sample = None
            return self
        self.mb = self._sample() / 2**20
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.mb = max(self.mb, self._sample() / 2**20)

    def __exit__(self, *exc) -> None:
        if self._sample is None:
            self.mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            return
        self._stop.set()
        self._thread.join()
        self.mb = max(self.mb, self._sample() / 2**20)


def timed(function, *args, **kwargs) -> tuple[object, float, float]:
    with Peak() as peak:
        started = time.perf_counter()
        value = function(*args, **kwargs)
        seconds = time.perf_counter() - started
    return value, seconds, peak.mb


def run_steps(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from huifang.core import audit

    call_command("migrate", interactive=False, verbosity=0)
    as_of = datetime.date(args.year, 12, 31)
    result: dict = {"vendor": connection.vendor, "server": server_version(), "steps": {}}
    steps = result["steps"]
    with audit.acting(label="command:bench"):
        for dataset in DATASETS:
            steps[f"import_{dataset}"] = guarded(import_step, dataset, args.data / f"{dataset}.csv")
        steps["screen"] = guarded(screen_step, as_of, True)
        steps["screen_raw"] = guarded(screen_step, as_of, False)
        steps["naive"] = guarded(naive_step, as_of, args.size)
        steps.update(export_steps())
    args.worker.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def guarded(step, *args) -> dict:
    """Run a step; an unexpected failure becomes its note (the other steps still run)."""
    try:
        return step(*args)
    except Exception as exc:
        traceback.print_exc()
        return {"note": f"failed: {type(exc).__name__}: {str(exc)[:200]}"}


def server_version() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def import_step(dataset: str, path: Path) -> dict:
    try:
        from huifang.customers.importers import import_file
    except ImportError:
        return {"note": f"import: {NOT_YET}"}
    outcome, seconds, peak = timed(import_file, dataset, path, file_name=path.name)
    rows = outcome.created + outcome.updated + outcome.unchanged
    step = {"seconds": seconds, "rows": rows, "peak_mb": peak}
    if not outcome.ok:
        step["note"] = "refused: " + "; ".join(str(e) for e in list(outcome.errors)[:3])[:300]
    print(f"import {dataset}: {rows} rows in {seconds:.2f} s, peak {peak:.0f} MB", flush=True)
    return step


def screen_step(as_of: datetime.date, use_aggregates: bool) -> dict:
    try:
        from huifang.rules.engine import screen
    except ImportError:
        return {"note": f"screening: {NOT_YET}"}

    def run() -> tuple[Counter, int]:
        hits: Counter = Counter()
        customers = 0
        for hit in screen(as_of, rules=list(RULES), use_aggregates=use_aggregates, details=False):
            customers += 1
            hits.update(hit.codes)
        return hits, customers

    (hits, customers), seconds, peak = timed(run)
    label = "aggregates" if use_aggregates else "daily rows"
    print(f"screen ({label}): {customers} customers in {seconds:.2f} s", flush=True)
    return {
        "seconds": seconds,
        "rows": customers,
        "peak_mb": peak,
        "hits": {code: hits.get(code, 0) for code in RULES},
    }


def naive_step(as_of: datetime.date, size: int) -> dict:
    if size > NAIVE_LIMIT:
        return {"note": f"naive loop skipped above {NAIVE_LIMIT:,} customers"}
    import naive

    from huifang.customers.models import Customer

    if not Customer.objects.exists():
        return {"note": "naive loop: no customers imported"}
    (hits, customers), seconds, peak = timed(naive.screen, as_of)
    print(f"naive loop: {customers} customers in {seconds:.2f} s", flush=True)
    return {
        "seconds": seconds,
        "rows": customers,
        "peak_mb": peak,
        "hits": {code: hits.get(code, 0) for code in RULES},
    }


EXPORT_HEADER = [
    "投资者代码", "投资者名称", "部门代码", "交易日期", "上日权益", "入金", "出金",
    "平仓盈亏", "持仓盈亏", "手续费", "当日权益", "成交手数",
]  # fmt: skip


def export_steps() -> dict:
    """Write the first 100,000 daily rows (with customer name and branch, a table as wide
    as the task list) to xlsx and csv through ``core.export``, streamed from the database."""
    from huifang.core.export import write_csv, write_xlsx
    from huifang.customers.models import DailyBalance

    queryset = DailyBalance.objects.order_by("id").values_list(
        "customer__investor_code", "customer__name", "customer__branch__code", "trade_date",
        "prev_equity", "deposit", "withdrawal", "close_pnl", "position_pnl", "fee", "equity",
        "volume",
    )[:EXPORT_ROWS]  # fmt: skip
    if not DailyBalance.objects.exists():
        note = {"note": "export: no rows imported"}
        return {"export_xlsx": note, "export_csv": note}
    out = {}
    directory = Path(os.environ.get("HUIFANG_DATA_DIR") or tempfile.gettempdir())
    for kind, writer in (("xlsx", write_xlsx), ("csv", write_csv)):
        path = directory / f"export.{kind}"
        rows, seconds, peak = timed(writer, path, EXPORT_HEADER, queryset.iterator(2000))
        out[f"export_{kind}"] = {"seconds": seconds, "rows": rows, "peak_mb": peak}
        print(f"export {kind}: {rows} rows in {seconds:.2f} s", flush=True)
    return out
