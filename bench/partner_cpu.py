"""CPU per request of the two partner write paths, in-process (no HTTP, no other process):
signed ``POST /api/v1/callcenter/calls`` and ``POST /api/v1/apphall/invitations/{id}/responses``
driven straight through Django's WSGI handler (the one gunicorn calls), DEBUG off, on a
throw-away database. Prints CPU ms and wall ms per request and statements per request;
``--profile`` prints the cProfile top functions. Meant for before/after comparisons of the
same code path on a shared machine, where the HTTP benches' rates follow the free CPU.

    .venv/bin/python bench/partner_cpu.py [--calls 1500] [--answers 600] [--db-url …] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "src"), str(HERE)]


def environ(path: str, body: bytes, headers: dict) -> dict:
    env = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json; charset=utf-8",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    for name, value in headers.items():
        env["HTTP_" + name.upper().replace("-", "_")] = value
    return env


def run(handler, key, secret, requests, *, profile: bool, label: str) -> None:
    from django.db import connection

    from huifang.partners import signing

    prepared = []
    for path, payload in requests:
        body = json.dumps(payload, ensure_ascii=False).encode()
        prepared.append((path, body, signing.headers(key, secret, "POST", path, body)))
    statuses: dict[str, int] = {}

    def start_response(status, headers, exc_info=None):
        statuses[status[:3]] = statuses.get(status[:3], 0) + 1

    # Warm-up (imports, prepared statements) on the first tenth, not measured.
    warm = max(1, len(prepared) // 10)
    for path, body, headers in prepared[:warm]:
        b"".join(handler(environ(path, body, headers), start_response))
    statuses.clear()
    measured = prepared[warm:]
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    wrapper = connection.execute_wrapper(count)
    wrapper.__enter__()
    profiler = cProfile.Profile(time.process_time) if profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    each = []
    for path, body, headers in measured:
        one = time.process_time()
        b"".join(handler(environ(path, body, headers), start_response))
        each.append(time.process_time() - one)
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    wrapper.__exit__(None, None, None)
    statements = len(executed)
    n = len(measured)
    if os.environ.get("SHOW_STATEMENTS"):
        import collections

        shapes = collections.Counter(
            " ".join(sql.split()[:4])[:90]
            if "SAVEPOINT" not in sql
            else sql.split()[0] + " SAVEPOINT"
            for sql in executed
        )
        for shape, count_ in shapes.most_common(30):
            print(f"  {count_ / n:5.2f}  {shape}")
    print(
        f"{label}: {n} requests, CPU {cpu / n * 1000:.2f} ms/request (median "
        f"{statistics.median(each) * 1000:.2f}, 10th percentile "
        f"{statistics.quantiles(each, n=10)[0] * 1000:.2f}), wall "
        f"{wall / n * 1000:.2f} ms/request, {statements / n:.1f} statements/request, "
        f"statuses {statuses}, load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(110)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(40)
        print(out.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1500)
    parser.add_argument("--answers", type=int, default=600)
    parser.add_argument("--db-url")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--only", choices=["calls", "answers"])
    args = parser.parse_args()
    if args.only is None:  # each path on its own database (both build the same branches)
        import subprocess

        for only in ("calls", "answers"):
            subprocess.run([sys.executable, __file__, *sys.argv[1:], "--only", only], check=True)
        return 0
    work = Path(tempfile.mkdtemp(prefix="huifang-partner-cpu-"))
    os.environ["HUIFANG_DEBUG"] = "0"
    os.environ["HUIFANG_ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ.setdefault("HUIFANG_LOG_LEVEL", "WARNING")
    import calls_ingest
    import surveys

    surveys.setup_django(work, args.db_url)
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()

    if args.only == "calls":
        key, secret, refs = calls_ingest.prepare(1000)
        sent = calls_ingest.payloads(refs, args.calls)
        sent += sent[: len(sent) // 10]
        run(
            handler, key, secret, [("/api/v1/callcenter/calls", p) for p in sent],
            profile=args.profile, label="call results",
        )  # fmt: skip
    else:
        answers(handler, args)
    return 0


def answers(handler, args) -> None:
    import datetime

    import surveys

    from huifang.callbacks.models import CallbackTask
    from huifang.partners.services import do_create_partner
    from huifang.surveys import sending
    from huifang.surveys.models import Invitation

    surveys.make_tasks(args.answers)
    ids = list(CallbackTask.objects.order_by("id").values_list("id", flat=True)[: args.answers])
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
    known = {a["question"] for a in normal}
    for question in Invitation.objects.filter(channel="apphall").first().version.public_questions():
        if question["id"] in known or not question.get("required", True):
            continue
        if question["options"]:
            extra = {"question": question["id"], "options": [question["options"][0]["id"]]}
        else:
            extra = {"question": question["id"], "text": "无"}
        normal.append(extra)
        abnormal.append(extra)
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    requests = [
        (
            f"/api/v1/apphall/invitations/{code}/responses",
            {
                "submission_id": f"bench-{n}",
                "investor_code": investor,
                "submitted_at": now,
                "answers": abnormal if n % 10 == 9 else normal,
            },
        )
        for n, (code, investor) in enumerate(invitations)
    ]
    requests += requests[: len(requests) // 10]  # replays: the first answer again
    run(handler, partner.key, secret, requests, profile=args.profile, label="app-hall answers")


if __name__ == "__main__":
    raise SystemExit(main())
