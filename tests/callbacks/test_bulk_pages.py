"""The bulk pages: 分配 to the agent who already holds the tasks (nothing rewritten, said
so); the confirmation names the tasks (first 50, 等 N 条)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from huifang.callbacks import services
from huifang.callbacks.models import CallbackTask
from huifang.core.models import AuditEvent
from tests.callbacks.conftest import make_customer, make_run

pytestmark = pytest.mark.django_db
BULK = "/callbacks/tasks/bulk/"


@pytest.fixture
def held(branches, personas, annual):
    """Three 北京 tasks: two already agent_a's, one unassigned."""
    people = [make_customer(branches["a1"], code=f"0101000{n}") for n in (1, 2, 3)]
    services.do_create_batch(
        make_run({p: ["A003"] for p in people}), annual, actor=personas["hq_admin"]
    )
    ids = [CallbackTask.objects.get(customer=p).pk for p in people]
    services.do_assign(ids[:2], personas["agent_a"], actor=personas["hq_admin"])
    return ids


def assign(client, ids, agent):
    response = client.post(
        BULK, {"action": "assign", "pk": ids, "confirmed": "1", "agent": agent.pk}
    )
    assert response.status_code == 302
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_assigning_to_the_same_agent_writes_no_history(client_for, held, personas):
    before = AuditEvent.objects.filter(action="assign").count()

    said = assign(client_for("manager_a"), held[:2], personas["agent_a"])

    assert AuditEvent.objects.filter(action="assign").count() == before
    assert said == ["所选 2 条任务已由 agent_a 负责，未做修改"]


def test_only_the_tasks_that_change_hands_are_reassigned(client_for, held, personas):
    said = assign(client_for("manager_a"), held, personas["agent_a"])

    events = AuditEvent.objects.filter(action="assign").order_by("-pk")
    assert events[0].object_id == str(held[2])
    assert events.filter(object_id__in=[str(i) for i in held[:2]]).count() == 2  # the first ones
    assert said == ["已将 1 条任务分配给 agent_a；2 条原本已由其负责，未做修改"]
    assert CallbackTask.objects.filter(pk__in=held, assignee=personas["agent_a"]).count() == 3


@pytest.mark.parametrize("action", ["cancel", "assign"])
def test_the_confirmation_lists_the_tasks(client_for, held, action):
    response = client_for("manager_a").post(BULK, {"action": action, "pk": held})

    body = response.content.decode()
    listed = body[body.index('id="bulk-tasks"') :]
    for pk in held:
        task = CallbackTask.objects.select_related("customer").get(pk=pk)
        assert task.customer.investor_code in listed
        assert task.customer.name in listed
        assert f"#{pk}" in listed
    assert "等 3 条" not in listed


def test_the_confirmation_names_the_first_ones_and_counts_the_rest(client_for, held, monkeypatch):
    monkeypatch.setattr("huifang.callbacks.views.BULK_LISTED", 2)
    response = client_for("manager_a").post(BULK, {"action": "cancel", "pk": held})

    body = response.content.decode()
    assert f"#{held[1]}" in body and f"#{held[2]}</a>" not in body
    assert "等 3 条" in body
