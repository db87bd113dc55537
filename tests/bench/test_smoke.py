"""The benchmark runs end to end at a tiny size and writes its table (no timing assertions).

It measures on the database the suite runs on: SQLite, or with ``HUIFANG_DATABASE_URL``
pointing at PostgreSQL a throw-away database on that server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The rows after screening: each must have run (a figure, not "failed:" / "skipped:").
WORKFLOW_ROWS = (
    "existing tasks, one per customer",
    "screen and store a run",
    "freeze the run",
    "create a batch with the merge",
    "callback records, two per task",
    "task list: branch + open",
    "task list: agent + open",
    "task list: batch",
    "task list: an agent's own open tasks",
    "record list: branch + failed",
    "record list: agent",
    "record list: batch",
    "export 100k tasks to xlsx",
    "export 100k tasks to csv",
)


def database_under_test() -> tuple[str, str, list[str]]:
    """(``--db`` value, its column title, extra arguments) for the suite's database."""
    url = os.environ.get("HUIFANG_DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return "postgres", "PostgreSQL", ["--pg-url", url]
    return "sqlite", "SQLite", []


def row(table: str, label: str) -> str:
    return next(line for line in table.splitlines() if line.startswith(f"| {label}"))


def test_benchmark_writes_its_table_between_the_markers(tmp_path):
    database, title, extra = database_under_test()
    doc = tmp_path / "performance.md"
    doc.write_text(
        "# Performance\n\nbefore\n<!-- bench:start -->\nold table\n<!-- bench:end -->\nafter\n",
        encoding="utf-8",
    )
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--size", "200", "--db", database]
    command += ["--year", "2025", "--doc", str(doc), "--work", str(tmp_path / "work"), *extra]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = doc.read_text(encoding="utf-8")
    table = text.split("<!-- bench:start -->")[1].split("<!-- bench:end -->")[0]
    assert text.startswith("# Performance\n\nbefore\n") and text.endswith("\nafter\n")
    assert "old table" not in text
    assert f"bench/run.py --size 200 --db {database}" in table
    assert f"| step | rows | {title} | target |" in table
    for label in ("import customers", "import daily rows", "screen A001–A006"):
        assert label in table
    for label in WORKFLOW_ROWS:
        line = row(table, label)
        assert "failed:" not in line and "skipped:" not in line, line
    assert "p95" in row(table, "task list: batch") and "p95" in row(table, "record list: batch")
    assert "200 customers" in table and "Machine:" in table
    assert "Machine speed (" in table and f"{title} run " in table
    assert "| step |" in done.stdout  # the table is printed too


def test_reuse_renders_a_databases_saved_figures_without_measuring_again(tmp_path):
    database, _, extra = database_under_test()
    work = tmp_path / "work"
    work.mkdir()
    saved = {
        "vendor": database,
        "server": "saved server 1.0",
        "steps": {"import_customers": {"seconds": 12.34, "rows": 200, "peak_mb": 56.0}},
    }
    (work / f"result-{database}.json").write_text(json.dumps(saved), encoding="utf-8")
    doc = tmp_path / "performance.md"
    doc.write_text("<!-- bench:start -->\n<!-- bench:end -->\n", encoding="utf-8")
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--size", "200", "--db", database]
    command += ["--year", "2025", "--doc", str(doc), "--work", str(work), "--reuse", *extra]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    line = row(doc.read_text(encoding="utf-8"), "import customers")
    assert "12.34 s" in line and "56 MB" in line
    assert not (work / f"home-{database}").exists()  # no worker ran
