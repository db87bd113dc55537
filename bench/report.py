"""The benchmark's table (Markdown) and its place in ``docs/performance.md``."""

from __future__ import annotations

import datetime
import os
import platform
import sys
from pathlib import Path

START, END = "<!-- bench:start -->", "<!-- bench:end -->"
RULES = ("A001", "A002", "A003", "A004", "A005", "A006")

LIST_TARGET = "p95 ≤ 300 ms at 1M tasks / 2M records"
# (step key, label, target): targets from the performance issue, per this 2-core machine.
STEPS = (
    ("import_customers", "import customers", "1M in ≤ 60 s (≥ 16,700/s), ≤ 1 GB"),
    ("import_daily", "import daily rows (a year: a file per month when large)", "1M in ≤ 15 s (≥ 66,700/s), ≤ 1 GB"),
    ("import_day", "import one trading day (the year's last, imported on top)", "~300k rows ≤ 5 s"),
    ("import_products", "import products", ""),
    ("screen", "screen A001–A006 (monthly aggregates)", "≤ 5× DuckDB"),
    ("screen_raw", "screen A001–A006 (daily rows only)", ""),
    ("screen_out", "huifang screen --out FILE.csv (in-process: rules, merge, evidence, file)",
     "≤ 3× tuned DuckDB"),
    ("screen_command", "huifang screen --out FILE.csv as a new process (start-up included)", ""),
    ("naive", "naive per-customer Python loop", "(what set-based SQL avoids)"),
    ("seed_tasks", "existing tasks, one per customer (bench set-up, bulk SQL)", ""),
    ("store_run", "screen and store a run with its hits (do_run_screening)", ""),
    ("freeze", "freeze the run (数据落地, do_freeze_run)", ""),
    ("batch", "create a batch with the merge (do_create_batch)",
     "with freeze ≤ 30 s at 300k hits vs 1M tasks"),
    ("seed_records", "callback records, two per task (bench set-up, bulk SQL)", ""),
    ("list_tasks_branch", "task list: branch + open (HQ admin)", LIST_TARGET),
    ("list_tasks_assignee", "task list: agent + open (branch manager)", LIST_TARGET),
    ("list_tasks_batch", "task list: batch (HQ admin)", LIST_TARGET),
    ("list_tasks_mine", "task list: an agent's own open tasks (landing page)", LIST_TARGET),
    ("list_records_branch", "record list: branch + failed (HQ admin)", LIST_TARGET),
    ("list_records_agent", "record list: agent (branch manager)", LIST_TARGET),
    ("list_records_batch", "record list: batch (HQ admin)", LIST_TARGET),
    ("export_tasks_xlsx", "export 100k tasks to xlsx (huifang export tasks)", "≤ 15 s"),
    ("export_tasks_csv", "export 100k tasks to csv (huifang export tasks)", "≤ 3 s"),
    ("dashboard_hq", "汇总统计 first render, HQ admin (in-process)", "≤ 1 s at 1M tasks / 2M records"),
    ("dashboard_manager", "汇总统计 first render, branch manager (in-process)", "≤ 1 s at 1M tasks / 2M records"),
    ("dashboard_batch", "汇总统计 filtered to the screening batch, HQ admin (in-process)", "≤ 1 s at 1M tasks / 2M records"),
    ("report_progress", "report progress (one row per branch)", ""),
    ("compliance_checks", "the compliance checks, one after another (slowest in the note)", "each ≤ 2 s"),
)  # fmt: skip
NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def one_line(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "/")


# Steps compared with the tuned yardstick (Huifang's own output columns, written as a file).
TUNED_STEPS = {"screen_out", "screen_command"}


def cell(step: dict | None, duckdb_seconds: float | None = None, yardstick: str = "DuckDB") -> str:
    if not step:
        return "—"
    if "p95_ms" in step:
        return latency_cell(step)
    if "seconds" not in step:
        return one_line(step.get("note", "—"))
    parts = [f"{step['seconds']:.2f} s"]
    rows = step.get("rows")
    if rows and step["seconds"] > 0 and "hits" not in step:
        parts.append(f"{rows / step['seconds']:,.0f} rows/s")
    if duckdb_seconds and "hits" in step:
        parts.append(f"{step['seconds'] / duckdb_seconds:.1f}× {yardstick}")
    if step.get("peak_mb"):
        parts.append(f"{step['peak_mb']:,.0f} MB")
    text = " · ".join(parts)
    return text + (f" ({one_line(step['note'])})" if step.get("note") else "")


def latency_cell(step: dict) -> str:
    """p50 · p95 over the timed requests, and the queries one page view makes."""
    text = f"p50 {step['p50_ms']:,.0f} ms · p95 {step['p95_ms']:,.0f} ms"
    if step.get("queries"):
        text += f" · {step['queries']} queries"
        if step.get("sql_ms") is not None:
            text += f" ({step['sql_ms']:,.0f} ms)"
    return text + (f" ({one_line(step['note'])})" if step.get("note") else "")


def rows_of(summary: dict, key: str) -> str:
    for result in summary["databases"].values():
        step = result.get("steps", {}).get(key, {})
        if step.get("rows") is not None:
            return f"{step['rows']:,}"
    return ""


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        import psutil

        memory = f", {psutil.virtual_memory().total / 2**30:.0f} GB RAM"
    except ImportError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
        f"Python {sys.version.split()[0]}"
    )


