"""The measured steps, run inside a worker process whose Django settings point at a
throw-away data directory / database (``run.py`` sets the environment).

Each step returns ``{"seconds", "rows", "peak_mb", "note", …}`` (list pages: ``p50_ms``,
``p95_ms``); a step that fails, or needs what an earlier failed step would have made,
reports why in its ``note`` and the run goes on. The steps after screening (existing
tasks, freeze, batch, records, list pages, task export) are in ``workflow.py`` and
``lists.py``.
"""

from __future__ import annotations

import datetime
import io
import json
import resource
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

RULES = ("A001", "A002", "A003", "A004", "A005", "A006")
DATASETS = ("branches", "customers", "daily", "products")
NAIVE_LIMIT = 100_000
NOT_YET = "not available yet"
LIST_KEYS = (
    "list_tasks_branch", "list_tasks_assignee", "list_tasks_batch", "list_tasks_mine",
    "list_records_branch", "list_records_agent", "list_records_batch",
)  # fmt: skip


class Skipped(Exception):
    """A step cannot run because something it needs is missing (said in its note)."""


class Peak:
    """Peak resident memory of this process during a block, with the memory of its own
    of each child process (an import validating a file in parts forks; the pages a child
    shares with this process are counted once). Sampled every 20 ms with psutil; without
    psutil, this process's lifetime peak from getrusage."""

    def __enter__(self):
        self.mb = 0.0
        self._stop = threading.Event()
        try:
            import psutil

            process = psutil.Process()

            def sample() -> int:
                total = process.memory_info().rss
                for child in process.children(recursive=True):
                    try:
                        total += child.memory_full_info().uss
                    except psutil.Error:  # gone meanwhile
                        pass
                return total

            self._sample = sample
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
    result: dict = {
        "vendor": connection.vendor,
        "server": server_version(),
        "calibration": calibrate(),
        "steps": {},
    }
    steps = result["steps"]
    with audit.acting(label="command:bench"):
        for dataset in DATASETS:
            path = args.data / f"{dataset}.csv"
            if dataset == "daily" and path.stat().st_size > SPLIT_DAILY_BYTES:
                steps.update(guarded_many(("import_daily", "import_day"), daily_in_parts, path))
            else:
                steps[f"import_{dataset}"] = guarded(import_step, dataset, path)
        steps["screen"] = guarded(screen_step, as_of, True)
        steps["screen_raw"] = guarded(screen_step, as_of, False)
        steps["screen_out"] = guarded(screen_out_step, as_of)
        steps["screen_command"] = guarded(screen_command_step, as_of)
        steps["naive"] = guarded(naive_step, as_of, args.size)
        workflow_steps(steps, as_of, args.size)
    args.worker.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def calibrate(rounds: int = 3) -> float:
    """Seconds a fixed CPU workload takes (the best of ``rounds``): parsing 300,000 money
    strings in Python and grouping 300,000 rows in an in-memory SQLite database. Shared
    machines change speed from day to day; this figure says how fast this one was."""
    import sqlite3

    cells = [f"{n * 37 % 100000}.{n % 100:02d}" for n in range(300_000)]
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        fen = [int(c.replace(".", "")) for c in cells]
        db = sqlite3.connect(":memory:")
        db.execute("CREATE TABLE t (k INTEGER, v INTEGER)")
        db.executemany("INSERT INTO t VALUES (?, ?)", ((n % 5000, v) for n, v in enumerate(fen)))
        db.execute("SELECT k, SUM(v) FROM t GROUP BY k ORDER BY 2 DESC").fetchall()
        db.close()
        best = min(best, time.perf_counter() - started)
    return best


def guarded(step, *args) -> dict:
    """Run a step; an unexpected failure becomes its note (the other steps still run)."""
    try:
        return step(*args)
    except Skipped as exc:
        print(f"skipped {getattr(step, '__name__', step)}: {exc}", flush=True)
        return {"note": f"skipped: {exc}"}
    except Exception as exc:
        traceback.print_exc()
        return {"note": f"failed: {type(exc).__name__}: {str(exc)[:200]}"}


def guarded_many(keys: tuple[str, ...], step, *args) -> dict:
    """A step measuring several rows: a failure of the whole becomes each row's note."""
    result = guarded(step, *args)
    if set(result) == {"note"}:
        return {key: dict(result) for key in keys}
    return {key: result.get(key, {"note": "not measured"}) for key in keys}


