"""``huifang db_worker`` outlives a locked database: it waits, logs and carries on."""

from __future__ import annotations

import contextlib
import logging
import signal

import pytest
from django.core.management import call_command
from django.db.utils import OperationalError
from django_tasks_db.management.commands import db_worker as library

from huifang.core import jobs
from huifang.core.management.commands import db_worker
from huifang.core.models import Job


@jobs.job_handler("test.worker")
def worker_handler(ctx):
    return {"summary": "done"}


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


@pytest.fixture(autouse=True)
def _signals_restored():
    """The worker installs its SIGINT/SIGTERM handlers; other tests get the usual ones."""
    kept = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for number, handler in kept.items():
        signal.signal(number, handler)


@pytest.fixture
def locked_twice(monkeypatch):
    """Beginning the claim's transaction fails twice as SQLite does when another process
    holds the write lock past the busy timeout; the worker's waits are noted, not slept."""
    claim = library.exclusive_transaction
    failures = [OperationalError("database is locked")] * 2

    @contextlib.contextmanager
    def flaky(using=None):
        if failures:
            raise failures.pop()
        with claim(using):
            yield

    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        assert len(waits) <= 2, f"the worker keeps failing: waited {waits}"

    monkeypatch.setattr(library, "exclusive_transaction", flaky)
    monkeypatch.setattr(db_worker.time, "sleep", wait)
    return waits


@pytest.mark.django_db(transaction=True)  # the worker commits (and closes connections) itself
def test_the_worker_waits_out_a_locked_database_and_runs_the_job(
    personas, database_tasks, locked_twice, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start_job("test.worker", "任务", {}, user=personas["hq_admin"])
    with caplog.at_level(logging.WARNING, logger="django_tasks_db"):
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert locked_twice == [1.0, 2.0]  # backing off
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and "database is locked" in warnings[0]
    assert library.Worker is not db_worker.Worker  # the library is left as it was


def test_the_worker_never_waits_longer_than_a_minute(monkeypatch):
    worker = db_worker.Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="w",
        excluded_queue_names=[],
    )
    outcomes = [OperationalError("database is locked")] * 9
    waits: list[float] = []

    def run(self):
        if outcomes:
            raise outcomes.pop()

    monkeypatch.setattr(library.Worker, "run", run)
    monkeypatch.setattr(db_worker.time, "sleep", waits.append)
    monkeypatch.setattr(db_worker.connections, "close_all", lambda: None)
    worker.run()
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]
