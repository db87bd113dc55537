#!/usr/bin/env python
"""Questionnaire speed (issue 16): ``huifang survey invite`` for a big batch on SQLite, and
app-hall write-back throughput with two web processes.

    .venv/bin/python bench/surveys.py [--size 300000] [--responses 3000] [--threads 16]
    .venv/bin/python bench/surveys.py --size 5000 --db-url postgres://…/huifang_bench_surveys

Standalone (not part of ``bench/run.py``: it needs its own throw-away data directory and
a server). Steps:

1. setup (untimed): a fresh SQLite database in a temporary ``HUIFANG_DATA_DIR``, migrated;
   4 营业部; ``--size`` customers and one open task each in one batch (bulk SQL);
2. ``survey invite --batch N --channel h5`` through the command's own code path, then the
   same again (idempotent: nothing created) — target ≤ 60 s for 300,000 tasks;
3. ``--responses`` app-hall invitations (``do_invite``) and an app-hall partner;
   gunicorn with 2 worker processes on a free loopback port; every invitation answered
   once by a signed POST (``huifang.partners.client.SignedClient``) from a pool of
   ``--threads`` threads (every 10th answer abnormal) — target ≥ 200 responses/s;
   afterwards the responses, their callback records and the completed tasks are counted:
   none may be lost.

Prints one line per step and a JSON summary as the last line.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import io
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT / "src"), str(HERE)]


def parse(argv):
    parser = argparse.ArgumentParser(description="Questionnaire benchmark (docs/performance.md)")
    parser.add_argument("--size", type=int, default=300_000, help="tasks in the batch")
    parser.add_argument("--responses", type=int, default=3_000, help="app-hall answers sent")
    parser.add_argument("--threads", type=int, default=16, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--work", type=Path, help="data directory (default: a temp dir)")
    parser.add_argument(
        "--db-url", help="a throw-away database (default: SQLite in the data directory)"
    )
    return parser.parse_args(argv)


def setup_django(work: Path, db_url: str | None = None) -> None:
    os.environ["HUIFANG_DATA_DIR"] = str(work)
    if db_url:
        os.environ["HUIFANG_DATABASE_URL"] = db_url
    else:
        os.environ.pop("HUIFANG_DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "huifang.settings"
    os.environ.setdefault("HUIFANG_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_tasks(size: int):
    """4 营业部, ``size`` customers and one open task each in one batch (bulk SQL)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from huifang.callbacks.models import Batch, BusinessType, CallbackTask, TaskBatch
    from huifang.customers.models import Customer
    from huifang.org.services import do_save_branch
    from huifang.rules.models import ScreeningRun

    hq, _ = do_save_branch(code="01", name="总部", parent=None)
    region, _ = do_save_branch(code="0101", name="北京分公司", parent=hq)
    offices = [
        do_save_branch(code=f"01010{n}", name=f"营业部{n}", parent=region)[0] for n in range(1, 5)
    ]
    business_type = BusinessType.objects.get(name="新开户回访")  # has QN-NEWACCOUNT
    today = datetime.date.today()
    run = ScreeningRun.objects.create(as_of=today, status="frozen")
    batch = Batch.objects.create(
        number="9000000001", run=run, business_type=business_type, as_of=today
    )
    now = timezone.now()
    t = {m: m._meta.db_table for m in (Customer, CallbackTask, TaskBatch)}
    chunk = 20_000
    with transaction.atomic():
        for start in range(0, size, chunk):
            Customer.objects.bulk_create(
                [
                    Customer(
                        investor_code=f"{n:010d}",
                        name=f"客户{n}",
                        customer_type="natural",
                        open_date=datetime.date(2020, 1, 1),
                        branch=offices[n % 4],
                    )
                    for n in range(start + 1, min(size, start + chunk) + 1)
                ],
                batch_size=2_000,
            )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {t[CallbackTask]} (customer_id, branch_id, business_type_id, "
                f"batch_id, rule_codes, reasons, status, deadline, assignee_id, assigned_at, "
                f"attempt_count, unanswered_count, close_reason, closed_at, created_at, "
                f"updated_at) SELECT c.id, c.branch_id, %s, %s, ',A001,', '新开户客户', "
                f"'new', %s, NULL, NULL, 0, 0, '', NULL, %s, %s FROM {t[Customer]} c "
                f"ORDER BY c.id",
                [business_type.pk, batch.pk, today + datetime.timedelta(days=30), now, now],
            )
            cursor.execute(
                f"INSERT INTO {t[TaskBatch]} (task_id, batch_id, kind, rule_codes, created_at) "
                f"SELECT id, %s, 'created', rule_codes, %s FROM {t[CallbackTask]} "
                f"WHERE batch_id = %s",
                [batch.pk, now, batch.pk],
            )
            cursor.execute("ANALYZE")
    return batch


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def invite(batch) -> dict:
    from django.core.management import call_command

    def run():
        out = io.StringIO()
        call_command("survey", "invite", "--batch", batch.number, "--channel", "h5", stdout=out)
        return int(out.getvalue().strip().splitlines()[-1])

    created, seconds = timed(run)
    print(f"survey invite: {created} invitations in {seconds:.1f} s", flush=True)
    again, again_seconds = timed(run)
    print(f"survey invite again: {again} created in {again_seconds:.1f} s", flush=True)
    return {"created": created, "seconds": seconds, "again": again, "again_seconds": again_seconds}


