"""Two batch creations at the same moment for overlapping runs (real threads, real
transactions): never two open tasks of one type for one customer."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from huifang.callbacks import services
from huifang.callbacks.models import BusinessType, CallbackTask
from tests.callbacks.conftest import make_customer, make_run


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_batches_for_overlapping_runs_never_duplicate(branches, personas):
    annual = BusinessType.objects.get(name="年度适当性回访")
    shared = [make_customer(branches["a1"]) for _ in range(20)]
    runs = [
        make_run({c: ["A003"] for c in shared}),
        make_run({c: ["A002"] for c in shared}),
    ]
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def create(run):
        try:
            barrier.wait()
            outcomes.append(services.do_create_batch(run, annual, actor=personas["hq_admin"]))
        except Exception as exc:  # SQLite may answer "database is locked": a clean refusal
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    created = [o for o in outcomes if isinstance(o, services.BatchResult)]
    assert created, outcomes
    assert CallbackTask.objects.filter(status__in=["new", "in_progress"]).count() == len(shared)
    for customer in shared:
        assert CallbackTask.objects.filter(customer=customer).count() == 1
    if len(created) == 2:  # both went through: the later one merged everything
        assert sorted(r.batch.merged_count for r in created) == [0, len(shared)]
