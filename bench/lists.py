"""List-page response times: a real server (gunicorn, one worker, DEBUG off) on a free
loopback port against the benchmark's database, sessions logged in through the login page,
each list URL requested repeatedly (p50/p95 over the timed requests, after warm-up).

Afterwards each URL is rendered once more in-process with the query log on, so the table
can say how many queries a page takes and stdout can name the slowest one.
"""

from __future__ import annotations

import http.cookiejar
import math
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

WARMUP = 2
STARTUP_SECONDS = 60


def requests_for(size: int) -> int:
    """Timed requests per URL: 30, fewer at toy sizes (the smoke test)."""
    return 30 if size >= 1000 else 5


@dataclass(frozen=True)
class Page:
    key: str
    who: str  # "hq" | "manager" | "agent"
    path: str
    params: dict


def pages(state) -> list[Page]:
    """The realistic filters of the issue: branch + status, agent, batch; and an agent's
    landing page (their own open tasks)."""
    from huifang.callbacks.records.choices import RecordStatus

    state.need("hq", "manager", "agent", "region", "batch")
    batch = state.batch.number
    return [
        Page("list_tasks_branch", "hq", "/callbacks/tasks/",
             {"branch": state.region.pk, "status": "open"}),
        Page("list_tasks_assignee", "manager", "/callbacks/tasks/",
             {"assignee": state.agent.pk, "status": "open"}),
        Page("list_tasks_batch", "hq", "/callbacks/tasks/", {"batch": batch}),
        Page("list_tasks_mine", "agent", "/callbacks/tasks/", {}),
        Page("list_records_branch", "hq", "/records/",
             {"branch": state.region.code, "status": RecordStatus.FAILURE.value}),
        Page("list_records_agent", "manager", "/records/", {"agent": state.agent.username}),
        Page("list_records_batch", "hq", "/records/", {"batch": batch}),
    ]  # fmt: skip


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``gunicorn huifang.wsgi`` on 127.0.0.1 with this worker's environment (same data
    directory and database), stopped (terminate, then kill) when the block ends."""

    def __init__(self, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        env = {
            **os.environ,
            "HUIFANG_DEBUG": "0",
            "HUIFANG_ALLOWED_HOSTS": "127.0.0.1",
            "HUIFANG_LOG_LEVEL": "WARNING",
        }
        command = [
            sys.executable, "-m", "gunicorn", "huifang.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "1",
            "--timeout", "300", "--log-level", "warning",
        ]  # fmt: skip
        with self.log.open("wb") as handle:
            self.process = subprocess.Popen(
                command, env=env, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited ({self.process.returncode}): {self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not answer within {STARTUP_SECONDS} s: {self.tail()}")

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)

    def tail(self) -> str:
        try:
            lines = self.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        except OSError:
            return ""
        return " / ".join(lines[-3:])[:300]


class Session:
    """A browser session: cookies, a login through the login form, timed GETs."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def login(self, username: str, password: str) -> None:
        with self.opener.open(f"{self.base}/login/", timeout=60) as response:
            page = response.read().decode("utf-8", errors="replace")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not token:
            raise RuntimeError("login page without a CSRF token")
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token[1]}
        ).encode()
        with self.opener.open(f"{self.base}/login/", data=data, timeout=60) as response:
            response.read()
            if urllib.parse.urlparse(response.geturl()).path.startswith("/login/"):
                raise RuntimeError(f"login as {username} refused")

    def get(self, url: str) -> float:
        """Milliseconds for the whole response; a redirect (to login) or an error raises."""
        started = time.perf_counter()
        with self.opener.open(f"{self.base}{url}", timeout=300) as response:
            body = response.read()
            final = response.geturl()
        elapsed = (time.perf_counter() - started) * 1000
        if urllib.parse.urlparse(final).path != urllib.parse.urlparse(url).path:
            raise RuntimeError(f"{url} redirected to {final}")
        if b"<table" not in body:
            raise RuntimeError(f"{url} answered without a table")
        return elapsed


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def url_of(page: Page) -> str:
    return page.path + ("?" + urllib.parse.urlencode(page.params) if page.params else "")


