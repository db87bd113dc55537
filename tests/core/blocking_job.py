"""A job kind for the kill tests: it says it started (stdout) and then waits forever, so
a test knows the job is running when it kills the worker."""

from __future__ import annotations

import sys
import threading

from huifang.core import jobs

KIND = "test.block"


@jobs.job_handler(KIND)
def block(ctx) -> dict:
    sys.stdout.write(f"started {ctx.job.pk}\n")
    sys.stdout.flush()
    threading.Event().wait()  # until the test kills the process
    return {}


def enqueue() -> int:
    """Queue one such job (committed) and return its id."""
    from django.db import transaction

    with transaction.atomic():
        job = jobs.start_job(KIND, "阻塞的测试任务", {})
    return job.pk
