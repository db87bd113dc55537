"""Benchmark steps after screening: a company's existing callback tasks, storing and freezing
a screening run, creating a batch with the merge, callback records and exporting tasks.

The issue's case is 300,000 hits against 1,000,000 existing tasks and 2,000,000 records;
at ``--size N`` it is scaled: one existing task per customer (N tasks, 30 % of them open
under the batch's business type, so about a third of the hits merge), the hits the six
built-in rules give at N customers, and two records per task. Existing tasks and records
are bench set-up written with bulk SQL (``INSERT … SELECT``), not measured against a
target; what is measured goes through the product's own functions
(``rules.services.do_run_screening`` / ``do_freeze_run``, ``callbacks.services.do_create_batch``,
the ``huifang export tasks`` code path).
"""

from __future__ import annotations

import datetime
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from measure import Skipped, timed

BENCH_PASSWORD = "Bench-pass-2025!"
SEED_BATCH_NUMBER = "0000000001"  # below the product's numbers (1000000001 …)
EXPORT_TASKS = 100_000
# The batch's business type: a trading-day deadline that stays inside the seeded calendar.
PREFERRED_TYPES = ("专项回访", "高风险产品回访", "新开户回访")
SEED_RULES = ("A001", "A003", "A005")


@dataclass
class State:
    """What the steps hand on to each other (users, the business type, run, batch)."""

    hq: object = None
    manager: object = None
    agent: object = None  # the logged-in agent (first sales office)
    agents: dict = field(default_factory=dict)  # office code → agent
    region: object = None  # the manager's branch
    business_type: object = None
    run: object = None
    batch: object = None
    existing_tasks: int = 0

    def need(self, *names: str) -> None:
        missing = [name for name in names if getattr(self, name) is None]
        if missing:
            raise Skipped(f"needs {', '.join(missing)} from an earlier step that did not finish")


def setup_people(state: State) -> None:
    """An HQ admin at the root, a branch manager at the first region and one agent per sales
    office (``org.services.do_create_user``); only those who log in get a password."""
    from huifang.org.models import Branch, Role, User
    from huifang.org.services import do_create_user

    root = Branch.objects.filter(parent__isnull=True).order_by("path").first()
    if root is None:
        raise Skipped("no branches imported")
    region = Branch.objects.filter(parent=root).order_by("path").first() or root
    offices = list(Branch.objects.filter(children__isnull=True).order_by("path"))

    def user(username: str, branch, role: str, password: str | None):
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            return existing
        return do_create_user(
            username=username, password=password, branch=branch, role=role, full_name=username
        )

    state.hq = user("bench_hq", root, Role.HQ_ADMIN, BENCH_PASSWORD)
    state.manager = user("bench_manager", region, Role.BRANCH_MANAGER, BENCH_PASSWORD)
    state.region = region
    for office in offices:
        first = state.agent is None and office.path.startswith(region.path)
        state.agents[office.code] = user(
            f"bench_agent_{office.code}", office, Role.AGENT, BENCH_PASSWORD if first else None
        )
        if first:
            state.agent = state.agents[office.code]
    if state.agent is None and state.agents:
        state.agent = next(iter(state.agents.values()))


def pick_business_type(state: State) -> None:
    """An active business type whose deadline the trading-day calendar can give today."""
    from django.utils import timezone

    from huifang.callbacks import deadlines
    from huifang.callbacks.models import BusinessType

    def preference(business_type) -> tuple[int, int]:
        name = business_type.name
        rank = PREFERRED_TYPES.index(name) if name in PREFERRED_TYPES else len(PREFERRED_TYPES)
        return rank, business_type.sort_order

    types = sorted(BusinessType.objects.filter(is_active=True), key=preference)
    reasons = []
    for business_type in types:
        try:
            deadlines.plan(business_type, timezone.localdate())
        except Exception as exc:  # CalendarMissing: try the next type
            reasons.append(f"{business_type.name}: {exc}")
            continue
        state.business_type = business_type
        return
    raise Skipped("no business type can be planned today: " + "; ".join(reasons)[:200])


def _tables():
    from huifang.callbacks.models import CallbackTask, TaskBatch, TaskRule
    from huifang.callbacks.records.models import CallbackRecord
    from huifang.customers.models import Customer
    from huifang.org.models import User

    return {
        "task": CallbackTask._meta.db_table,
        "link": TaskBatch._meta.db_table,
        "rule": TaskRule._meta.db_table,
        "record": CallbackRecord._meta.db_table,
        "customer": Customer._meta.db_table,
        "user": User._meta.db_table,
    }


