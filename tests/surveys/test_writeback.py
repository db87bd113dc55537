"""The one write-back (do_submit_response) beyond the API and the H5 page: offline entry
with an agent, refusals that write nothing, masked notes in the audit log, scoping."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records.models import CallbackRecord
from huifang.core.models import AuditEvent
from huifang.surveys import sending
from huifang.surveys.models import Invitation, Response
from huifang.surveys.writeback import InvitationClosed, do_submit_response
from tests.surveys.invites import make_task


def invite(task, channel="offline"):
    sending.do_invite([task.pk], channel=channel, actor=None)
    return Invitation.objects.get(task=task, channel=channel)


@pytest.fixture
def offline(branches, published, personas):
    """An offline invitation of a task assigned to agent_a (an agent enters her own)."""
    return invite(make_task(branches["a1"], assignee=personas["agent_a"]))


def test_offline_entry_records_the_agent(offline, personas):
    response = do_submit_response(
        offline,
        {"answers": [{"question": "identity", "options": ["yes"]}]},
        channel="offline",
        actor=personas["agent_a"],
    )
    record = response.record
    assert record.method == "offline" and record.agent == personas["agent_a"]
    assert response.submission_id.startswith("offline-")


def test_another_channels_answers_are_refused(offline):
    with pytest.raises(ValidationError) as refused:
        do_submit_response(offline, {"answers": []}, channel="h5", actor=None)
    assert "channel" in refused.value.error_dict
    assert not CallbackRecord.objects.exists()


def test_a_closed_task_takes_no_answers(offline):
    CallbackTask.objects.filter(pk=offline.task_id).update(status="cancelled")
    with pytest.raises(InvitationClosed) as refused:
        do_submit_response(
            offline,
            {"answers": [{"question": "identity", "options": ["yes"]}]},
            channel="offline",
            actor=None,
        )
    assert refused.value.status == 409
    assert not Response.objects.exists()


def test_an_agent_of_another_branch_is_refused(offline, personas):
    with pytest.raises(PermissionDenied):
        do_submit_response(offline, {"answers": []}, channel="offline", actor=personas["agent_b"])


def test_notes_and_texts_are_masked_in_the_audit_log(offline, personas):
    do_submit_response(
        offline,
        {
            "answers": [
                {"question": "identity", "options": ["no"], "note": "我女儿帮我开的户"},
                {"question": "opinion", "text": "电话 13800000000"},
            ]
        },
        channel="offline",
        actor=personas["agent_a"],
    )
    event = AuditEvent.objects.get(action="response_submit")
    assert "我女儿" not in str(event.after) and "13800000000" not in str(event.after)
    assert Response.objects.get().answers[0]["note"] == "我女儿帮我开的户"


def test_a_branch_user_sees_only_its_branchs_responses(branches, personas, published):
    mine, theirs = invite(make_task(branches["a1"])), invite(make_task(branches["b1"]))
    for invitation in (mine, theirs):
        do_submit_response(
            invitation,
            {"answers": [{"question": "identity", "options": ["yes"]}]},
            channel="offline",
            actor=personas["hq_admin"],
        )
    visible = Response.objects.restrict(personas["manager_a"], "view")
    assert list(visible.values_list("invitation", flat=True)) == [mine.pk]
