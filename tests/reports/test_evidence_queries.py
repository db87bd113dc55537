"""证据包 reads its sections a chunk of tasks at a time: the number of queries does not grow
with the rows (a related row read per row — a customer, a run, a record — would make a
100,000-task package issue hundreds of thousands of queries)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from huifang.callbacks.records import services as records
from huifang.reports.evidence.package import do_generate_evidence
from huifang.reports.evidence.scope import Scope
from tests.customers import factories
from tests.reports import evidence_world


def queries_of_a_batch_package(batch, actor, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        do_generate_evidence(Scope(batch=batch), path, actor=actor)
    return len(captured.captured_queries)


def test_a_batch_package_issues_as_many_queries_for_five_tasks_as_for_two(
    branches, personas, tmp_path
):
    w = evidence_world.build(branches, personas)
    hq = personas["hq_admin"]
    before = queries_of_a_batch_package(w.batch, hq, tmp_path / "two.xlsx")
    for n in range(3):
        customer = factories.customer(f"0799{n:06d}", branches["a1"])
        task = evidence_world._task(w.batch, customer, "A001")
        record = records.do_create_record(
            task, evidence_world._content(), actor=personas["agent_a"]
        )
        records.do_update_record(
            record,
            evidence_world._content(remark="补充", called_at=record.called_at),
            actor=personas["agent_a"],
            expected_version=1,
            reason="补充备注",
        )
    after = queries_of_a_batch_package(w.batch, hq, tmp_path / "five.xlsx")
    assert after == before
