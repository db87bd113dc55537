"""What one call result costs the database, and the one-statement look-up behind it
(``services.TARGET``): the task of a ``task_ref``, the result's mapping and its failure
reason, and the attempt already stored under the same 呼叫ID + 拨打次数.

The statement counts are pinned: a change that adds a round trip to the webhook (the
target is ≥ 300 results/s with 2 web processes on PostgreSQL, where each statement is a
round trip) fails here and must say why in docs/performance.md."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from huifang.callbacks.records.models import CallbackRecord, FailureReason
from huifang.channels.calls import services
from huifang.channels.calls.models import CallAttempt, ResultMapping
from huifang.core.actors import Actor
from huifang.core.models import AuditEvent
from huifang.partners.models import PartnerEvent

# Statements of one signed request, from the partner's look-up to the stored answer, as a
# server runs them; the ingest's own part (calls.services) is: the look-up, the attempt's
# INSERT and its audit row, and for a mapped result the records service's registration
# (6 statements: no savepoint of its own inside the request's transaction since the
# partnermw round; 8 before, SAVEPOINT and RELEASE among them) between the look-up and the
# INSERT. Before issue 17's round 3: 11 and 21 (the task, the mapping, the reason and the
# assignee read one by one, the attempt in two savepoints).
WAITING = 6  # an ``other`` result, kept for an agent
RECORDED = 12  # a ``busy`` result: a 失败 callback record through the records service
REPEATED_CALL = 5  # the same 呼叫ID + 拨打次数 under a new event_id: nothing written
# In a test the request's transaction (the idempotency claim) is a savepoint inside the
# test's own: SAVEPOINT and RELEASE on top.
TEST_TRANSACTION = 2


def _post_counted(post_call, payload):
    with CaptureQueriesContext(connection) as queries:
        response = post_call(payload)
    return response, [q["sql"] for q in queries.captured_queries]


def _warm(pushed, call, post_call):
    """One result first, so that the process-wide compiled statements exist (as in a
    server after its first request) and the partner's counters are set up."""
    _, ref = pushed()
    assert post_call(call(ref, "busy", call_id="WARM")).status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize(
    "result, most, recorded", [("other", WAITING, False), ("busy", RECORDED, True)]
)
def test_one_call_result_takes_at_most_its_statements(
    pushed, call, post_call, result, most, recorded
):
    _warm(pushed, call, post_call)
    _, ref = pushed()
    response, statements = _post_counted(post_call, call(ref, result, call_id="COUNT"))
    assert response.status_code == 201, response.content
    assert (response.json()["record"] is not None) is recorded
    assert len(statements) <= most + TEST_TRANSACTION, "\n".join(statements)
    # Neither the ingest nor the records service opens a savepoint of its own: the one
    # counted is the claim's, a savepoint only in a test (inside the test's transaction).
    savepoints = [s for s in statements if s.lstrip().upper().startswith("SAVEPOINT")]
    assert len(savepoints) == 1, "\n".join(statements)


@pytest.mark.django_db
def test_repeats_take_at_most_their_statements(pushed, call, post_call):
    _warm(pushed, call, post_call)
    _, ref = pushed()
    payload = call(ref, "busy", call_id="REP")
    first = post_call(payload)
    assert post_call(payload).json() == first.json()  # (partners.idempotency's matter)
    response, statements = _post_counted(post_call, {**payload, "event_id": "REP-again"})
    assert (response.status_code, response.json()) == (200, first.json())
    assert len(statements) <= REPEATED_CALL + TEST_TRANSACTION, "\n".join(statements)
    assert CallAttempt.objects.filter(call_id="REP").count() == 1
    assert CallbackRecord.objects.filter(task__call_ref__ref=ref).count() == 1


def _fields(instance, names) -> dict:
    return {name: getattr(instance, name) for name in names}


