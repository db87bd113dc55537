"""The dashboard's counters (``reports.tallies``) stay equal to a fresh GROUP BY of the tasks,
their batch links, their rules and their records after every kind of write: batch creation
(set-based SQL), records through the services, bulk actions, ORM saves and deletes, queryset
updates and ``bulk_create`` — kept by the database's triggers, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.callbacks import services
from huifang.callbacks.models import BusinessType, CallbackTask, TaskBatch, TaskRule
from huifang.callbacks.records import services as record_services
from huifang.callbacks.records.models import CallbackRecord
from huifang.reports import figures, tallies
from tests.callbacks.conftest import make_customer, make_run

from .conftest import TODAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def annual(db):
    return BusinessType.objects.get(name="年度适当性回访")


def record_content() -> dict:
    """A callback record's form content (its 回访状态 added by the caller)."""
    return {
        "failure_reason": None,
        "method": "phone",
        "called_at": timezone.now() - datetime.timedelta(hours=1),
        "duration_seconds": "01:35",
        "remark": "",
    }


def assert_exact() -> None:
    assert tallies.differences(connection) == {tallies.TASK_TALLY: [], tallies.RECORD_TALLY: []}


def test_the_triggers_are_installed():
    assert tallies.missing_triggers(connection) == []


def test_the_world_is_counted_exactly(world):
    assert_exact()
    total = figures.totals(None, figures.Filters()).figures
    assert total["total"] == CallbackTask.objects.count() == 7


def test_batch_creation_and_its_merge_are_counted(branches, personas, annual):
    admin = personas["hq_admin"]
    old = [make_customer(branches["a1"], code=f"0101000{n}") for n in range(1, 5)]
    services.do_create_batch(make_run({c: ["A003"] for c in old}), annual, actor=admin)
    assert_exact()
    new = make_customer(branches["b1"], code="01020009")
    run = make_run({old[0]: ["A005"], old[2]: ["A005"], new: ["A005"]})
    second = services.do_create_batch(run, annual, actor=admin).batch
    assert_exact()
    rows = figures.by_batch(None, figures.Filters())
    assert {r.label: r.figures["total"] for r in rows}[second.number] == 3


def test_records_through_the_services_and_the_bulk_actions_are_counted(branches, personas, annual):
    admin, agent = personas["hq_admin"], personas["agent_a"]
    customers = [make_customer(branches["a1"], code=f"0101001{n}") for n in range(3)]
    batch = services.do_create_batch(
        make_run({c: ["A001"] for c in customers}), annual, actor=admin
    )
    first, second, third = CallbackTask.objects.filter(batch=batch.batch).order_by("pk")
    services.do_assign([first.pk, second.pk], agent, actor=admin)
    content = record_content()
    record = record_services.do_create_record(
        first, {**content, "status": "other", "remark": "客户稍后回电"}, actor=agent
    )
    assert_exact()
    record_services.do_update_record(
        record, {**content, "status": "success"}, actor=agent, expected_version=1
    )
    assert_exact()
    record_services.do_create_record(second, {**content, "status": "success"}, actor=agent)
    assert_exact()
    services.do_cancel([third.pk], "客户已销户", actor=admin)
    assert_exact()
    assert figures.totals(None, figures.Filters()).figures["succeeded"] == 2


