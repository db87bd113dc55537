#!/usr/bin/env python
"""Huifang's benchmark: import, screening and export at a given size, on SQLite and PostgreSQL.

    bench/run.py --size 100000 [--db sqlite|postgres|both]      (make bench SIZE=100000)

Generates a synthetic company once (``huifang.demo.synthetic``), times DuckDB screening the
same CSV files (the yardstick), then for each database starts a worker process on a
throw-away data directory / database that migrates and measures: import through the real
import path (``customers.importers.import_file``), screening the six built-in rules
(``rules.engine.screen``), a naive per-customer loop (≤ 100,000 customers), storing and
freezing a run and creating a batch with the merge against existing tasks, list-page
response times on a running server, and exporting 100,000 tasks (``workflow.py``,
``lists.py``). Prints a table and writes it into
``docs/performance.md`` between ``<!-- bench:start -->`` and ``<!-- bench:end -->``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT / "src"), str(HERE)]

import report  # noqa: E402
from measure import run_steps  # noqa: E402

from huifang.demo.synthetic import CompanySpec, generate  # noqa: E402


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Huifang benchmark (docs/performance.md)")
    parser.add_argument("--size", type=int, default=10_000, help="customers (default 10000)")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--active-share", type=float, default=0.3)
    parser.add_argument("--year", type=int, default=datetime.date.today().year - 1)
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--data", type=Path, help="reuse files from bench/generate.py")
    parser.add_argument("--work", type=Path, help="working directory (default: a temp dir)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the working directory and PostgreSQL database"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="take a database's figures from result-<db>.json in --work when it is there "
        "(a 1M run of one database is ~40 min: measure the other, or DuckDB, again)",
    )
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("HUIFANG_BENCH_PG_URL")
        or f"postgres://{os.environ.get('USER') or 'postgres'}@/postgres?host=/var/run/postgresql",
        help="a PostgreSQL server where a throw-away database may be created",
    )
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)  # result file
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.worker:
        return run_steps(args)
    work = args.work or Path(tempfile.mkdtemp(prefix="huifang-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        return orchestrate(args, work)
    finally:
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)


def orchestrate(args: argparse.Namespace, work: Path) -> int:
    as_of = datetime.date(args.year, 12, 31)
    summary: dict = {"size": args.size, "as_of": as_of.isoformat(), "databases": {}}
    data = args.data
    if data is None or not (data / "daily.csv").exists():
        data = data or work / "data"
        spec = CompanySpec(
            customers=args.size, active_share=args.active_share, year=args.year, seed=args.seed
        )
        print(f"generating {args.size} customers into {data} …", flush=True)
        generated = generate(data, spec)
        summary["generate"] = {
            "seconds": generated.seconds,
            "rows": sum(generated.counts.values()),
            "counts": generated.counts,
            "active": generated.active,
            "trading_days": generated.trading_days,
        }
    summary["duckdb"] = duckdb_step(data, as_of)
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for database in databases:
        print(f"measuring on {database} …", flush=True)
        summary["databases"][database] = worker(args, database, data, work)
    table = report.render(summary, command=command_line(args))
    print(table)
    report.write_doc(args.doc, table)
    print(f"written to {args.doc}")
    return 0


def command_line(args: argparse.Namespace) -> str:
    return f"bench/run.py --size {args.size} --db {args.db} --year {args.year}"


def duckdb_step(data: Path, as_of: datetime.date) -> dict:
    try:
        import duckdb_screen
    except ImportError:
        return {"note": "duckdb is not installed (pip install -e '.[bench]')"}
    try:
        result = duckdb_screen.screen(data, as_of, loaded=True)
        over_files = duckdb_screen.screen(data, as_of)
    except ImportError:
        return {"note": "duckdb is not installed (pip install -e '.[bench]')"}
    result["csv_seconds"] = over_files["seconds"]
    result["tuned"] = duckdb_screen.screen_tuned(data, as_of)
    print(
        f"DuckDB: {result['seconds']:.2f} s over loaded tables (loading {result['load_seconds']:.1f} s),"
        f" {over_files['seconds']:.2f} s over the CSV files; hits {result['hits']}",
        flush=True,
    )
    tuned = result["tuned"]
    print(
        f"DuckDB tuned: {tuned['seconds']:.2f} s for screen --out's rows and file"
        f" ({tuned['threads']} threads); hits {tuned['hits']}",
        flush=True,
    )
    return result


def worker(args: argparse.Namespace, database: str, data: Path, work: Path) -> dict:
    """Run the measured steps in a fresh process against a throw-away database."""
    result_file = work / f"result-{database}.json"
    if args.reuse and result_file.exists():
        print(f"reusing {result_file}", flush=True)
        return json.loads(result_file.read_text(encoding="utf-8"))
    home = work / f"home-{database}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    env = {
        **os.environ,
        "HUIFANG_DATA_DIR": str(home),
        "DJANGO_SETTINGS_MODULE": "huifang.settings",
    }
    env.pop("HUIFANG_TEST_DATABASE_NAME", None)
    env["HUIFANG_TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    dropper = None
    if database == "sqlite":
        env["HUIFANG_DATABASE_URL"] = ""
    else:
        try:
            env["HUIFANG_DATABASE_URL"], dropper = throwaway_postgres(args.pg_url)
        except Exception as exc:
            reason = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else repr(exc)
            return {"note": f"PostgreSQL not available: {reason}"}
    try:
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(result_file)]
        command += ["--size", str(args.size), "--year", str(args.year), "--data", str(data)]
        result_file.unlink(missing_ok=True)  # a failed worker must not leave old figures
        started = time.perf_counter()
        done = subprocess.run(command, env=env, check=False)
        if done.returncode != 0 or not result_file.exists():
            return {"note": f"worker failed (exit {done.returncode}), see its output above"}
        result = json.loads(result_file.read_text(encoding="utf-8"))
        result["wall_seconds"] = time.perf_counter() - started
        return result
    finally:
        if dropper and args.keep:
            print(f"kept PostgreSQL database {env['HUIFANG_DATABASE_URL']}", flush=True)
        elif dropper:
            dropper()


def throwaway_postgres(base_url: str) -> tuple[str, Callable[[], None]]:
    """Create an empty database on ``base_url``'s server; returns its URL and a dropper."""
    from urllib.parse import urlparse, urlunparse

    import psycopg

    name = f"huifang_bench_{os.getpid()}"
    parts = urlparse(base_url)
    # Create and drop from the maintenance database: ``base_url``'s may not exist (the
    # suite's HUIFANG_DATABASE_URL names the database its test database is named after).
    base_url = urlunparse(parts._replace(path="/postgres"))
    admin = psycopg.connect(base_url, autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    admin.close()

    def drop() -> None:
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunparse(parts._replace(path=f"/{name}")), drop


if __name__ == "__main__":
    sys.exit(main())
