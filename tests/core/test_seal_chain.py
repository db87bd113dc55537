"""The worker seals the audit log by itself: ``core.tasks.seal_audit`` seals the rows not
sealed yet and queues its next pass (never two waiting at once); the worker queues the
first when it starts; ``HUIFANG_AUDIT_SEAL_MINUTES=0`` leaves sealing to cron."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from huifang.core import audit, tasks
from huifang.core.audit_actions import CoreAction
from huifang.core.models import AuditSeal
from tests.conftest import waiting

pytestmark = pytest.mark.django_db


def queued():
    return waiting(tasks.seal_audit)


def test_the_next_pass_is_queued_once_every_interval(database_queue, settings):
    settings.AUDIT_SEAL_MINUTES = 5
    now = timezone.now()

    assert tasks.ensure_seal_tick(now) is True
    assert tasks.ensure_seal_tick(now) is False

    assert queued().get().run_after == now + datetime.timedelta(minutes=5)


def test_zero_minutes_leaves_sealing_to_cron(database_queue, settings):
    settings.AUDIT_SEAL_MINUTES = 0

    assert tasks.ensure_seal_tick() is False
    assert not queued().exists()


def test_the_pass_seals_rows_older_than_the_grace(monkeypatch):
    audit.record(CoreAction.SEED, object_type="test", object_id="1", message="一行")
    later = timezone.now() + datetime.timedelta(minutes=5)
    monkeypatch.setattr("huifang.core.audit_chain.timezone.now", lambda: later)

    result = tasks.seal_audit.enqueue()

    assert result.return_value == AuditSeal.objects.count() >= 1


def test_a_pass_queues_its_successor(database_queue, settings):
    settings.AUDIT_SEAL_MINUTES = 5
    tasks.seal_audit.call()

    assert queued().count() == 1


def test_the_worker_queues_the_first_pass_when_it_starts(database_queue, settings, monkeypatch):
    from django_tasks_db.management.commands import db_worker as library

    from huifang.core.management.commands.db_worker import Command

    settings.AUDIT_SEAL_MINUTES = 5
    monkeypatch.setattr(library.Command, "handle", lambda self, *args, **options: None)

    Command().handle()

    assert queued().count() == 1
