"""The reminders' own chain in the worker: ``tick_notifications`` runs the pass as
``job:站内消息`` and queues its successor (never two waiting at once)."""

from __future__ import annotations

import datetime

import pytest

from huifang.automation import tasks
from huifang.automation.models import Notification
from huifang.core.models import AuditEvent
from tests.conftest import DB_QUEUE, waiting
from tests.surveys.invites import make_task

from .conftest import beijing

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 1, 5)


def queued():
    return waiting(tasks.tick_notifications)


def test_the_next_pass_is_queued_once_for_the_next_reminder(settings, branches, personas):
    settings.TASKS = DB_QUEUE
    make_task(branches["a1"], assignee=personas["agent_a"], appointment_at=beijing(DAY, 14, 31))
    now = beijing(DAY, 14, 15)

    assert tasks.ensure_notice_tick(now) is True
    assert tasks.ensure_notice_tick(now) is False
    assert queued().get().run_after == beijing(DAY, 14, 16)


def test_the_pass_runs_as_the_worker(branches, personas, monkeypatch):
    make_task(branches["a1"], assignee=personas["agent_a"], deadline=DAY - datetime.timedelta(1))
    monkeypatch.setattr("huifang.automation.reminders.timezone.now", lambda: beijing(DAY, 9, 0))

    result = tasks.tick_notifications.enqueue()

    assert result.return_value == Notification.objects.count() == 2  # agent + manager
    assert AuditEvent.objects.get(action="notify").actor_label == tasks.NOTICE_LABEL
