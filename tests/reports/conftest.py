"""A small world for 汇总统计: tasks in 010101 (北京) and 010201 (上海) in every status, with
records, built with the ORM (the workflow itself is tested in tests/callbacks and
tests/records)."""

from __future__ import annotations

import datetime
import itertools
from types import SimpleNamespace

import pytest
from django.utils import timezone

from tests.customers import factories

_numbers = itertools.count(1)
TODAY = datetime.date(2026, 3, 16)
BEIJING = datetime.timezone(datetime.timedelta(hours=8))


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """Pin "today" (overdue, the dashboard's burndown) to a fixed Monday."""
    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return TODAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    return TODAY


@pytest.fixture
def business_type(db):
    from huifang.callbacks.models import BusinessType

    bt, _ = BusinessType.objects.get_or_create(
        name="汇总测试回访", defaults={"max_unanswered_attempts": 3}
    )
    return bt


@pytest.fixture
def make_batch(business_type):
    from huifang.callbacks.models import Batch
    from huifang.rules.models import ScreeningRun

    def build(bt=None, *, deadline=TODAY + datetime.timedelta(days=10), run=None):
        bt = bt or business_type
        run = run or ScreeningRun.objects.create(as_of=datetime.date(2026, 2, 27), status="frozen")
        return Batch.objects.create(
            number=str(2_600_000_000 + next(_numbers)),
            run=run,
            business_type=bt,
            as_of=run.as_of,
            deadline=deadline,
            created_at=at(TODAY - datetime.timedelta(days=10)),
        )

    return build


@pytest.fixture
def make_task(branches, make_batch):
    """``make_task("a1", batch=…, status=…, deadline=…, customer=…, codes="A001")``."""
    from huifang.callbacks.models import CallbackTask, TaskBatch, TaskRule

    def build(where="a1", *, batch=None, customer=None, codes="A001", **fields):
        batch = batch or make_batch()
        customer = customer or factories.customer(
            f"0300{next(_numbers):06d}", branches[where], birth_date=datetime.date(1960, 5, 1)
        )
        values = {
            "deadline": TODAY + datetime.timedelta(days=5),
            "created_at": at(TODAY - datetime.timedelta(days=10)),
        }
        values.update(fields)
        if values.get("status") in ("completed", "unreachable", "cancelled"):
            values.setdefault("closed_at", at(TODAY - datetime.timedelta(days=2)))
        task = CallbackTask.objects.create(
            customer=customer,
            branch=customer.branch,
            business_type=batch.business_type,
            batch=batch,
            rule_codes=f",{codes},",
            reasons="测试",
            **values,
        )
        TaskBatch.objects.create(task=task, batch=batch, kind="created", rule_codes=task.rule_codes)
        for code in codes.split(","):
            TaskRule.objects.create(task=task, code=code, name=code, batch=batch)
        return task

    return build


@pytest.fixture
def make_record(personas):
    """``make_record(task, "success"|"failure", method="phone", day=…, reason=None)``."""
    from huifang.callbacks.records.models import CallbackRecord, FailureReason

    def build(task, status="success", *, method="phone", day=None, reason=None, agent=None):
        agent = agent or personas["agent_b" if task.branch.code == "010201" else "agent_a"]
        if status == "failure" and reason is None:
            reason = FailureReason.objects.filter(is_active=True).order_by("pk").first()
        return CallbackRecord.objects.create(
            task=task,
            branch=task.branch,
            customer=task.customer,
            business_type=task.business_type,
            status=status,
            failure_reason=reason,
            method=method,
            called_at=at(day or TODAY - datetime.timedelta(days=3)),
            agent=agent,
            created_by=agent,
            updated_by=agent,
        )

    return build


@pytest.fixture
def world(make_task, make_record, make_batch, branches):
    """北京 (010101): 未处理, 处理中 and overdue, 已完成 with a 成功 record, 无法联系 after three
    failures, 已取消; 上海 (010201): an overdue 未处理 task with one failure and a 已完成 one
    with a 成功 record by SMS. A second batch carries the 上海 tasks and rule A003."""
    past = TODAY - datetime.timedelta(days=1)
    batch = make_batch()
    other = make_batch()
    t = SimpleNamespace(batch=batch, other=other)
    t.a_new = make_task("a1", batch=batch)
    t.a_late = make_task("a1", batch=batch, status="in_progress", deadline=past)
    t.a_done = make_task("a1", batch=batch, status="completed")
    make_record(t.a_done, "failure", day=TODAY - datetime.timedelta(days=4))
    make_record(t.a_done, "success", day=TODAY - datetime.timedelta(days=3))
    t.a_unreachable = make_task("a1", batch=batch, status="unreachable")
    for days in (5, 4, 3):
        make_record(t.a_unreachable, "failure", day=TODAY - datetime.timedelta(days=days))
    t.a_cancelled = make_task("a1", batch=batch, status="cancelled")
    t.b_late = make_task("b1", batch=other, deadline=past, codes="A003")
    make_record(t.b_late, "failure", method="sms")
    t.b_done = make_task("b1", batch=other, status="completed", codes="A003")
    make_record(t.b_done, "success", method="sms")
    return t
