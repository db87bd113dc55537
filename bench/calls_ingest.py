"""Webhook ingest rate of ``POST /api/v1/callcenter/calls``: gunicorn with 2 workers (DEBUG
off) on a throw-away database, N signed call results (a share sent twice) from concurrent
clients; prints results/s and checks that none was lost and duplicates were written once.

    .venv/bin/python bench/calls_ingest.py --calls 3000 --tasks 1000 --clients 16
    .venv/bin/python bench/calls_ingest.py --db-url postgres://…/huifang_bench_calls

Half the results are ``busy`` (a callback record written through the records service),
half ``other`` (kept, waiting for an agent), as a real day mixes them.
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
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))


def prepare(tasks: int) -> tuple[str, str, list[str]]:
    """Migrate, one call-center partner, ``tasks`` open tasks with their refs."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huifang.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from huifang.callbacks.models import Batch, BusinessType, CallbackTask
    from huifang.channels.calls.services import _refs
    from huifang.customers.models import Customer
    from huifang.org.models import Role
    from huifang.org.services import do_create_user, do_save_branch
    from huifang.partners.services import do_create_partner
    from huifang.rules.models import ScreeningRun

    hq, _ = do_save_branch(code="01", name="总部", parent=None)
    branch, _ = do_save_branch(code="0101", name="营业部", parent=hq)
    agent = do_create_user(
        username="bench_agent", password=None, branch=branch, role=Role.AGENT, full_name="压测"
    )
    kind = BusinessType.objects.create(name="外呼压测", max_unanswered_attempts=1000)
    run = ScreeningRun.objects.create(as_of=datetime.date(2025, 12, 31), status="frozen")
    batch = Batch.objects.create(number="9000000001", run=run, business_type=kind, as_of=run.as_of)
    customers = Customer.objects.bulk_create(
        Customer(
            investor_code=f"09{n:08d}",
            name=f"客户{n}",
            branch=branch,
            mobile="13800000000",
            customer_type="natural",
            open_date=datetime.date(2020, 1, 1),
        )
        for n in range(tasks)
    )
    created = CallbackTask.objects.bulk_create(
        CallbackTask(
            customer=c, branch=branch, business_type=kind, batch=batch, assignee=agent,
            rule_codes=",A001,", reasons="压测",
        )
        for c in customers
    )  # fmt: skip
    refs = _refs([t.pk for t in created])
    partner, secret = do_create_partner("外呼压测", "callcenter")
    return partner.key, secret, list(refs.values())


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def payloads(refs: list[str], calls: int) -> list[dict]:
    started = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)).isoformat()
    return [
        {
            "event_id": f"B{n:09d}",
            "call_id": f"BENCH-{n % len(refs)}",
            "task_ref": refs[n % len(refs)],
            "started_at": started,
            "duration_seconds": 30,
            "attempt": 1 + n // len(refs),
            "result": "busy" if n % 2 else "other",
            "agent": "坐席1",
        }
        for n in range(calls)
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duplicates", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db-url", help="a throw-away database (default: SQLite in a temp dir)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="huifang-calls-bench-"))
    os.environ["HUIFANG_DATA_DIR"] = str(work)
    if args.db_url:
        os.environ["HUIFANG_DATABASE_URL"] = args.db_url
    key, secret, refs = prepare(args.tasks)
    sent = payloads(refs, args.calls)
    sent += sent[: int(len(sent) * args.duplicates)]  # the platform's retries: same event_id

    import lists

    from huifang.partners.client import SignedClient

    lists_server = lists.Server(work / "gunicorn.log")
    original = subprocess.Popen

    def popen(command, *a, **kw):  # two workers, as the target says
        command = [
            str(args.workers) if i and command[i - 1] == "--workers" else part
            for i, part in enumerate(command)
        ]
        return original(command, *a, **kw)

    subprocess.Popen = popen
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    try:
        with lists_server as server:
            client = SignedClient(server.url, key, secret, timeout=60)

            def send(payload):
                for _ in range(10):
                    status, _ = client.post("/api/v1/callcenter/calls", payload)
                    if status < 500:
                        break
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1

            start = time.perf_counter()
            client_cpu = cpu_seconds(resource.RUSAGE_SELF)
            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(send, sent))
            seconds = time.perf_counter() - start
            client_cpu = cpu_seconds(resource.RUSAGE_SELF) - client_cpu
    finally:
        subprocess.Popen = original
    server_cpu = cpu_seconds(resource.RUSAGE_CHILDREN)  # gunicorn, start-up included

    from huifang.callbacks.records.models import CallbackRecord
    from huifang.channels.calls.models import CallAttempt

    stored = CallAttempt.objects.count()
    records = CallbackRecord.objects.count()
    result = {
        "database": "postgresql" if args.db_url else "sqlite",
        "workers": args.workers,
        "clients": args.clients,
        "requests": len(sent),
        "seconds": round(seconds, 2),
        "per_second": round(len(sent) / seconds, 1),
        "client_cpu_seconds": round(client_cpu, 1),
        "server_cpu_seconds": round(server_cpu, 1),
        "load_average": [round(n, 2) for n in os.getloadavg()],
        "statuses": statuses,
        "attempts_stored": stored,
        "expected": args.calls,
        "records": records,
        "expected_records": args.calls // 2,
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0 if stored == args.calls and records == args.calls // 2 else 1


if __name__ == "__main__":
    sys.exit(main())
