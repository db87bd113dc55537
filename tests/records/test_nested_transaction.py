"""The records service inside a caller's transaction (the partner write paths: a call
result, an app-hall answer) opens no savepoint — a round trip each way on PostgreSQL —
and still behaves as with one: a refusal leaves the caller's transaction usable (the 外呼
ingest catches it and keeps the call), a failure once writing began leaves nothing
half-written. At the top level it is its own transaction, as before."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from huifang.callbacks.records import services
from huifang.callbacks.records.models import BranchFeedback, CallbackRecord, RecordAttachment
from huifang.core.actors import Actor
from huifang.core.models import AuditEvent

CALL_CENTER = Actor.partner("外呼平台")


def _savepoints(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" in q["sql"].upper()]


def test_inside_a_transaction_a_record_and_a_feedback_open_no_savepoint(task, personas, content):
    agent = personas["agent_a"]
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        opened = len(_savepoints(queries))  # the block's own (the test runs in a transaction)
        record = services.do_create_record(
            task, content(status="other", remark="客户稍后回电"), actor=CALL_CENTER, agent=agent
        )
        services.do_feedback(task, "请跟进", actor=CALL_CENTER, record=record, announce=False)
        assert _savepoints(queries)[opened:] == []
    assert CallbackRecord.objects.filter(pk=record.pk).exists()
    assert BranchFeedback.objects.filter(record=record).exists()


def test_a_refusal_inside_a_transaction_leaves_it_usable(make_task, personas, content):
    agent = personas["agent_a"]
    closed, open_ = make_task("a1"), make_task("a1")
    services.do_create_record(closed, content(), actor=CALL_CENTER, agent=agent)  # completes it
    with transaction.atomic():
        with pytest.raises(ValidationError):
            services.do_create_record(closed, content(), actor=CALL_CENTER, agent=agent)
        with pytest.raises(ValidationError, match="SHA-256"):
            services.do_create_record(
                open_,
                content(status="other", remark="客户稍后回电"),
                actor=CALL_CENTER,
                agent=agent,
                attachments=[services.AttachmentInput(reference="rec://1", sha256="nothex")],
            )
        assert not transaction.get_rollback()
        # Nothing of the refused ones was written; the transaction goes on.
        assert not CallbackRecord.objects.filter(task=open_).exists()
        record = services.do_create_record(
            open_, content(status="other", remark="客户稍后回电"), actor=CALL_CENTER, agent=agent
        )
    assert CallbackRecord.objects.filter(task=open_).get() == record
    assert not RecordAttachment.objects.exists()


def test_a_failure_once_writing_began_rolls_the_callers_transaction_back(
    task, personas, content, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("the audit insert failed")

    monkeypatch.setattr(services.audit, "record_many", broken)
    audited = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            try:
                services.do_create_record(
                    task, content(), actor=CALL_CENTER, agent=personas["agent_a"]
                )
            except RuntimeError:
                # A caller that swallows it cannot commit the half-written record.
                assert transaction.get_rollback()
                raise
    assert not CallbackRecord.objects.exists()
    assert AuditEvent.objects.count() == audited
    task.refresh_from_db()
    assert (task.status, task.attempt_count) == ("new", 0)


@pytest.mark.django_db(transaction=True)
def test_at_the_top_level_the_service_is_its_own_transaction(make_task, personas, content):
    task = make_task("a1")
    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as queries:
        record = services.do_create_record(
            task, content(), actor=CALL_CENTER, agent=personas["agent_a"]
        )
    assert _savepoints(queries) == []
    assert not connection.in_atomic_block
    assert CallbackRecord.objects.get() == record
    with pytest.raises(ValidationError):  # the task is completed now
        services.do_create_record(task, content(), actor=CALL_CENTER, agent=personas["agent_a"])
    assert CallbackRecord.objects.count() == 1