def render(summary: dict, command: str) -> str:
    databases = list(summary["databases"])
    duck = summary.get("duckdb", {})
    duck_seconds = duck.get("seconds")
    head = ["step", "rows", *(NAMES[d] for d in databases), "target"]
    lines = [
        f"Command: `{command}` — run {datetime.datetime.now():%Y-%m-%d %H:%M}, "
        f"reference date {summary['as_of']}.",
        "",
        f"Machine: {machine()}.",
        "",
    ]
    speeds = [
        f"{NAMES[d]} run {r['calibration']:.2f} s"
        for d, r in summary["databases"].items()
        if r.get("calibration")
    ]
    if speeds:
        lines += [
            "Machine speed (a fixed Python + in-memory SQLite workload, `calibrate` in "
            "`bench/measure.py`; lower is faster — compare runs of different days by it): "
            + ", ".join(speeds)
            + ".",
            "",
        ]
    versions = [r.get("server") for r in summary["databases"].values() if r.get("server")]
    if duck.get("version"):
        versions.append(f"DuckDB {duck['version']}")
    if versions:
        lines += ["Engines: " + ", ".join(versions) + ".", ""]
    generated = summary.get("generate")
    if generated:
        counts = generated["counts"]
        lines += [
            f"Data: {counts['customers']:,} customers ({generated['active']:,} active), "
            f"{counts['daily']:,} daily rows over {generated['trading_days']} trading days, "
            f"{counts['products']:,} product rows; generated in {generated['seconds']:.1f} s "
            f"({generated['rows'] / max(generated['seconds'], 1e-9):,.0f} rows/s).",
            "",
        ]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, label, target in STEPS:
        against = (
            (duck.get("tuned", {}).get("seconds"), "tuned DuckDB")
            if key in TUNED_STEPS
            else (duck_seconds, "DuckDB")
        )
        cells = [cell(summary["databases"][d].get("steps", {}).get(key), *against) for d in
                 databases]  # fmt: skip
        if not summary["databases"][databases[0]].get("steps"):
            cells = [one_line(summary["databases"][d].get("note", "—")) for d in databases]
        lines.append(
            f"| {label} | {rows_of(summary, key)} | " + " | ".join(cells) + f" | {target} |"
        )
    duck_cell = f"{duck_seconds:.2f} s" if duck_seconds else duck.get("note", "—")
    duck_rows = f"{duck['customers']:,}" if duck_seconds else ""
    lines.append(
        f"| DuckDB, same data loaded into its tables (A001–A006) | {duck_rows} | "
        + " | ".join(duck_cell for _ in databases)
        + " | yardstick |"
    )
    tuned = duck.get("tuned")
    if tuned:
        tuned_cell = f"{tuned['seconds']:.2f} s"
        lines.append(
            "| DuckDB tuned: integer keys, money in fen, all cores, screen --out's columns "
            f"written as CSV | {tuned['customers']:,} | "
            + " | ".join(tuned_cell for _ in databases)
            + " | yardstick for screen --out |"
        )
    if duck.get("csv_seconds"):
        csv_cell = f"{duck['csv_seconds']:.2f} s"
        lines.append(
            f"| DuckDB reading the CSV files directly (parsing included) | {duck_rows} | "
            + " | ".join(csv_cell for _ in databases)
            + " |  |"
        )
    lines += [
        "",
        "Each cell: seconds · throughput (or ratio to DuckDB) · peak resident memory of the "
        "worker process during the step. Rows: imported, customers hit, tasks or records "
        "written, rows a list filter matches, or exported. List pages: "
        f"{list_requests(summary)} timed requests per filter (after 2 warm-up requests) "
        "to a gunicorn worker on the loopback (DEBUG off, logged-in session), then the "
        "SQL queries one page view makes and their total time (one in-process view). "
        "Set-up rows are scaled from the "
        "issue's case: one existing task per customer (30 % open under the batch's "
        "business type), two callback records per task; on PostgreSQL the bench runs "
        "ANALYZE after each bulk set-up, as autovacuum would.",
        "",
        *agreement(summary),
    ]
    return "\n".join(lines).rstrip() + "\n"


def list_requests(summary: dict) -> str:
    for result in summary["databases"].values():
        for step in result.get("steps", {}).values():
            if step.get("requests"):
                return str(step["requests"])
    return "30"


def agreement(summary: dict) -> list[str]:
    """Per-rule hit counts of every screening that ran; they must agree."""
    sources = {}
    if summary.get("duckdb", {}).get("hits"):
        sources["DuckDB"] = summary["duckdb"]["hits"]
    if summary.get("duckdb", {}).get("tuned", {}).get("hits"):
        sources["DuckDB tuned"] = summary["duckdb"]["tuned"]["hits"]
    for database, result in summary["databases"].items():
        for key, label in (
            ("screen", "aggregates"),
            ("screen_raw", "daily rows"),
            ("naive", "naive"),
            ("screen_out", "screen --out"),
        ):
            step = result.get("steps", {}).get(key, {})
            if step.get("hits"):
                sources[f"{NAMES[database]} {label}"] = step["hits"]
    if not sources:
        return []
    lines = ["| hits | " + " | ".join(RULES) + " |", "|" + "---|" * (len(RULES) + 1)]
    for name, hits in sources.items():
        lines.append(f"| {name} | " + " | ".join(f"{hits.get(r, 0):,}" for r in RULES) + " |")
    if len(sources) > 1:
        same = len({tuple(h.get(r, 0) for r in RULES) for h in sources.values()}) == 1
        lines += ["", "All screenings agree." if same else "**Screenings disagree!**"]
    return lines


def write_doc(path: Path, table: str) -> None:
    """Replace what is between the markers (or append the markers and the table)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    block = f"{START}\n{table}{END}"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
