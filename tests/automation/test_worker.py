"""The worker's tick: a django-tasks task that runs what is due and queues its successor
with ``run_after``; never two waiting at once."""

from __future__ import annotations

import datetime

from huifang.automation import tasks
from huifang.automation.models import PlanRun
from tests.conftest import waiting

from .conftest import beijing, set_active_since

D = datetime.date


def queued():
    return waiting(tasks.tick_plans)


def test_ensure_tick_queues_one_deferred_tick_for_the_next_occurrence(make_plan, database_queue):
    plan = make_plan(run_time=datetime.time(23, 59))
    now = beijing(D(2025, 12, 31), 23, 55)
    set_active_since(plan, beijing(D(2025, 12, 31), 9))

    assert tasks.ensure_tick(now) is True
    assert tasks.ensure_tick(now) is False

    [next_tick] = queued()
    assert next_tick.run_after == beijing(D(2025, 12, 31), 23, 59)


def test_without_a_plan_the_tick_still_wakes_within_the_longest_sleep(db, database_queue):
    now = beijing(D(2025, 12, 31), 12)

    tasks.ensure_tick(now)

    assert queued().get().run_after == now + tasks.LONGEST_SLEEP


def test_saving_a_plan_queues_the_tick(
    make_plan, database_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_plan()

    assert queued().count() == 1


def test_the_immediate_backend_of_tests_queues_nothing(db):
    assert tasks.ensure_tick() is False


def test_the_tick_task_runs_due_occurrences_as_the_worker(make_plan, elderly, monkeypatch):
    from huifang.core.models import AuditEvent

    plan = set_active_since(make_plan(), beijing(D(2025, 12, 30), 21))
    monkeypatch.setattr(
        "huifang.automation.services.timezone.now", lambda: beijing(D(2025, 12, 31), 21)
    )

    result = tasks.tick_plans.enqueue()

    assert result.return_value == 1
    assert PlanRun.objects.get(plan=plan).occurrence == D(2025, 12, 31)
    assert AuditEvent.objects.get(action="plan_run").actor_label == tasks.LABEL
