"""SQLite's PRAGMA optimize runs where SQLite advises (``core.dbstats``): after each task of
the worker (a connection that lives long) and once at the end of ``huifang migrate``."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.management.commands import db_worker as library

from huifang.core import apps as core_apps
from huifang.core import dbstats
from huifang.core.management.commands.db_worker import Worker


@pytest.fixture
def optimized(monkeypatch) -> list[str]:
    calls: list[str] = []
    monkeypatch.setattr(dbstats, "optimize", lambda using="default": calls.append(using))
    return calls


def test_the_worker_optimizes_after_each_task_even_a_failed_one(monkeypatch, optimized):
    def fail(self, task_result):
        raise RuntimeError("the task broke")

    monkeypatch.setattr(library.Worker, "run_task", fail)
    worker = Worker.__new__(Worker)

    with pytest.raises(RuntimeError):
        worker.run_task(object())

    assert optimized == ["default"]


def test_migrate_optimizes_once_after_the_last_app(optimized):
    configs = [config for config in apps.get_app_configs() if config.models_module]
    for config in configs:
        core_apps._optimize_after_migrate(sender=config, app_config=config, using="default")
    assert optimized == ["default"]


@pytest.mark.django_db
def test_optimize_on_sqlite_runs_the_pragma_with_the_analysis_limit():
    with CaptureQueriesContext(connection) as queries:
        dbstats.optimize()
    run = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    expected = ["PRAGMA analysis_limit = 1000", "PRAGMA optimize"]
    assert run == (expected if connection.vendor == "sqlite" else [])
