"""外呼 fixtures: tasks (from the records tests' builders), a call-center partner, pushed
task refs and call-result payloads."""

from __future__ import annotations

import datetime
import itertools

import pytest

from tests.records.conftest import business_type, make_task, reason  # noqa: F401

PATH = "/api/v1/callcenter/calls"
_events = itertools.count(1)


@pytest.fixture
def callcenter(make_partner):
    partner, _ = make_partner("外呼平台", "callcenter")
    return partner


@pytest.fixture
def pushed(make_task, personas):  # noqa: F811  (the imported fixture)
    """``pushed("a1", assignee=True)`` → (task, task_ref): an open task assigned to the
    branch's agent (unless ``assignee=False``) whose ref exists, as after a push."""
    from huifang.callbacks.models import CallbackTask
    from huifang.channels.calls.services import _refs

    def build(branch_key: str = "a1", *, assignee: bool = True):
        task = make_task(branch_key, assignee=None)
        if assignee:
            agent = personas["agent_a" if branch_key == "a1" else "agent_b"]
            CallbackTask.objects.filter(pk=task.pk).update(assignee=agent)
            task.refresh_from_db()
        return task, _refs([task.pk])[task.pk]

    return build


@pytest.fixture
def call():
    """``call(task_ref, result="no_answer", attempt=1, **fields)`` → a webhook payload."""
    from django.utils import timezone

    def build(task_ref: str, result: str = "no_answer", attempt: int = 1, **fields) -> dict:
        n = next(_events)
        started = timezone.now() - datetime.timedelta(hours=2) + datetime.timedelta(minutes=attempt)
        payload = {
            "event_id": f"E{n:08d}",
            "call_id": f"C{n:08d}",
            "task_ref": task_ref,
            "started_at": started.replace(microsecond=0).isoformat(),
            "duration_seconds": 35,
            "attempt": attempt,
            "result": result,
            "agent": "坐席007",
            "recording": None,
            "ivr": None,
        }
        payload.update(fields)
        return payload

    return build


@pytest.fixture
def post_call(signed_client, callcenter):
    def send(payload, **options):
        return signed_client.post(callcenter, PATH, payload, **options)

    return send
