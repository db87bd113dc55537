"""Under a 批次 filter the dashboard's figures are sums of the counters kept per batch
(``reports.tallies``: the batch's links, its tasks' rules, its closed tasks per 关闭日期, its
records): they equal a plain recount of the rows the task and record lists show, for every
user, after merges into existing tasks, records added and edited, tasks closed, reopened
and reassigned."""

from __future__ import annotations

import datetime
import importlib
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q

from huifang.callbacks import services
from huifang.callbacks.choices import OPEN_STATUSES
from huifang.callbacks.models import Batch, BusinessType, CallbackTask, TaskRule, overdue_q
from huifang.callbacks.records import services as record_services
from huifang.callbacks.records.choices import Method
from huifang.callbacks.records.models import CallbackRecord, FailureReason
from huifang.org.models import User
from huifang.reports import figures, tallies
from huifang.reports.models import RecordTally, TaskTally
from huifang.reports.tallies import BeijingDay
from tests.callbacks.conftest import make_customer, make_run

from .conftest import TODAY
from .test_tallies import assert_exact, record_content

pytestmark = pytest.mark.django_db

USERS = ("hq_admin", "manager_a", "agent_a", "agent_b")


def recount(tasks) -> dict:
    """The task figures of ``tasks`` counted from the rows (no counters)."""
    records = CallbackRecord.objects.order_by().filter(task_id=OuterRef("pk"))
    counts = {
        "total": Count("pk"),
        **{
            key: Count("pk", filter=Q(status=params["status"]))
            for key, _, params in figures.TASK_COLUMNS
            if params.get("status")
        },
        "overdue": Count("pk", filter=overdue_q(TODAY)),
        "attempted": Count("pk", filter=Q(Exists(records))),
        "succeeded": Count("pk", filter=Q(Exists(figures.task_successes(OuterRef("pk"))))),
    }
    return counts


def per(tasks, lookup: str) -> dict:
    return {
        row.pop(lookup): row
        for row in tasks.values(lookup).annotate(**recount(tasks)).order_by(lookup)
        if row[lookup] is not None
    }


def shown(user, filters) -> dict:
    """What the dashboard shows ``user`` under ``filters``, from the counters."""
    result = {
        "total": figures.totals(user, filters, TODAY).figures,
        "branches": {
            pk: {k: v for k, v in row.items() if k != "branch_id"}
            for pk, row in figures.branch_counts(user, filters, TODAY).items()
        },
        "batches": {r.label: r.figures for r in figures.by_batch(user, filters, TODAY)},
        "types": {int(r.key): r.figures for r in figures.by_business_type(user, filters, TODAY)},
        "rules": {r.key: r.figures for r in figures.by_rule(user, filters, TODAY)},
        "reasons": {b.label: b.value for b in figures.failure_reasons(user, filters)},
        "channels": {b.label: b.value for b in figures.channels(user, filters)},
        "agents": {
            a.name: (a.attempts.value, a.successes.value) for a in figures.agents(user, filters)
        },
        "daily": {b.label: b.value for b in figures.daily(user, filters) if b.value},
    }
    burndown = figures.burndown(user, filters, TODAY)  # a batch's only
    if burndown is not None:
        result["burndown"] = (
            dict(zip(burndown.days, burndown.remaining, strict=True)),
            burndown.open_now.value,
        )
    return result


def recounted(user, filters) -> dict:
    """The same figures counted from the rows the lists show (``figures.scoped_*``)."""
    tasks = figures.scoped_tasks(user, filters)
    records = figures.scoped_records(user, filters)
    numbers = dict(Batch.objects.values_list("pk", "number"))
    methods = dict(Method.choices)
    by_agent = {
        User.objects.get(pk=row["agent_id"]).display_name: (row["n"], row["ok"])
        for row in records.values("agent_id").annotate(
            n=Count("pk"), ok=Count("pk", filter=Q(status="success"))
        )
    }
    days = {
        row["day"]: row["n"]
        for row in records.annotate(day=BeijingDay("called_at"))
        .values("day")
        .annotate(n=Count("pk"))
    }
    result = {
        "total": tasks.aggregate(**recount(tasks)),
        "branches": per(tasks, "branch_id"),
        "batches": {numbers[k]: v for k, v in per(tasks, "links__batch_id").items()},
        "types": per(tasks, "business_type_id"),
        "rules": per(tasks, "rules__code"),
        "reasons": {
            FailureReason.objects.get(pk=row["failure_reason_id"]).name: row["n"]
            for row in records.exclude(failure_reason=None)
            .values("failure_reason_id")
            .annotate(n=Count("pk"))
        },
        "channels": {
            str(methods[row["method"]]): row["n"]
            for row in records.values("method").annotate(n=Count("pk"))
        },
        "agents": by_agent,
        "daily": {  # the 60 days up to the latest record's
            day.isoformat(): n
            for day, n in days.items()
            if (max(days) - day).days < figures.DAILY_DAYS
        },
    }
    if filters.batch is not None:
        result["burndown"] = (
            remaining(user, filters, tasks),
            tasks.filter(status__in=OPEN_STATUSES).count(),
        )
    return result