@pytest.mark.django_db
@pytest.mark.parametrize("result", ["busy", "connected", "other"])
def test_the_look_up_reads_what_the_orm_reads(pushed, call, result):
    task, ref = pushed()
    services.do_ingest_call(call(ref, "no_answer", call_id="L1"), actor=Actor.partner("外呼平台"))
    stored = CallAttempt.objects.get(call_id="L1")
    task.refresh_from_db()

    found = services.TARGET.first(ref, result, "L1", 1)
    assert found.task.pk == task.pk
    assert _fields(found.task, services.TARGET.TASK) == _fields(task, services.TARGET.TASK)
    assert found.task.get_status_display() == task.get_status_display()
    mapping = ResultMapping.objects.get(result=result)
    assert _fields(found.mapping, services.TARGET.MAPPING) == _fields(
        mapping, services.TARGET.MAPPING
    )
    assert type(found.mapping.ivr_required) is bool
    if mapping.failure_reason_id is None:
        assert found.reason is None
    else:
        reason = FailureReason.objects.get(pk=mapping.failure_reason_id)
        names = [f.attname for f in FailureReason._meta.concrete_fields]
        assert _fields(found.reason, names) == _fields(reason, names)
    assert found.existing == (stored.pk, stored.record_id)
    # Another attempt of the call, another call: nothing stored yet.
    assert services.TARGET.first(ref, result, "L1", 2).existing is None
    assert services.TARGET.first(ref, result, "L2", 1).existing is None
    assert services.TARGET.first("T9999999999", result, "L1", 1) is None


@pytest.mark.django_db
def test_receive_call_needs_the_callers_transaction(pushed, call, monkeypatch):
    _, ref = pushed()
    # (The test runs inside a transaction: seen from the service, as if it did not.)
    monkeypatch.setattr(connection, "in_atomic_block", False)
    with pytest.raises(transaction.TransactionManagementError):
        services.receive_call(call(ref), actor=Actor.partner("外呼平台"))
    monkeypatch.undo()
    assert not CallAttempt.objects.exists()


def _late_look_up(monkeypatch):
    """The look-up of the next call result misses the stored attempt, as when a concurrent
    delivery of the same 呼叫ID + 拨打次数 commits between its look-up and its INSERT."""
    real = services.TARGET.first
    missed = []

    def first(*args, **kwargs):
        target = real(*args, **kwargs)
        if target is not None and target.existing is not None and not missed:
            missed.append(target.existing)
            target.existing = None
        return target

    monkeypatch.setattr(services.TARGET, "first", first)
    return missed


@pytest.mark.django_db
def test_a_concurrent_duplicate_is_rolled_back_and_answered_as_a_repeat(
    pushed, call, post_call, monkeypatch
):
    task, ref = pushed()
    payload = call(ref, "busy", call_id="RACE")
    first = post_call(payload)
    writes = (CallbackRecord.objects.count(), AuditEvent.objects.count())
    missed = _late_look_up(monkeypatch)

    again = post_call({**payload, "event_id": "RACE-2"})

    assert missed  # the first try did not see the stored attempt: its INSERT conflicted
    assert (again.status_code, again.json()) == (200, first.json())
    assert (CallbackRecord.objects.count(), AuditEvent.objects.count()) == writes
    assert CallAttempt.objects.filter(call_id="RACE").count() == 1
    assert PartnerEvent.objects.filter(event_id="RACE-2").get().body == first.json()
    task.refresh_from_db()
    assert task.attempt_count == 1


@pytest.mark.django_db
def test_a_concurrent_duplicate_of_the_service_is_caught_in_its_savepoint(
    pushed, call, monkeypatch
):
    task, ref = pushed()
    platform = Actor.partner("外呼平台")
    original, record = services.do_ingest_call(call(ref, "busy", call_id="RACE"), actor=platform)
    missed = _late_look_up(monkeypatch)

    again, again_record = services.do_ingest_call(call(ref, "busy", call_id="RACE"), actor=platform)

    assert missed
    assert (again.pk, again.created, again_record) == (original.pk, False, record)
    assert CallbackRecord.objects.count() == 1
    task.refresh_from_db()
    assert task.attempt_count == 1


@pytest.mark.django_db
def test_a_stored_attempt_is_answered_from_its_ids_and_reads_the_rest_if_asked(pushed, call):
    _, ref = pushed()
    platform = Actor.partner("外呼平台")
    original, record = services.do_ingest_call(call(ref, "busy", call_id="S1"), actor=platform)
    with CaptureQueriesContext(connection) as queries:
        again, again_record = services.do_ingest_call(
            call(ref, "busy", call_id="S1"), actor=platform
        )
    assert len(queries) <= 3  # (the test's savepoint pair and) the look-up
    assert services.call_answer(again, again_record) == services.call_answer(original, record)
    assert (again.result, again.task_id, again.record.status) == (
        "busy",
        original.task_id,
        "failure",
    )
