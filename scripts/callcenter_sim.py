"""A simulated outbound-call platform (外呼平台) for the demo and the end-to-end test.

It takes a pushed call list — the file ``huifang callcenter push --out`` wrote (``--list``),
or the signed pages Huifang POSTs to the partner URL while it listens on loopback
(``--serve PORT``, checking each page's signature) — "dials" every call (a seeded random
outcome per attempt, up to ``--attempts`` tries until connected), and posts each attempt
back, signed, to ``POST /api/v1/callcenter/calls``; ``--duplicates`` re-sends a share of
them (same event_id) as a real platform's retries would. Prints one summary line.

    # file: push, then dial the file's calls
    huifang callcenter push --out /tmp/calls.csv
    python scripts/callcenter_sim.py --base http://127.0.0.1:8000 --key hf_… --secret … \\
        --list /tmp/calls.csv

    # URL: register the partner with --url http://127.0.0.1:8765/lists, run this, then push
    python scripts/callcenter_sim.py --base http://127.0.0.1:8000 --key hf_… --secret … \\
        --serve 8765 --pages 1
"""

from __future__ import annotations

import argparse
import csv
import datetime
import hashlib
import hmac
import json
import random
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CALLS_PATH = "/api/v1/callcenter/calls"
OUTCOMES = [  # result, weight
    ("connected", 45),
    ("no_answer", 25),
    ("busy", 10),
    ("power_off", 8),
    ("invalid_number", 4),
    ("rejected", 4),
    ("other", 4),
]
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def _sign(secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    message = f"{timestamp}\n{method}\n{path}\n".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- the list


def read_list(path) -> list[str]:
    """The task_refs of a pushed call list (.csv or .xlsx, first column task_ref)."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    else:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    header = [str(c or "") for c in rows[0]]
    column = header.index("task_ref")
    return [str(row[column]) for row in rows[1:] if row and row[column]]


class PageReceiver:
    """Listens on 127.0.0.1:``port`` for Huifang's signed call-list pages; ``refs`` holds
    the task_refs of every page whose signature checked out."""

    def __init__(self, port: int, key: str, secret: str):
        self.key, self.secret = key, secret
        self.refs: list[str] = []
        self.pages = 0
        self.refused = 0
        self.received = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                timestamp = self.headers.get("X-Huifang-Timestamp", "")
                expected = _sign(receiver.secret, timestamp, "POST", self.path, body)
                fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= 300
                if (
                    self.headers.get("X-Huifang-Key") != receiver.key
                    or not fresh
                    or not hmac.compare_digest(
                        expected, self.headers.get("X-Huifang-Signature", "")
                    )
                ):
                    receiver.refused += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                page = json.loads(body)
                with receiver.received:
                    receiver.refs += [call["task_ref"] for call in page.get("calls", [])]
                    receiver.pages += 1
                    receiver.received.notify_all()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/lists"

    def wait_for(self, pages: int, timeout: float = 60) -> bool:
        with self.received:
            return self.received.wait_for(lambda: self.pages >= pages, timeout=timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------- dialling


def dial(refs: list[str], *, seed: int = 1, attempts: int = 3, now=None) -> list[dict]:
    """The attempts the platform would report: per call, tries until connected (at most
    ``attempts``), each a payload of ``interfaces.md``'s fields."""
    rng = random.Random(seed)
    now = now or datetime.datetime.now(SHANGHAI).replace(microsecond=0)
    results, weights = zip(*OUTCOMES, strict=True)
    payloads = []
    for n, ref in enumerate(refs):
        call_id = f"SIM-{uuid.UUID(int=rng.getrandbits(128)).hex[:16]}"
        for attempt in range(1, attempts + 1):
            result = rng.choices(results, weights)[0]
            connected = result == "connected"
            started = now - datetime.timedelta(minutes=(attempts - attempt) * 30 + n % 30)
            payloads.append(
                {
                    "event_id": uuid.UUID(int=rng.getrandbits(128)).hex,
                    "call_id": call_id,
                    "task_ref": ref,
                    "started_at": started.isoformat(),
                    "duration_seconds": rng.randint(40, 300) if connected else 0,
                    "attempt": attempt,
                    "result": result,
                    "agent": f"坐席{rng.randint(1, 20):03d}",
                    "recording": (
                        {
                            "url": f"https://rec.example.com/{call_id}-{attempt}.mp3",
                            "sha256": hashlib.sha256(f"{call_id}{attempt}".encode()).hexdigest(),
                        }
                        if connected
                        else None
                    ),
                    # Most who answer confirm with key 1; some press 2.
                    "ivr": {"confirm": "1" if rng.random() < 0.8 else "2"} if connected else None,
                }
            )
            if connected:
                break
    return payloads


def post_results(
    base: str,
    key: str,
    secret: str,
    payloads: list[dict],
    *,
    duplicates: float = 0.0,
    seed: int = 1,
) -> dict:
    """Post every payload (and a ``duplicates`` share again), signed; the status counts."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from huifang.partners.client import SignedClient

    client = SignedClient(base, key, secret)
    rng = random.Random(seed)
    sent = list(payloads) + [p for p in payloads if rng.random() < duplicates]
    counts: dict[int, int] = {}
    for payload in sent:
        for _ in range(5):  # a platform retries a failed delivery with the same event_id
            try:
                status, _ = client.post(CALLS_PATH, payload)
            except OSError:
                status = 0
            if status and status < 500:
                break
            time.sleep(0.2)
        counts[status] = counts.get(status, 0) + 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="模拟外呼平台：读取外呼名单，回传签名的外呼结果")
    parser.add_argument("--base", required=True, help="Huifang 的地址，如 http://127.0.0.1:8000")
    parser.add_argument("--key", required=True)
    parser.add_argument("--secret", required=True)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--list", help="huifang callcenter push 写出的外呼名单文件")
    source.add_argument("--serve", type=int, help="在 127.0.0.1 的该端口接收推送的外呼名单")
    parser.add_argument("--pages", type=int, default=1, help="--serve 时等待的页数")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--attempts", type=int, default=3)
    parser.add_argument("--duplicates", type=float, default=0.1, help="重复回传的比例")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    if args.list:
        refs = read_list(args.list)
    else:
        receiver = PageReceiver(args.serve, args.key, args.secret)
        print(f"listening on {receiver.url}", flush=True)
        if not receiver.wait_for(args.pages, args.timeout):
            print(f"timed out after {receiver.pages} page(s)", file=sys.stderr)
            receiver.close()
            return 1
        refs = receiver.refs
        receiver.close()
    payloads = dial(refs, seed=args.seed, attempts=args.attempts)
    counts = post_results(
        args.base, args.key, args.secret, payloads, duplicates=args.duplicates, seed=args.seed
    )
    print(
        f"calls={len(refs)} attempts={len(payloads)} answers={json.dumps(counts, sort_keys=True)}"
    )
    return 0 if set(counts) <= {200, 201} else 1


if __name__ == "__main__":
    sys.exit(main())
