"""An integration registers a callback record as itself (issue 15): the record keeps the
agent who made the call, "registered by" is the partner, the audit rows name the partner."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from huifang.callbacks.records import services
from huifang.callbacks.records.models import BranchFeedback, CallbackRecord
from huifang.core.actors import Actor
from huifang.core.models import AuditEvent

CALL_CENTER = Actor.partner("外呼平台")


def test_a_partner_registers_a_record_for_the_agent_who_called(task, personas, content):
    agent = personas["agent_a"]
    record = services.do_create_record(task, content(), actor=CALL_CENTER, agent=agent)
    assert (record.agent, record.created_by, record.created_via) == (
        agent,
        None,
        "partner:外呼平台",
    )
    assert record.registered_by == "对接方 外呼平台"
    task.refresh_from_db()
    assert task.status == "completed"
    events = AuditEvent.objects.filter(action__in=["record_create", "task_complete"])
    assert {(e.action, e.user, e.actor_label) for e in events} == {
        ("record_create", None, "partner:外呼平台"),
        ("task_complete", None, "partner:外呼平台"),
    }


def test_a_partner_must_name_the_agent_and_nothing_is_written(task, content):
    with pytest.raises(ValidationError, match="回访人"):
        services.do_create_record(task, content(), actor=CALL_CENTER)
    assert not CallbackRecord.objects.exists()


def test_a_person_registering_is_the_agent_and_the_registrar(task, personas, content):
    agent = personas["agent_a"]
    record = services.do_create_record(task, content(), actor=agent)
    assert (record.agent, record.created_by, record.registered_by) == (
        agent,
        agent,
        agent.display_name,
    )


def test_the_record_page_shows_the_partner_as_registrar(task, personas, content, client_for):
    record = services.do_create_record(
        task, content(), actor=CALL_CENTER, agent=personas["agent_a"]
    )
    body = client_for("hq_admin").get(f"/records/{record.pk}/").content.decode()
    assert "对接方 外呼平台" in body


def test_a_partners_final_failure_notifies_the_branch_from_the_partner(
    task, personas, content, reason
):
    values = content(status="failure", failure_reason=reason("空号/号码错误"))
    record = services.do_create_record(task, values, actor=CALL_CENTER, agent=personas["agent_a"])
    feedback = BranchFeedback.objects.get(record=record)
    assert feedback.created_by is None
    event = AuditEvent.objects.get(action="feedback", object_id=str(feedback.pk))
    assert (event.user, event.actor_label) == (None, "partner:外呼平台")