def _analyze(*tables: str) -> None:
    """PostgreSQL: fresh planner statistics after a bulk load, as autovacuum would give a
    long-running server (it would not have caught up within the benchmark's minute)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def seed_tasks(state: State, as_of: datetime.date) -> dict:
    """One existing task per customer from an earlier (seed) batch, in bulk SQL: 30 % open
    under the benchmark's business type (new / assigned / in progress), the rest completed
    or cancelled under any type; each with its batch link and rule row."""
    from django.db import connection, transaction
    from django.utils import timezone

    from huifang.callbacks.models import Batch, BusinessType, CallbackTask
    from huifang.customers.models import Customer
    from huifang.org.models import Role
    from huifang.rules.models import Rule, RunStatus, ScreeningRun

    setup_people(state)
    pick_business_type(state)
    if not Customer.objects.exists():
        raise Skipped("no customers imported")
    t = _tables()
    now = timezone.now()
    db_now = connection.ops.adapt_datetimefield_value(now)
    today = timezone.localdate()
    names = dict(Rule.objects.filter(code__in=SEED_RULES).values_list("code", "name"))
    type_ids = list(BusinessType.objects.order_by("pk").values_list("pk", flat=True))
    own = state.business_type.pk

    def case(expression: str, values: list) -> tuple[str, list]:
        whens = " ".join(f"WHEN {i} THEN %s" for i in range(len(values) - 1))
        return f"CASE {expression} %% {len(values)} {whens} ELSE %s END", list(values)

    code_sql, code_params = case("c.id", [f",{code}," for code in SEED_RULES])
    reason_sql, reason_params = case("c.id", [names.get(code, code) for code in SEED_RULES])
    other_type_sql, other_type_params = case("c.id", type_ids)

    def run() -> int:
        with transaction.atomic():
            seed_run = ScreeningRun.objects.create(
                as_of=as_of - datetime.timedelta(days=365),
                status=RunStatus.FROZEN,
                frozen_at=now,
                note="bench: earlier tasks",
            )
            seed = Batch.objects.create(
                number=SEED_BATCH_NUMBER,
                run=seed_run,
                business_type=state.business_type,
                as_of=seed_run.as_of,
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {t['task']} (customer_id, branch_id, business_type_id, "
                    f"batch_id, rule_codes, reasons, status, deadline, assignee_id, "
                    f"assigned_at, attempt_count, unanswered_count, close_reason, closed_at, "
                    f"created_at, updated_at) "
                    f"SELECT c.id, c.branch_id, "
                    f"CASE WHEN c.id %% 10 < 3 THEN %s ELSE {other_type_sql} END, %s, "
                    f"{code_sql}, {reason_sql}, "
                    f"CASE c.id %% 10 WHEN 0 THEN 'new' WHEN 1 THEN 'new' "
                    f"WHEN 2 THEN 'in_progress' WHEN 9 THEN 'cancelled' ELSE 'completed' END, "
                    f"CASE WHEN c.id %% 20 = 1 THEN %s ELSE %s END, "
                    f"CASE WHEN c.id %% 10 = 0 THEN NULL ELSE "
                    f"(SELECT MIN(u.id) FROM {t['user']} u WHERE u.branch_id = c.branch_id "
                    f"AND u.role = %s) END, "
                    f"CASE WHEN c.id %% 10 = 0 THEN NULL ELSE %s END, 0, 0, '', "
                    f"CASE WHEN c.id %% 10 < 3 THEN NULL ELSE %s END, %s, %s "
                    f"FROM {t['customer']} c ORDER BY c.id",
                    [
                        own, *other_type_params, seed.pk, *code_params, *reason_params,
                        today - datetime.timedelta(days=3), today + datetime.timedelta(days=30),
                        Role.AGENT.value, db_now, db_now, db_now, db_now,
                    ],
                )  # fmt: skip
                cursor.execute(
                    f"INSERT INTO {t['link']} (task_id, batch_id, kind, rule_codes, created_at) "
                    f"SELECT id, %s, 'created', rule_codes, %s FROM {t['task']} "
                    f"WHERE batch_id = %s",
                    [seed.pk, db_now, seed.pk],
                )
                cursor.execute(
                    f"INSERT INTO {t['rule']} (task_id, code, name, batch_id) "
                    f"SELECT id, SUBSTR(rule_codes, 2, 4), reasons, %s FROM {t['task']} "
                    f"WHERE batch_id = %s",
                    [seed.pk, seed.pk],
                )
        _analyze(t["task"], t["link"], t["rule"])
        return CallbackTask.objects.count()

    tasks, seconds, peak = timed(run)
    state.existing_tasks = tasks
    print(f"existing tasks: {tasks} in {seconds:.2f} s", flush=True)
    return {"seconds": seconds, "rows": tasks, "peak_mb": peak}


def store_run(state: State, as_of: datetime.date, rules: tuple[str, ...]) -> dict:
    """筛选: screen the six built-in rules and store the run with all its hits (a preview)."""
    from huifang.rules.services import do_run_screening

    state.need("hq")
    run, seconds, peak = timed(do_run_screening, as_of, rules=list(rules), actor=state.hq)
    state.run = run
    print(f"store run: {run.hit_count} hits in {seconds:.2f} s", flush=True)
    return {"seconds": seconds, "rows": run.hit_count, "peak_mb": peak}


def freeze_run(state: State) -> dict:
    """数据落地 (``do_freeze_run``)."""
    from huifang.rules.services import do_freeze_run

    state.need("hq", "run")
    run, seconds, peak = timed(do_freeze_run, state.run, actor=state.hq)
    state.run = run
    print(f"freeze: {seconds:.3f} s", flush=True)
    return {"seconds": seconds, "rows": run.hit_count, "peak_mb": peak}


def create_batch(state: State, freeze_seconds: float | None) -> dict:
    """加入回访名单 (``do_create_batch``): the merge against the existing tasks."""
    from huifang.callbacks.services import do_create_batch

    state.need("hq", "run", "business_type")
    result, seconds, peak = timed(do_create_batch, state.run, state.business_type, actor=state.hq)
    if not result.created:
        raise RuntimeError(f"batch {result.batch.number} already existed")
    batch = state.batch = result.batch
    _analyze(*(_tables()[name] for name in ("task", "link", "rule")))
    note = (
        f"{batch.created_count:,} created, {batch.merged_count:,} merged, "
        f"{batch.skipped_count:,} skipped; against {state.existing_tasks:,} existing tasks"
    )
    if freeze_seconds is not None:
        note += f"; freeze + batch {freeze_seconds + seconds:.2f} s"
    print(f"batch {batch.number}: {note} in {seconds:.2f} s", flush=True)
    return {"seconds": seconds, "rows": batch.hit_count, "peak_mb": peak, "note": note}


def seed_records(state: State) -> dict:
    """Two callback records per task in bulk SQL (the issue's 2M records to 1M tasks): a
    failed attempt (unanswered) and a second one, successful for completed tasks; by the
    task's agent, spread over the year before the benchmark's run."""
    from django.db import connection, transaction

    from huifang.callbacks.records.models import CallbackRecord, FailureReason

    state.need("agent")
    t = _tables()
    reason = (
        FailureReason.objects.filter(counts_as_unanswered=True).order_by("pk").first()
        or FailureReason.objects.order_by("pk").first()
    )
    reason_id = reason.pk if reason else None
    if connection.vendor == "postgresql":
        called = (
            "(TIMESTAMPTZ '2025-01-02 01:30:00+00' + ((t.id * 7 + k.n * 31) %% 330) "
            "* INTERVAL '1 day' + ((t.id * 13 + k.n) %% 540) * INTERVAL '1 minute')"
        )
    else:
        called = (
            "datetime('2025-01-02 01:30:00', '+' || ((t.id * 7 + k.n * 31) %% 330) || ' days', "
            "'+' || ((t.id * 13 + k.n) %% 540) || ' minutes')"
        )
    success = "k.n = 2 AND t.status = 'completed'"

    def run() -> int:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {t['record']} (task_id, branch_id, customer_id, business_type_id, status, "
                f"failure_reason_id, method, called_at, duration_seconds, agent_id, "
                f"channel_source, mobile_used, phone_used, address, tags, remark, version, "
                f"created_at, created_by_id, updated_at, updated_by_id) "
                f"SELECT t.id, t.branch_id, t.customer_id, t.business_type_id, "
                f"CASE WHEN {success} THEN 'success' ELSE 'failure' END, "
                f"CASE WHEN {success} THEN NULL ELSE %s END, "
                f"CASE WHEN t.id %% 5 = 0 THEN 'sms' ELSE 'phone' END, {called}, "
                f"(t.id * 11 + k.n) %% 600, COALESCE(t.assignee_id, %s), '', '', '', '', '', "
                f"'', 1, {called}, COALESCE(t.assignee_id, %s), {called}, "
                f"COALESCE(t.assignee_id, %s) "
                f"FROM {t['task']} t CROSS JOIN (SELECT 1 AS n UNION ALL SELECT 2) k "
                f"ORDER BY t.id, k.n",
                [reason_id, state.agent.pk, state.agent.pk, state.agent.pk],
            )
        _analyze(t["record"])
        return CallbackRecord.objects.count()

    rows, seconds, peak = timed(run)
    print(f"records: {rows} in {seconds:.2f} s", flush=True)
    return {"seconds": seconds, "rows": rows, "peak_mb": peak}


def export_task_steps() -> dict:
    """The first 100,000 tasks to xlsx and csv through ``huifang export tasks``'s code path
    (``write_tasks``: its rows, header and ``core.export.write_file``), keyset-chunked from
    the database."""
    from huifang.callbacks.management.commands import export as command
    from huifang.callbacks.models import CallbackTask

    ids = CallbackTask.objects.order_by("pk").values_list("pk", flat=True)
    nth = list(ids[EXPORT_TASKS - 1 : EXPORT_TASKS])
    last = nth[0] if nth else ids.last()
    if last is None:
        raise Skipped("no tasks to export")
    queryset = CallbackTask.objects.select_related(
        "customer", "branch", "business_type", "batch", "assignee"
    ).filter(pk__lte=last)
    directory = Path(os.environ.get("HUIFANG_DATA_DIR") or tempfile.gettempdir())
    out = {}
    for kind in ("xlsx", "csv"):
        path = directory / f"tasks.{kind}"
        rows, seconds, peak = timed(command.write_tasks, str(path), queryset)
        out[f"export_tasks_{kind}"] = {"seconds": seconds, "rows": rows, "peak_mb": peak}
        print(f"export tasks {kind}: {rows} rows in {seconds:.2f} s", flush=True)
    return out