def writeback(responses: int, threads: int, workers: int, work: Path) -> dict:
    from lists import free_port

    from huifang.callbacks.models import CallbackTask
    from huifang.callbacks.records.models import CallbackRecord
    from huifang.partners.client import SignedClient
    from huifang.partners.services import do_create_partner
    from huifang.surveys import sending
    from huifang.surveys.models import Invitation, Response

    ids = list(CallbackTask.objects.order_by("id").values_list("id", flat=True)[:responses])
    sending.do_invite(ids, channel="apphall", actor=None)
    invitations = list(
        Invitation.objects.filter(channel="apphall")
        .order_by("id")
        .values_list("code", "customer__investor_code")
    )
    partner, secret = do_create_partner("压测掌厅", "apphall", actor=None)
    normal = [
        {"question": "identity", "options": ["yes"]},
        {"question": "signed", "options": ["yes"]},
        {"question": "risk_disclosure", "options": ["understood"]},
    ]
    abnormal = [{"question": "identity", "options": ["no"]}, *normal[1:]]

    def body(n: int, investor_code: str) -> dict:
        return {
            "submission_id": f"bench-{n}",
            "investor_code": investor_code,
            "submitted_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "answers": abnormal if n % 10 == 9 else normal,
        }

    def answers_for(version_questions: list[dict]) -> None:
        # Fill whatever else the shipped questionnaire requires with its first option.
        known = {a["question"] for a in normal}
        for question in version_questions:
            if question["id"] in known or not question.get("required", True):
                continue
            if question["options"]:
                extra = {"question": question["id"], "options": [question["options"][0]["id"]]}
            else:
                extra = {"question": question["id"], "text": "无"}
            normal.append(extra)
            abnormal.append(extra)

    answers_for(Invitation.objects.filter(channel="apphall").first().version.public_questions())
    statuses: dict[int, int] = {}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = _start(port, workers, work / "gunicorn.log")
    try:
        client = SignedClient(url, partner.key, secret, timeout=120)

        def send(item):
            n, (code, investor_code) = item
            status, answer = client.post(
                f"/api/v1/apphall/invitations/{code}/responses", body(n, investor_code)
            )
            if status not in (200, 201) and n < 3:
                print(f"  {code}: {status} {answer}", flush=True)
            return status

        start = time.perf_counter()
        client_cpu = cpu_seconds(resource.RUSAGE_SELF)
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            for status in pool.map(send, enumerate(invitations)):
                statuses[status] = statuses.get(status, 0) + 1
        seconds = time.perf_counter() - start
        client_cpu = cpu_seconds(resource.RUSAGE_SELF) - client_cpu
    finally:
        process.terminate()
        process.wait(timeout=30)
    server_cpu = cpu_seconds(resource.RUSAGE_CHILDREN)  # gunicorn, start-up included
    stored = Response.objects.count()
    records = CallbackRecord.objects.filter(method="app_hall").count()
    completed = CallbackTask.objects.filter(status="completed").count()
    rate = len(invitations) / seconds
    print(
        f"app-hall write-back: {len(invitations)} answers in {seconds:.1f} s = {rate:.0f}/s "
        f"({workers} gunicorn workers, {threads} client threads); statuses {statuses}; "
        f"CPU: server {server_cpu:.1f} s, client {client_cpu:.1f} s, load average "
        f"{' '.join(f'{n:.2f}' for n in os.getloadavg())}; "
        f"stored {stored} responses, {records} records, {completed} tasks completed",
        flush=True,
    )
    return {
        "sent": len(invitations),
        "seconds": seconds,
        "per_second": rate,
        "server_cpu_seconds": server_cpu,
        "client_cpu_seconds": client_cpu,
        "load_average": os.getloadavg(),
        "statuses": statuses,
        "responses": stored,
        "records": records,
        "completed": completed,
        "expected_completed": sum(1 for n in range(len(invitations)) if n % 10 != 9),
    }


def _start(port: int, workers: int, log: Path):
    """gunicorn with ``workers`` processes on the loopback, against this data directory."""
    import subprocess
    import urllib.request

    env = {
        **os.environ,
        "HUIFANG_DEBUG": "0",
        "HUIFANG_ALLOWED_HOSTS": "127.0.0.1",
        "HUIFANG_LOG_LEVEL": "WARNING",
        # This checkout's code, not whatever the virtualenv has installed.
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    command = [
        sys.executable, "-m", "gunicorn", "huifang.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", "1",
        "--timeout", "300", "--log-level", "warning",
    ]  # fmt: skip
    handle = log.open("ab")
    process = subprocess.Popen(
        command, env=env, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                if r.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def main(argv=None) -> int:
    args = parse(argv)
    with tempfile.TemporaryDirectory(prefix="huifang-bench-surveys-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        setup_django(work, args.db_url)
        batch, seconds = timed(make_tasks, args.size)
        print(f"setup: {args.size} customers and tasks in {seconds:.1f} s", flush=True)
        from measure import calibrate

        speed = calibrate()
        print(f"machine speed (bench/measure.py calibrate, lower is faster): {speed:.2f} s")
        summary = {
            "database": "postgresql" if args.db_url else "sqlite",
            "size": args.size,
            "calibrate": speed,
            "invite": invite(batch),
        }
        summary["writeback"] = writeback(args.responses, args.threads, args.workers, work)
    print(json.dumps(summary, ensure_ascii=False))
    lost = summary["writeback"]["sent"] - summary["writeback"]["responses"]
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
