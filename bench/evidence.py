#!/usr/bin/env python
"""证据包 speed (issue 18): ``huifang evidence --batch N`` for a batch of ``--size`` tasks
on SQLite — target ≤ 120 s at 100,000 tasks with bounded memory.

    .venv/bin/python bench/evidence.py [--size 100000] [--work DIR]

Standalone (not part of ``bench/run.py``: it needs its own throw-away data directory).

1. setup (untimed): a fresh SQLite database in a temporary ``HUIFANG_DATA_DIR``, migrated;
   4 营业部; ``--size`` customers, a frozen run hitting each of them (a hit and its A001
   evidence), one batch with one task each, a callback record per task with its first
   version, and an audit row per task and per record (bulk SQL);
2. ``huifang evidence --batch N --out FILE.xlsx`` as a new process (start-up included),
   its wall time and its peak resident memory (``ru_maxrss`` of the child); then the same
   at a quarter of the size (``--batch`` of a second batch holding a quarter of the tasks)
   so that memory's growth with the scope shows.

Prints one line per step and a JSON summary as the last line.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT / "src"), str(HERE)]


def parse(argv):
    parser = argparse.ArgumentParser(description="Evidence package benchmark")
    parser.add_argument("--size", type=int, default=100_000, help="tasks in the batch")
    parser.add_argument("--work", type=Path, help="data directory (default: a temp dir)")
    return parser.parse_args(argv)


def setup_django(work: Path) -> None:
    os.environ["HUIFANG_DATA_DIR"] = str(work)
    os.environ.pop("HUIFANG_DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "huifang.settings"
    os.environ.setdefault("HUIFANG_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(size: int) -> tuple[str, str]:
    """The world of step 1; returns the two batch numbers (all tasks, a quarter)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from huifang.callbacks.audit_actions import CallbackAction
    from huifang.callbacks.models import Batch, BusinessType, CallbackTask, TaskBatch
    from huifang.callbacks.records.models import CallbackRecord, RecordVersion
    from huifang.core import audit
    from huifang.customers.models import Customer
    from huifang.org.models import Role, User
    from huifang.org.services import do_save_branch
    from huifang.rules.models import Hit, HitReason, Rule, RunRule, ScreeningRun

    hq, _ = do_save_branch(code="01", name="总部", parent=None)
    region, _ = do_save_branch(code="0101", name="北京分公司", parent=hq)
    offices = [
        do_save_branch(code=f"01010{n}", name=f"营业部{n}", parent=region)[0] for n in range(1, 5)
    ]
    agent = User.objects.create_user(username="bench_agent", branch=offices[0], role=Role.AGENT)
    business_type = BusinessType.objects.get(name="新开户回访")
    other_type = BusinessType.objects.exclude(pk=business_type.pk).first()
    today = datetime.date.today()
    rule = Rule.objects.get(code="A001")
    run = ScreeningRun.objects.create(as_of=today, status="preview")
    RunRule.objects.create(
        run=run,
        version=rule.current_version,
        code="A001",
        name=rule.name,
        rule_type=rule.rule_type,
        params=rule.params,
        hit_count=size,
    )
    batch = Batch.objects.create(
        number="9000000001", run=run, business_type=business_type, as_of=today
    )
    quarter = Batch.objects.create(
        number="9000000002", run=run, business_type=other_type, as_of=today
    )
    now = timezone.now()
    t = {
        m: m._meta.db_table
        for m in (Customer, CallbackTask, TaskBatch, Hit, HitReason, CallbackRecord, RecordVersion)
    }
    chunk = 20_000
    with transaction.atomic():
        for start in range(0, size, chunk):
            Customer.objects.bulk_create(
                [
                    Customer(
                        investor_code=f"{n:010d}",
                        name=f"客户{n}",
                        customer_type="natural",
                        open_date=datetime.date(2025, 1, 1),
                        branch=offices[n % 4],
                        mobile=f"138{n:08d}",
                    )
                    for n in range(start + 1, min(size, start + chunk) + 1)
                ],
                batch_size=2_000,
            )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {t[Hit]} (run_id, customer_id, branch_id, investor_code, name, "
                f"full_name, customer_type, gender, open_date, birth_date, status, normalized, "
                f"dormant, investor_class, risk_level, year_volume, year_loss, rule_codes, "
                f"reasons) SELECT %s, id, branch_id, investor_code, name, '', customer_type, '', "
                f"open_date, NULL, status, NULL, 0, '', NULL, 0, 0, ',A001,', '新开户客户' "
                f"FROM {t[Customer]} ORDER BY id",
                [run.pk],
            )
            cursor.execute(
                f"INSERT INTO {t[HitReason]} (run_id, customer_id, branch_id, rule_code, ev_date) "
                f"SELECT %s, id, branch_id, 'A001', open_date FROM {t[Customer]} ORDER BY id",
                [run.pk],
            )
            cursor.execute(
                f"UPDATE {ScreeningRun._meta.db_table} SET status = 'frozen', frozen_at = %s "
                f"WHERE id = %s",
                [now, run.pk],
            )
            cursor.execute(
                f"INSERT INTO {t[CallbackTask]} (customer_id, branch_id, business_type_id, "
                f"batch_id, rule_codes, reasons, status, deadline, assignee_id, assigned_at, "
                f"attempt_count, unanswered_count, close_reason, closed_at, created_at, "
                f"updated_at) SELECT c.id, c.branch_id, %s, %s, ',A001,', '新开户客户', "
                f"'in_progress', %s, %s, %s, 1, 1, '', NULL, %s, %s FROM {t[Customer]} c "
                f"ORDER BY c.id",
                [
                    business_type.pk,
                    batch.pk,
                    today + datetime.timedelta(days=30),
                    agent.pk,
                    now,
                    now,
                    now,
                ],
            )
            cursor.execute(
                f"INSERT INTO {t[TaskBatch]} (task_id, batch_id, kind, rule_codes, created_at) "
                f"SELECT id, %s, 'created', rule_codes, %s FROM {t[CallbackTask]} "
                f"WHERE batch_id = %s",
                [batch.pk, now, batch.pk],
            )
            cursor.execute(
                f"INSERT INTO {t[TaskBatch]} (task_id, batch_id, kind, rule_codes, created_at) "
                f"SELECT id, %s, 'merged', rule_codes, %s FROM {t[CallbackTask]} "
                f"WHERE id %% 4 = 0",
                [quarter.pk, now],
            )
            cursor.execute(
                f"INSERT INTO {t[CallbackRecord]} (task_id, branch_id, customer_id, "
                f"business_type_id, status, failure_reason_id, method, called_at, "
                f"duration_seconds, agent_id, channel_source, mobile_used, phone_used, address, "
                f"tags, remark, appointment_at, feedback_at, version, created_at, created_by_id, "
                f"created_via, updated_at, updated_by_id) SELECT t.id, t.branch_id, "
                f"t.customer_id, t.business_type_id, 'failure', NULL, 'phone', %s, 30, %s, '', "
                f"c.mobile, '', '', '', '未接通', NULL, NULL, 1, %s, %s, 'web', %s, %s "
                f"FROM {t[CallbackTask]} t JOIN {t[Customer]} c ON c.id = t.customer_id "
                f"ORDER BY t.id",
                [now, agent.pk, now, agent.pk, now, agent.pk],
            )
            cursor.execute(
                f"INSERT INTO {t[RecordVersion]} (record_id, version, data, changes, reason, "
                f'changed_at, changed_by_id) SELECT id, 1, \'{{"status": "failure", '
                f"\"mobile_used\": \"' || mobile_used || '\"}}', '{{}}', '', %s, %s "
                f"FROM {t[CallbackRecord]} ORDER BY id",
                [now, agent.pk],
            )
        with audit.acting(label="command:bench"):
            audit.record_query(
                CallbackAction.BATCH_CREATE,
                object_type=CallbackTask._meta.label_lower,
                select=f"SELECT id AS object_id, '回访任务 #' || id AS object_repr "
                f"FROM {t[CallbackTask]}",
            )
            audit.record_query(
                CallbackAction.RECORD_CREATE,
                object_type=CallbackRecord._meta.label_lower,
                select=f"SELECT id AS object_id, '回访记录 #' || id AS object_repr "
                f"FROM {t[CallbackRecord]}",
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return batch.number, quarter.number


def generate(number: str, work: Path, label: str) -> dict:
    """``huifang evidence --batch N`` as a new process: wall time and peak memory."""
    out = work / f"evidence-{number}.xlsx"
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "huifang.cli", "evidence", "--batch", number, "--out", str(out)],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(done.stderr)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = usage.ru_maxrss / 1024
    step = {
        "seconds": round(seconds, 1),
        # The child's own CPU: what the wall time would be on a quiet machine (one core).
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime - cpu_before, 1),
        "peak_mb": round(peak_mb),
        "file_mb": round(out.stat().st_size / 2**20, 1),
        "output": done.stdout.strip().splitlines()[0],
        "peak_of_an_earlier_child": before > peak_mb * 1024,
    }
    print(
        f"{label}: {step['seconds']} s ({step['cpu_seconds']} s CPU), peak {step['peak_mb']} MB, {step['file_mb']} MB file",
        flush=True,
    )
    print(f"  {step['output']}", flush=True)
    return step


def main(argv=None) -> None:
    args = parse(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="huifang-evidence-"))
    work.mkdir(parents=True, exist_ok=True)
    setup_django(work)
    start = time.perf_counter()
    full, quarter = seed(args.size)
    print(f"setup: {args.size} tasks seeded in {time.perf_counter() - start:.1f} s", flush=True)
    # The quarter first: ru_maxrss of the children is the biggest child's so far.
    small = generate(quarter, work, f"evidence of {args.size // 4} tasks")
    big = generate(full, work, f"evidence of {args.size} tasks")
    print(json.dumps({"size": args.size, "quarter": small, "full": big}, ensure_ascii=False))


if __name__ == "__main__":
    main()
