"""Step 5 at the benchmark's size: the dashboard's first render (in-process, through the
page's own view, for the HQ admin and a branch manager, and for the HQ admin filtered to
the screening batch), ``huifang report progress`` and
each compliance check (``reports.compliance``), timed one by one.

Runs after the workflow steps, so the database holds the existing tasks (one per
customer), the batch and two records per task: at 1,000,000 customers the issue's 1M tasks
and 2M records. Checked while timed: the dashboard's 任务总数 equals a plain COUNT of the
tasks the task list shows the user under the same filters.
"""

from __future__ import annotations

import time

from measure import Skipped

KEYS = (
    "dashboard_hq",
    "dashboard_manager",
    "dashboard_batch",
    "report_progress",
    "compliance_checks",
)


def dashboard_steps(state) -> dict:
    from django.core.cache import cache
    from django.test import Client

    from huifang.reports import compliance, figures

    state.need("hq", "manager", "batch")
    steps: dict = {}
    runs = (
        ("dashboard_hq", state.hq, figures.Filters()),
        ("dashboard_manager", state.manager, figures.Filters()),
        ("dashboard_batch", state.hq, figures.Filters(batch=state.batch)),
    )
    for key, user, filters in runs:
        cache.clear()
        client = Client(SERVER_NAME="localhost")
        client.force_login(user)
        started = time.perf_counter()
        response = client.get("/reports/", filters.task_params())
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise Skipped(f"the dashboard answered {response.status_code}")
        total = figures.totals(user, filters).figures["total"]  # what it showed
        expected = figures.scoped_tasks(user, filters).count()  # the task list's rows
        if total != expected:
            raise AssertionError(f"dashboard total {total} != COUNT {expected} for {user}")
        steps[key] = {"seconds": seconds, "note": f"{total:,} tasks"}
    started = time.perf_counter()
    rows = figures.progress_rows(None, figures.Filters())
    steps["report_progress"] = {
        "seconds": time.perf_counter() - started,
        "note": f"{len(rows)} branches",
    }
    timings = []
    for name in compliance.REGISTRY:
        started = time.perf_counter()
        # The whole list, as the command and an export stream it (a page reads 50 rows).
        found = list(compliance.get(name).findings(None, compliance.Period()))
        timings.append((time.perf_counter() - started, name, len(found)))
        print(f"compliance {name}: {timings[-1][0]:.2f} s, {len(found):,} findings", flush=True)
    slowest = max(timings)
    steps["compliance_checks"] = {
        "seconds": sum(t for t, _, _ in timings),
        "note": (
            f"{len(timings)} checks; slowest {slowest[1]} {slowest[0]:.2f} s "
            f"({slowest[2]:,} findings): " + ", ".join(f"{name} {t:.2f}" for t, name, _ in timings)
        ),
    }
    return steps
