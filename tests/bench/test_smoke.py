"""The benchmark runs end to end at a tiny size and writes its table (no timing assertions)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_writes_its_table_between_the_markers(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text(
        "# Performance\n\nbefore\n<!-- bench:start -->\nold table\n<!-- bench:end -->\nafter\n",
        encoding="utf-8",
    )
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--size", "200", "--db", "sqlite"]
    command += ["--year", "2025", "--doc", str(doc), "--work", str(tmp_path / "work")]
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
    assert "bench/run.py --size 200 --db sqlite" in table
    assert "| step | rows | SQLite | target |" in table
    for label in ("import customers", "import daily rows", "screen A001–A006", "export 100k rows"):
        assert label in table
    assert "200 customers" in table and "Machine:" in table
    assert "| step |" in done.stdout  # the table is printed too