def drop_records(**where) -> None:
    """Records are never deleted by the application; raw SQL (a DBA's repair) still can."""
    ids = list(CallbackRecord.objects.filter(**where).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        for pk in ids:
            cursor.execute("DELETE FROM records_callbackrecord WHERE id = %s", [pk])


def test_deleting_a_task_with_its_links_and_rules_is_counted(world):
    world.a_new.delete()
    assert_exact()


def test_deleting_records_is_counted(world):
    drop_records(task=world.a_done)
    assert_exact()
    world.a_done.delete()
    assert_exact()


def test_a_rebuild_gives_what_the_triggers_kept(world):
    before = tallies.differences(connection)
    tallies.rebuild(connection)
    assert before == tallies.differences(connection)
    assert_exact()


# ---------------------------------------------------------------- any sequence of writes

STATUSES = ["new", "in_progress", "completed", "unreachable", "cancelled"]
DAYS = [None, TODAY - datetime.timedelta(days=1), TODAY, TODAY + datetime.timedelta(days=9)]
OPS = st.tuples(
    st.sampled_from(
        [
            "create",
            "link",
            "rule",
            "status",
            "update",
            "record",
            "records",
            "edit",
            "move",
            "drop_record",
            "drop_link",
            "drop_task",
            "sql",
            "close",
            "reopen",
            "relink",
            "rerule",
        ]
    ),
    st.integers(0, 50),
    st.integers(0, 50),
)


class Writer:
    """Applies one write of each kind to the world, by whichever path it names."""

    def __init__(self, world, make_task, make_record, make_batch):
        self.world, self.make_task, self.make_record = world, make_task, make_record
        self.batches = [world.batch, world.other, make_batch()]

    def tasks(self):
        return list(CallbackTask.objects.order_by("pk"))

    def pick(self, items, i):
        return items[i % len(items)] if items else None

    def apply(self, op, i, j):
        task = self.pick(self.tasks(), i)
        if op == "create":
            where = "a1" if j % 2 else "b1"
            self.make_task(
                where,
                batch=self.pick(self.batches, j),
                status=STATUSES[j % len(STATUSES)],
                deadline=self.pick(DAYS, i),
                codes="A001,A003" if j % 3 else "A006",
            )
        elif task is None:
            return
        elif op == "link":
            batch = self.pick(self.batches, j)
            TaskBatch.objects.get_or_create(
                task=task, batch=batch, defaults={"kind": "merged", "rule_codes": ",A005,"}
            )
        elif op == "rule":
            TaskRule.objects.get_or_create(
                task=task, code=f"A00{j % 6 + 1}", defaults={"name": "x", "batch": task.batch}
            )
        elif op == "status":
            task.status = STATUSES[j % len(STATUSES)]
            task.deadline = self.pick(DAYS, j)
            task.save()
        elif op == "update":
            CallbackTask.objects.filter(pk__gte=task.pk).update(
                status=STATUSES[j % len(STATUSES)], created_at=at(TODAY - datetime.timedelta(j))
            )
        elif op == "record":
            self.make_record(task, "success" if j % 2 else "failure", day=self.pick(DAYS[1:], j))
        elif op == "records":  # several records of one task in one statement
            first = self.make_record(task, "failure")
            CallbackRecord.objects.bulk_create(
                [
                    CallbackRecord(
                        **{
                            f.attname: getattr(first, f.attname)
                            for f in CallbackRecord._meta.concrete_fields
                            if not f.primary_key
                        }
                        | {"status": status, "method": "sms"}
                    )
                    for status in ("success", "failure", "success")[: j % 3 + 1]
                ]
            )
        elif op in ("edit", "move", "drop_record"):
            record = self.pick(list(CallbackRecord.objects.order_by("pk")), j)
            if record is None:
                return
            if op == "edit":
                record.status = "success" if record.status != "success" else "other"
                record.called_at = at(TODAY - datetime.timedelta(days=j))
                record.save()
            elif op == "move":
                CallbackRecord.objects.filter(pk=record.pk).update(task=task)
            else:
                drop_records(pk=record.pk)
        elif op == "close":
            task.status = "completed" if j % 2 else "cancelled"
            task.closed_at = at(TODAY - datetime.timedelta(days=j % 4))
            task.save()
        elif op == "reopen":
            CallbackTask.objects.filter(pk=task.pk).update(status="in_progress", closed_at=None)
        elif op == "relink":  # a link moved to another batch (or task)
            link = TaskBatch.objects.filter(task=task).order_by("pk").first()
            batch = self.pick(self.batches, j)
            if link and not TaskBatch.objects.filter(task=task, batch=batch).exists():
                TaskBatch.objects.filter(pk=link.pk).update(batch=batch)
        elif op == "rerule":
            rule = TaskRule.objects.filter(task=task).order_by("pk").first()
            code = f"A00{j % 6 + 1}"
            if rule and not TaskRule.objects.filter(task=task, code=code).exists():
                TaskRule.objects.filter(pk=rule.pk).update(code=code)
        elif op == "drop_link":
            TaskBatch.objects.filter(pk__in=TaskBatch.objects.filter(task=task)[:1]).delete()
        elif op == "drop_task":
            drop_records(task=task)
            task.delete()
        elif op == "sql":  # set-based SQL, as batch creation and the benchmark write
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE callbacks_callbacktask SET status = %s WHERE status IN (%s, %s)",
                    [STATUSES[j % len(STATUSES)], "new", "in_progress"],
                )
                cursor.execute(
                    "DELETE FROM records_callbackrecord WHERE task_id = %s AND status = %s",
                    [task.pk, "failure"],
                )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(OPS, min_size=1, max_size=12))
def test_any_sequence_of_writes_keeps_the_counters_exact(
    ops, world, make_task, make_record, make_batch
):
    with transaction.atomic():
        writer = Writer(world, make_task, make_record, make_batch)
        for op, i, j in ops:
            writer.apply(op, i, j)
        assert_exact()
        transaction.set_rollback(True)
