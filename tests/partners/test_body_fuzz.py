"""Hypothesis fuzzing of the partner endpoints' bodies (issue 19; ``interfaces.md``,
"Partner integrations"): correctly signed requests whose bodies are a valid body with
some fields replaced by any JSON, dropped or added, or any JSON at all. The answer is never
a 5xx, and a refused body (4xx) writes nothing: no record, answer, call, receipt or event."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.callbacks.records.models import CallbackRecord
from huifang.channels.calls.models import CallAttempt
from huifang.channels.sms.models import SmsReceipt
from huifang.partners.models import PartnerEvent
from huifang.surveys import sending
from huifang.surveys.models import Invitation, Response
from tests.calls.conftest import business_type, make_task, reason  # noqa: F401
from tests.partners.helpers import SignedClient, make_partner
from tests.surveys.conftest import published  # noqa: F401

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["", "a\x00b", "2026-02-30T10:00:00", "9" * 40, "<x>", "成功"])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def bodies(valid: dict):
    """``valid`` with any of its fields replaced, dropped or joined by another — or any
    JSON value whatever."""
    changed = st.fixed_dictionaries(
        {},
        optional={key: JSON for key in valid} | {"extra": JSON},
    ).map(lambda new: {**valid, **new})
    dropped = st.sets(st.sampled_from(sorted(valid))).map(
        lambda gone: {k: v for k, v in valid.items() if k not in gone}
    )
    return changed | dropped | JSON


def written() -> tuple[int, ...]:
    return (
        CallbackRecord.objects.count(),
        Response.objects.count(),
        PartnerEvent.objects.count(),
        Invitation.objects.exclude(opened_at=None).count(),
        Invitation.objects.exclude(delivered_at=None).count(),
        CallAttempt.objects.count(),
        SmsReceipt.objects.count(),
    )


def check(client, partner, path, body):
    before = written()
    answer = SignedClient(client).post(partner, path, body)
    assert answer.status_code < 500, (path, body, answer.content[:300])
    if answer.status_code >= 400:
        assert written() == before, (path, body)
        refusal = answer.json()
        assert set(refusal) == {"code", "message", "errors"} and refusal["message"]
        # {field or question id: ["中文说明", …]} on every partner endpoint
        for messages in refusal["errors"].values():
            assert isinstance(messages, list) and messages, refusal
            assert all(isinstance(m, str) and m for m in messages), refusal


@pytest.fixture
def invitation(branches, published):  # noqa: F811
    from tests.surveys.invites import make_task as survey_task

    task = survey_task(branches["a1"], code="0088000001")
    sending.do_invite([task.pk], channel="apphall", actor=None)
    return Invitation.objects.get(task=task)


def test_app_hall_answers(client, invitation):
    partner = make_partner("掌厅", "apphall")[0]
    path = f"/api/v1/apphall/invitations/{invitation.code}/responses"
    valid = {
        "submission_id": "S1",
        "investor_code": invitation.customer.investor_code,
        "submitted_at": "2026-01-05T10:30:00+08:00",
        "answers": [{"question": "identity", "options": ["yes"]}],
    }

    @FUZZ
    @given(bodies(valid))
    def attempt(body):
        check(client, partner, path, body)

    attempt()


def test_app_hall_events(client, invitation):
    partner = make_partner("掌厅", "apphall")[0]
    path = f"/api/v1/apphall/invitations/{invitation.code}/events"
    valid = {"event_id": "EV1", "type": "opened", "at": "2026-01-05T10:30:00+08:00"}

    @FUZZ
    @given(bodies(valid))
    def attempt(body):
        check(client, partner, path, body)

    attempt()


def test_call_results(client, make_task, personas):  # noqa: F811
    from huifang.callbacks.models import CallbackTask
    from huifang.channels.calls.services import _refs

    task = make_task("a1")
    CallbackTask.objects.filter(pk=task.pk).update(assignee=personas["agent_a"])
    ref = _refs([task.pk])[task.pk]
    partner = make_partner("外呼平台", "callcenter")[0]
    valid = {
        "event_id": "E1",
        "call_id": "C1",
        "task_ref": ref,
        "started_at": "2026-01-05T10:30:00+08:00",
        "duration_seconds": 35,
        "attempt": 1,
        "result": "no_answer",
        "agent": "坐席007",
        "recording": None,
        "ivr": None,
    }

    @FUZZ
    @given(bodies(valid))
    def attempt(body):
        check(client, partner, "/api/v1/callcenter/calls", body)

    attempt()


def test_sms_receipts(client, db):
    partner = make_partner("短信网关", "sms")[0]
    valid = {
        "event_id": "R1",
        "message": 1,
        "provider_message_id": "P1",
        "status": "delivered",
        "code": "DELIVRD",
        "at": "2026-01-05T10:30:00+08:00",
    }

    @FUZZ
    @given(bodies(valid))
    def attempt(body):
        check(client, partner, "/api/v1/sms/receipts", body)

    attempt()
