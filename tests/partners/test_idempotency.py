"""``idempotency.once``: one write per partner id, also for concurrent duplicates (real
threads, real transactions; SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import OperationalError, connection

from huifang.core import audit
from huifang.core.models import AuditEvent
from huifang.partners.audit_actions import PartnerAction
from huifang.partners.errors import PartnerError
from huifang.partners.idempotency import once
from huifang.partners.models import PartnerEvent
from tests.partners.helpers import make_partner


def _work(partner, calls: list):
    def work():
        calls.append(1)
        event = audit.record(PartnerAction.PARTNER_UPDATE, partner, message="测试")
        return 201, {"event": event.pk}

    return work


@pytest.mark.django_db
def test_the_first_delivery_runs_the_work_and_keeps_its_answer():
    partner, _ = make_partner()
    calls: list = []
    status, body = once(partner, "test", "E1", _work(partner, calls))
    assert status == 201 and calls == [1]
    stored = PartnerEvent.objects.get()
    assert (stored.status, stored.body) == (201, body)


@pytest.mark.django_db
def test_a_repeat_answers_200_with_the_first_body_and_runs_nothing():
    partner, _ = make_partner()
    calls: list = []
    _, first = once(partner, "test", "E1", _work(partner, calls))
    assert once(partner, "test", "E1", _work(partner, calls)) == (200, first)
    assert calls == [1]


@pytest.mark.django_db
def test_the_same_id_in_another_scope_or_from_another_partner_is_new():
    partner, _ = make_partner()
    other, _ = make_partner("外呼", "callcenter")
    calls: list = []
    once(partner, "responses", "E1", _work(partner, calls))
    once(partner, "events", "E1", _work(partner, calls))
    once(other, "responses", "E1", _work(other, calls))
    assert len(calls) == 3


@pytest.mark.django_db
def test_a_refused_work_rolls_back_and_keeps_no_event():
    partner, _ = make_partner()
    events = AuditEvent.objects.count()

    def refused():
        audit.record(PartnerAction.PARTNER_UPDATE, partner, message="不应保留")
        raise PartnerError(422, "invalid", "内容有误")

    with pytest.raises(PartnerError):
        once(partner, "test", "E1", refused)
    assert AuditEvent.objects.count() == events
    assert not PartnerEvent.objects.exists()


# No serialized_rollback: this test needs no seeded rows, and restoring them after an
# earlier transactional test flushed the database would clash with the re-created roles.
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_write_once_and_all_get_the_first_answer():
    """PostgreSQL makes a losing duplicate wait for the winner's commit and answers it
    from the stored event. The tests' in-memory SQLite (shared cache) may instead refuse
    a concurrent writer at once with "table is locked": that request fails cleanly (a
    5xx: the partner sends it again), so the refused ones are sent again afterwards."""
    partner, _ = make_partner()
    threads_n = 4
    barrier = threading.Barrier(threads_n)
    calls: list = []
    answers: list = []

    def deliver():
        try:
            barrier.wait()
            answers.append(once(partner, "test", "E1", _work(partner, calls)))
        except OperationalError as exc:
            assert connection.vendor == "sqlite" and "locked" in str(exc), exc
            answers.append(None)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    retried = [once(partner, "test", "E1", _work(partner, calls)) for a in answers if a is None]
    answered = [a for a in answers if a is not None] + retried

    assert len(answered) == threads_n
    assert len(calls) == 1
    assert PartnerEvent.objects.count() == 1
    assert AuditEvent.objects.filter(action=PartnerAction.PARTNER_UPDATE).count() == 1
    statuses = sorted(status for status, _ in answered)
    assert statuses == [200] * (threads_n - 1) + [201]
    assert len({str(body) for _, body in answered}) == 1


@pytest.mark.django_db
def test_the_first_answer_and_a_repeat_are_the_same_json_text():
    """PostgreSQL's jsonb reorders an object's keys: the first delivery answers with the
    body as stored, so a repeat's answer is the same text, key order included."""
    partner, _ = make_partner()
    body = {"response": 190, "record": 1181, "status": "成功", "abnormal": []}
    _, first = once(partner, "test", "E9", lambda: (201, body))
    _, again = once(partner, "test", "E9", lambda: (201, body))
    assert json.dumps(first, ensure_ascii=False) == json.dumps(again, ensure_ascii=False)
