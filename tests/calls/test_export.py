"""``huifang export calls``: one row per attempt with interfaces.md's columns, audited."""

from __future__ import annotations

import csv
from io import StringIO

import pytest
from django.core.management import call_command

from huifang.core.models import AuditEvent
from tests.calls.test_mapping import _ingest

COLUMNS = [
    "呼叫ID",
    "外呼任务ID",
    "投资者代码",
    "拨打时间",
    "拨打时长",
    "拨打次数",
    "拨打结果",
    "坐席",
    "录音地址",
    "录音SHA256",
    "回访记录",
]


@pytest.mark.django_db
def test_export_calls_writes_the_documented_columns(pushed, call, tmp_path):
    task, ref = pushed()
    sha = "d" * 64
    _, record = _ingest(
        call(
            ref,
            "busy",
            call_id="X1",
            duration_seconds=95,
            recording={"url": "https://rec.example.com/x.mp3", "sha256": sha},
        )
    )
    _ingest(call(ref, "other", call_id="X1", attempt=2))
    out = tmp_path / "calls.csv"
    call_command("export", "calls", str(out), stdout=StringIO())
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == COLUMNS
    assert len(rows) == 3
    first = dict(zip(COLUMNS, rows[1], strict=True))
    assert first["呼叫ID"] == "X1" and first["外呼任务ID"] == ref
    assert first["投资者代码"] == task.customer.investor_code
    assert (first["拨打时长"], first["拨打次数"], first["拨打结果"]) == ("95", "1", "占线")
    assert (first["坐席"], first["录音地址"], first["录音SHA256"]) == (
        "坐席007",
        "https://rec.example.com/x.mp3",
        sha,
    )
    assert first["回访记录"] == str(record.pk)
    assert rows[2][-1] == ""
    assert (
        AuditEvent.objects.filter(action="export", actor_label="command:export calls").count() == 1
    )


@pytest.mark.django_db
def test_export_calls_of_another_batch_is_empty(pushed, call, tmp_path, make_task):
    from huifang.callbacks.models import TaskBatch

    _, ref = pushed()
    _ingest(call(ref, "busy"))
    other = make_task("a1")
    TaskBatch.objects.create(task=other, batch=other.batch, kind="created", rule_codes=",A001,")
    out = tmp_path / "calls.csv"
    call_command("export", "calls", str(out), "--batch", other.batch.number, stdout=StringIO())
    with open(out, encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.reader(handle))) == 1


@pytest.mark.django_db
def test_attempts_reported_out_of_order_are_exported_in_attempt_order(pushed, call, tmp_path):
    """The platform stamped both tries with the same minute and sent the second first."""
    _, ref = pushed()
    started = call(ref)["started_at"]
    for attempt in (3, 1, 2):
        _ingest(call(ref, "no_answer", call_id="Y1", attempt=attempt, started_at=started))
    out = tmp_path / "calls.csv"
    call_command("export", "calls", str(out), stdout=StringIO())
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["拨打次数"] for row in rows] == ["1", "2", "3"]