def matching_rows(page: Page, user) -> int:
    """Rows the page's filter matches for ``user`` (the product's own FilterSet)."""
    from huifang.callbacks.filtersets import ME, TaskFilterSet
    from huifang.callbacks.models import CallbackTask
    from huifang.callbacks.records.filtersets import RecordFilterSet
    from huifang.callbacks.records.models import CallbackRecord

    if page.path.startswith("/records/"):
        model, filterset = CallbackRecord, RecordFilterSet
    else:
        model, filterset = CallbackTask, TaskFilterSet
    data = {k: str(v) for k, v in page.params.items()} or {"assignee": ME, "status": "open"}
    request = SimpleNamespace(user=user, GET=data)
    return filterset(
        data=data, queryset=model.objects.restrict(user, "view"), request=request
    ).qs.count()


def short_sql(sql: str) -> str:
    """One line, the select list elided (the FROM / WHERE / ORDER BY is what matters)."""
    text = " ".join(sql.split())
    text = re.sub(r"^SELECT (?:DISTINCT )?.{120,}? FROM ", "SELECT … FROM ", text)
    return text[:700]


def query_profile(page: Page, user) -> dict:
    """Render the page once in-process with the query log on: how many queries, their
    total time, the render time, and the slowest query."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # whitenoise: no collected static directory
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url_of(page))
            render_ms = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        return {"queries": None}
    queries = [(float(q.get("time") or 0), q["sql"]) for q in captured.captured_queries]
    slowest = max(queries, default=(0.0, ""))
    return {
        "queries": len(queries),
        "sql_ms": sum(t for t, _ in queries) * 1000,
        "render_ms": render_ms,
        "slowest_ms": slowest[0] * 1000,
        "slowest_sql": short_sql(slowest[1]),
    }


def list_steps(state, size: int, password: str) -> dict:
    from django.conf import settings

    from huifang.core import audit

    chosen = pages(state)
    users = {"hq": state.hq, "manager": state.manager, "agent": state.agent}
    count = requests_for(size)
    out: dict = {}
    log = Path(settings.DATA_DIR) / "bench-server.log"
    with Server(log) as server:
        sessions = {}
        for who, user in users.items():
            sessions[who] = Session(server.url)
            sessions[who].login(user.username, password)
        for page in chosen:
            try:
                url = url_of(page)
                for _ in range(WARMUP):
                    sessions[page.who].get(url)
                times = [sessions[page.who].get(url) for _ in range(count)]
                out[page.key] = {
                    "p50_ms": percentile(times, 0.5),
                    "p95_ms": percentile(times, 0.95),
                    "requests": count,
                }
            except Exception as exc:
                out[page.key] = {"note": f"failed: {type(exc).__name__}: {str(exc)[:200]}"}
    with audit.acting(label="command:bench"):
        for page in chosen:
            step = out[page.key]
            user = users[page.who]
            try:
                step["rows"] = matching_rows(page, user)
                if "p95_ms" in step:
                    step.update(query_profile(page, user))
            except Exception as exc:  # the timing stands; the profile is extra
                step.setdefault("note", f"profile failed: {type(exc).__name__}: {exc}"[:200])
            if "p95_ms" in step:
                print(
                    f"{page.key} ({page.who}, {url_of(page)}): {step['rows']} rows, "
                    f"p50 {step['p50_ms']:.0f} ms, p95 {step['p95_ms']:.0f} ms, "
                    f"{step.get('queries')} queries ({step.get('sql_ms', 0):.0f} ms SQL of "
                    f"{step.get('render_ms', 0):.0f} ms in-process); "
                    f"slowest {step.get('slowest_ms', 0):.1f} ms: "
                    f"{step.get('slowest_sql', '')}",
                    flush=True,
                )
    return out