def workflow_steps(steps: dict, as_of: datetime.date, size: int) -> None:
    """Existing tasks, store + freeze a run, the batch with the merge, records, the list
    pages on a running server and the task export (``workflow.py``, ``lists.py``)."""
    import dashboard
    import lists
    import workflow

    state = workflow.State()
    steps["seed_tasks"] = guarded(workflow.seed_tasks, state, as_of)
    steps["store_run"] = guarded(workflow.store_run, state, as_of, RULES)
    steps["freeze"] = guarded(workflow.freeze_run, state)
    steps["batch"] = guarded(workflow.create_batch, state, steps["freeze"].get("seconds"))
    steps["seed_records"] = guarded(workflow.seed_records, state)
    steps.update(guarded_many(LIST_KEYS, lists.list_steps, state, size, workflow.BENCH_PASSWORD))
    keys = ("export_tasks_xlsx", "export_tasks_csv")
    steps.update(guarded_many(keys, workflow.export_task_steps))
    steps.update(guarded_many(dashboard.KEYS, dashboard.dashboard_steps, state))


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
    from django.db import close_old_connections

    outcome, seconds, peak = timed(import_file, dataset, path, file_name=path.name)
    # Each import is one job: between jobs the task worker closes connections older than
    # CONN_MAX_AGE, as here.
    close_old_connections()
    rows = outcome.created + outcome.updated + outcome.unchanged
    step = {"seconds": seconds, "rows": rows, "peak_mb": peak}
    if not outcome.ok:
        step["note"] = "refused: " + "; ".join(str(e) for e in list(outcome.errors)[:3])[:300]
    print(f"import {dataset}: {rows} rows in {seconds:.2f} s, peak {peak:.0f} MB", flush=True)
    return step


SPLIT_DAILY_BYTES = 400 * 1024 * 1024  # ~6M rows: a year is imported month by month


def daily_in_parts(path: Path) -> dict:
    """A year of daily rows as a back office sends them: a file per month, and the year's
    last trading day on its own (the nightly import of a big firm, ~300k rows)."""
    import tempfile

    parts_dir = Path(tempfile.mkdtemp(prefix="bench-daily-", dir=path.parent))
    parts = split_daily(path, parts_dir)
    total = {"seconds": 0.0, "rows": 0, "peak_mb": 0.0}
    for part in parts[:-1]:
        step = import_step("daily", part)
        if "note" in step:
            return {"import_daily": step, "import_day": {"note": "skipped: months failed"}}
        total["seconds"] += step["seconds"]
        total["rows"] += step["rows"]
        total["peak_mb"] = max(total["peak_mb"], step["peak_mb"])
    day = import_step("daily", parts[-1])
    for part in parts:
        part.unlink()
    parts_dir.rmdir()
    return {"import_daily": total, "import_day": day}


def split_daily(path: Path, out: Path) -> list[Path]:
    """``daily.csv`` → one file per month (the last day apart), header repeated; the
    files are written before any timing starts."""
    with path.open("rb") as source:
        header = source.readline()
    last_day = _last_date(path)
    handles: dict[bytes, object] = {}
    files: list[Path] = []

    def handle_for(key: bytes):
        if key not in handles:
            target = out / f"daily_{key.decode()}.csv"
            files.append(target)
            handles[key] = target.open("wb")
            handles[key].write(header)
        return handles[key]

    with path.open("rb") as source:
        source.readline()
        for line in source:
            key = b"last" if line.startswith(last_day) else line[:7]
            handle_for(key).write(line)
    for handle in handles.values():
        handle.close()
    files.sort(key=lambda p: (p.stem == "daily_last", p.stem))
    return files


def _last_date(path: Path) -> bytes:
    with path.open("rb") as source:
        source.seek(max(0, path.stat().st_size - 4096))
        return source.read().rstrip(b"\n").rsplit(b"\n", 1)[-1][:10]


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


def screen_out_step(as_of: datetime.date) -> dict:
    """``huifang screen --as-of D --out FILE.csv`` in this process: the rules, the merge,
    the evidence and the file, as the command does them (its start-up is the next step)."""
    import tempfile

    from django.core.management import call_command

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "screen.csv"
        _, seconds, peak = timed(
            call_command,
            "screen",
            "--as-of",
            as_of.isoformat(),
            "--out",
            str(out),
            stdout=io.StringIO(),
        )
        hits, customers = _hits_in(out)
    print(f"huifang screen --out: {customers} customers in {seconds:.2f} s", flush=True)
    return {"seconds": seconds, "rows": customers, "peak_mb": peak, "hits": hits}


def screen_command_step(as_of: datetime.date) -> dict:
    """The same as a new ``huifang`` process (Python and Django start-up included)."""
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "screen.csv"
        command = [sys.executable, "-c", "from huifang.cli import main; main()", "screen"]
        command += ["--as-of", as_of.isoformat(), "--out", str(out)]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        seconds = time.perf_counter() - started
        hits, customers = _hits_in(out)
    print(f"huifang screen --out (new process): {seconds:.2f} s", flush=True)
    return {"seconds": seconds, "rows": customers, "hits": hits}


def _hits_in(path: Path) -> tuple[dict, int]:
    """Per-rule hits and customers of a ``huifang screen --out`` CSV file (命中规则 column)."""
    import csv

    hits: Counter = Counter()
    customers = 0
    with path.open(encoding="utf-8-sig", newline="") as source:
        for row in csv.DictReader(source):
            customers += 1
            hits.update(row["命中规则"].split("、"))
    return {code: hits.get(code, 0) for code in RULES}, customers


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