def remaining(user, filters, tasks) -> dict:
    """The batch's tasks open at the end of each day the burndown draws (up to today):
    created on or before it, not closed on or before it."""
    created = list(tasks.annotate(day=BeijingDay("created_at")).values_list("day", flat=True))
    closed = list(
        tasks.filter(closed_at__isnull=False)
        .annotate(day=BeijingDay("closed_at"))
        .values_list("day", flat=True)
    )
    result = {}
    for text in figures.burndown(user, filters, TODAY).days:
        day = datetime.date.fromisoformat(text)
        still_open = sum(d <= day for d in created) - sum(d <= day for d in closed)
        result[text] = still_open if day <= TODAY else None
    return result


def comparable(figures_: dict) -> dict:
    """Rules and batches as their keys (the shown rows are labelled with the rule's name)."""
    result = dict(figures_)
    result["rules"] = {str(k).split(" ")[0]: v for k, v in figures_["rules"].items()}
    return result


@pytest.fixture
def merged(world, branches, personas, make_record):
    """The world, plus two batches of the seeded 年度适当性回访 the second of which merges
    into open tasks of the first, then records added and edited, tasks completed, cancelled,
    reassigned, reopened and given a rule afterwards."""
    admin, agent = personas["hq_admin"], personas["agent_a"]
    annual = BusinessType.objects.get(name="年度适当性回访")
    old = [make_customer(branches["a1" if n % 2 else "b1"], code=f"0101100{n}") for n in range(6)]
    first = services.do_create_batch(
        make_run({c: ["A003"] for c in old}), annual, actor=admin
    ).batch
    tasks = list(CallbackTask.objects.filter(batch=first).order_by("pk"))
    make_record(tasks[0], "failure", method="sms")  # a record before the merge into it
    new = make_customer(branches["a1"], code="01011099")
    run = make_run({old[0]: ["A005"], old[1]: ["A005", "A001"], old[3]: ["A005"], new: ["A005"]})
    second = services.do_create_batch(run, annual, actor=admin).batch
    a1_tasks = [t for t in tasks if t.branch_id == branches["a1"].pk]
    services.do_assign([t.pk for t in a1_tasks], agent, actor=admin)
    content = record_content()
    done = a1_tasks[0]
    record = record_services.do_create_record(
        done, {**content, "status": "other", "remark": "客户稍后回电"}, actor=agent
    )
    record_services.do_update_record(  # a 成功 record completes the task
        record, {**content, "status": "success"}, actor=agent, expected_version=1
    )
    make_record(a1_tasks[1], "failure", method="sms")
    services.do_cancel([tasks[-1].pk], "客户已销户", actor=admin)
    services.do_assign([a1_tasks[1].pk], personas["agent_a"], actor=admin)
    # reopened (a repair by SQL) and a rule added afterwards
    CallbackTask.objects.filter(pk=world.a_done.pk).update(status="in_progress", closed_at=None)
    TaskRule.objects.create(task=world.b_late, code="A006", name="A006", batch=world.other)
    # a world task with records linked to the second batch as well
    world.a_unreachable.links.create(batch=second, kind="merged", rule_codes=",A005,")
    return SimpleNamespace(first=first, second=second, world=world)


@pytest.mark.parametrize("who", USERS)
def test_the_batch_figures_equal_a_recount_for_every_user(merged, personas, who):
    assert_exact()
    user = personas[who]
    for batch in (merged.first, merged.second, merged.world.batch, merged.world.other):
        filters = figures.Filters(batch=batch)
        assert comparable(shown(user, filters)) == comparable(recounted(user, filters)), batch


def test_a_merge_counts_the_task_in_both_batches(merged):
    assert CallbackTask.objects.filter(batch=merged.second).count() == 1  # 3 hits merged
    # the second batch: its new task, the 3 it merged into, the world's task linked to it
    for batch, expected in ((merged.first, 6), (merged.second, 5)):
        total = figures.totals(None, figures.Filters(batch=batch)).figures["total"]
        assert total == expected == figures.scoped_tasks(None, figures.Filters(batch=batch)).count()


def test_the_unfiltered_figures_equal_a_recount(merged, personas):
    filters = figures.Filters()
    for who in USERS:
        expected = comparable(recounted(personas[who], filters))
        got = comparable(shown(personas[who], filters))
        assert got == expected, who


def test_the_migration_fills_the_counters_per_batch_from_existing_rows(merged):
    migration = importlib.import_module("huifang.reports.migrations.0005_tallies_per_batch")
    migration.recreate(None, SimpleNamespace(connection=connection))
    assert tallies.missing_triggers(connection) == []
    assert_exact()
    second = merged.second.pk
    assert TaskTally.objects.filter(kind=TaskTally.BATCH_RULE, batch_id=second).exists()
    assert RecordTally.objects.filter(batch_id=merged.first.pk, n__gt=0).exists()
