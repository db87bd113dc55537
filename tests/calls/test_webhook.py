"""``POST /api/v1/callcenter/calls``: signed, idempotent on event_id and on call_id +
attempt, 404 for an unknown task_ref, 422 by field, nothing written on a refusal."""

from __future__ import annotations

import time

import pytest

from huifang.channels.calls.models import CallAttempt
from huifang.core.models import AuditEvent
from huifang.partners.models import PartnerEvent
from tests.calls.conftest import PATH


def _writes():
    return CallAttempt.objects.count(), AuditEvent.objects.count(), PartnerEvent.objects.count()


@pytest.mark.django_db
def test_a_signed_result_is_stored_and_answered_201(pushed, call, post_call):
    task, ref = pushed()
    response = post_call(call(ref, "busy", agent="坐席1"))
    assert response.status_code == 201, response.content
    body = response.json()
    stored = CallAttempt.objects.get(pk=body["call"])
    assert (stored.task, stored.result, stored.agent, stored.source) == (
        task,
        "busy",
        "坐席1",
        "webhook",
    )
    assert stored.payload["task_ref"] == ref
    assert body["record"] == stored.record_id is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "options, code",
    [
        ({"secret": "wrong-secret"}, "bad_signature"),
        ({"key": "hf_unknown"}, "unknown_key"),
        ({"headers": {"X-Huifang-Signature": None}}, "bad_signature"),
        ({"now": int(time.time()) - 3600}, "stale_timestamp"),
    ],
)
def test_a_bad_signature_is_401_and_writes_nothing(pushed, call, post_call, options, code):
    _, ref = pushed()
    before = _writes()
    response = post_call(call(ref), **options)
    assert response.status_code == 401
    assert response.json()["code"] == code
    assert _writes() == before


@pytest.mark.django_db
def test_another_kind_of_partner_is_403(pushed, call, signed_client, make_partner):
    _, ref = pushed()
    apphall, _ = make_partner("掌厅", "apphall")
    response = signed_client.post(apphall, PATH, call(ref))
    assert response.status_code == 403
    assert not CallAttempt.objects.exists()


@pytest.mark.django_db
def test_the_same_event_id_again_answers_200_with_the_same_body_and_writes_once(
    pushed, call, post_call
):
    _, ref = pushed()
    payload = call(ref, "no_answer")
    first = post_call(payload)
    writes = _writes()
    again = post_call(payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert _writes() == writes
    assert CallAttempt.objects.count() == 1


@pytest.mark.django_db
def test_the_same_call_and_attempt_under_a_new_event_id_is_stored_once(pushed, call, post_call):
    _, ref = pushed()
    payload = call(ref, "no_answer")
    first = post_call(payload)
    again = post_call({**payload, "event_id": "another"})
    assert again.status_code == 200
    assert again.json() == first.json()
    assert CallAttempt.objects.count() == 1


@pytest.mark.django_db
def test_an_unknown_task_ref_is_404_and_writes_nothing(pushed, call, post_call):
    pushed()
    before = _writes()
    response = post_call(call("T9999999999"))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "task_ref" in response.json()["errors"]
    assert _writes() == before


@pytest.mark.django_db
def test_bad_fields_are_422_by_field_and_write_nothing(pushed, call, post_call):
    _, ref = pushed()
    before = _writes()
    response = post_call(
        call(
            ref,
            "hung_up",
            attempt=0,
            duration_seconds=-1,
            started_at="yesterday",
            recording={"url": "https://rec.example.com/1.mp3", "sha256": "xyz"},
        )
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"result", "attempt", "duration_seconds", "started_at", "recording"}
    assert _writes() == before


@pytest.mark.django_db
def test_a_missing_event_id_is_422(pushed, call, post_call):
    _, ref = pushed()
    payload = call(ref)
    del payload["event_id"]
    response = post_call(payload)
    assert response.status_code == 422
    assert "event_id" in response.json()["errors"]


@pytest.mark.django_db
def test_a_result_is_audited_with_the_partner_as_actor(pushed, call, post_call):
    _, ref = pushed()
    post_call(call(ref, "busy"))
    event = AuditEvent.objects.get(action="call_receive")
    assert event.actor_label == "partner:外呼平台"


@pytest.mark.django_db
def test_an_earlier_attempt_arriving_late_is_listed_in_attempt_order(
    pushed, call, post_call, personas
):
    from huifang.channels.calls.task_section import task_calls

    task, ref = pushed()
    post_call(call(ref, "no_answer", attempt=2, call_id="C-1"))
    post_call(call(ref, "busy", attempt=1, call_id="C-1"))
    rows = list(task_calls(task, personas["agent_a"]).values_list("attempt", flat=True))
    assert rows == [1, 2]


@pytest.mark.django_db
def test_a_method_the_endpoint_does_not_take_is_a_405_said_once(signed_client, make_partner):
    partner, _ = make_partner("外呼平台", "callcenter")
    response = signed_client.get(partner, PATH)

    assert response.status_code == 405
    assert response.json()["message"] == "方法 “GET” 不被允许。"
