"""The drain reschedules itself for the earliest pending delivery, once (a queue that
can defer tasks: django-tasks' dummy backend stands in for the database queue)."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_tasks import default_task_backend

from huifang.partners import tasks
from huifang.partners.models import Delivery
from tests.partners.helpers import make_partner

pytestmark = pytest.mark.django_db


@pytest.fixture
def deferring_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    cache.delete(tasks.SCHEDULED_KEY)
    default_task_backend.clear()
    yield default_task_backend
    default_task_backend.clear()


def _pending(minutes: float) -> Delivery:
    partner = make_partner(url="https://a.example.com/h")[0]
    return Delivery.objects.create(
        partner=partner,
        topic="t",
        event_id=f"{int(minutes * 1000):032d}",
        payload={},
        next_attempt_at=timezone.now() + datetime.timedelta(minutes=minutes),
    )


def test_a_later_delivery_schedules_one_deferred_drain(deferring_queue):
    due = _pending(5)
    tasks.reschedule()
    tasks.reschedule()
    [result] = deferring_queue.results
    assert result.task.run_after > due.next_attempt_at
    assert result.task.run_after - due.next_attempt_at <= datetime.timedelta(seconds=2)


def test_nothing_pending_schedules_nothing(deferring_queue):
    tasks.reschedule()
    assert deferring_queue.results == []
