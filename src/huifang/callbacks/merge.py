"""The merge mechanism (合并机制) in set-based SQL: one statement per step, no loop over
customers, so a run of 300,000 hits against a million existing tasks stays in seconds.

Semantics (``docs/rules.md``, section Merge): for a frozen run R turned into batch B of
business type T,

1. every hit whose customer holds an open task of type T merges into it: the link
   (TaskBatch, kind 合并) records that B touched the task, the task gains the rules it did
   not carry yet (TaskRule, with the names R recorded), and its ``rule_codes``/``reasons``
   are rebuilt from its rules in rule-code order joined by ``；``;
2. every other hit gets a new task in B at the hit's branch (the customer's branch as of
   R's reference date), status 未处理 — also a customer closed (销户) since D: the run is
   as of D, where they were eligible (``rules.md``: "every other candidate gets a new
   task").
3. 抽样比例 (``batch.sample_percent``, from the business type): below 100, of the n
   customers step 2 would give a new task only ``ceil(n × percent / 100)`` get one — the
   first in the order :func:`sample_order_sql`, a pseudo-random but deterministic order
   seeded by the batch number (a batch rolled back and made again takes the same number,
   so the same run gives the same sample). Step 1 is never sampled; the others count as
   skipped. At 100 step 2 is exactly as above (no count, no limit).

The caller (``services.do_create_batch``) runs these in one transaction after taking the
batch-number lock, so concurrent batches are serialised; the partial unique index on open
tasks is the last guard.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection

from huifang.callbacks.choices import OPEN_STATUSES, LinkKind, TaskStatus
from huifang.callbacks.deadlines import DeadlinePlan
from huifang.callbacks.models import Batch, CallbackTask, TaskBatch, TaskRule
from huifang.customers.models import Customer
from huifang.rules.models import Hit, RunRule

REASON_SEPARATOR = "；"

TASK = CallbackTask._meta.db_table
LINK = TaskBatch._meta.db_table
RULE = TaskRule._meta.db_table
HIT = Hit._meta.db_table
RUN_RULE = RunRule._meta.db_table
CUSTOMER = Customer._meta.db_table


SAMPLE_MULTIPLIER = 2654435761  # Knuth's multiplicative hash: spreads consecutive ids
SAMPLE_MODULUS = 4294967296  # 2**32


@dataclass
class MergeCounts:
    created: int = 0
    merged: int = 0
    skipped: int = 0
    candidates: int = 0  # customers without an open task of the type (step 2's input)


def sample_size(candidates: int, percent: int) -> int:
    """ceil(candidates × percent / 100) in integers (10% of 118 → 12)."""
    return (candidates * percent + 99) // 100


def sample_order_sql(column: str, seed: int) -> str:
    """ORDER BY terms drawing the sample: ``(id × 2654435761 + seed) mod 2**32``, then the
    id. Integer arithmetic only, so SQLite and PostgreSQL give the same order (ids below
    3.4 × 10⁹ keep the product inside 64 bits)."""
    return f"(({column} * {SAMPLE_MULTIPLIER} + {int(seed)}) %% {SAMPLE_MODULUS}), {column}"


def _open_in() -> str:
    return "(" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ")"


def _rebuild_expressions() -> tuple[str, str]:
    """SQL for a task's ``rule_codes`` and ``reasons`` from its TaskRule rows, ordered."""
    if connection.vendor == "postgresql":
        codes = (
            f"(SELECT ',' || string_agg(r.code, ',' ORDER BY r.code) || ',' "
            f"FROM {RULE} r WHERE r.task_id = {TASK}.id)"
        )
        reasons = (
            f"(SELECT string_agg(r.name, '{REASON_SEPARATOR}' ORDER BY r.code) "
            f"FROM {RULE} r WHERE r.task_id = {TASK}.id)"
        )
        return codes, reasons
    # SQLite (< 3.44 has no ORDER BY inside aggregates): aggregate an ordered subquery.
    codes = (
        f"(SELECT ',' || group_concat(code, ',') || ',' FROM "
        f"(SELECT r.code FROM {RULE} r WHERE r.task_id = {TASK}.id ORDER BY r.code))"
    )
    reasons = (
        f"(SELECT group_concat(name, '{REASON_SEPARATOR}') FROM "
        f"(SELECT r.name FROM {RULE} r WHERE r.task_id = {TASK}.id ORDER BY r.code))"
    )
    return codes, reasons


def _code_match(codes_column: str) -> str:
    """Join condition: a run rule whose code is in a ``,A001,A002,`` column."""
    return f"{codes_column} LIKE '%%,' || rr.code || ',%%'"


def youngest_birth(run_id: int) -> datetime.date | None:
    """The latest birth date among the run's hits (bounds the birthday deadline rule)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MAX(c.birth_date) FROM {HIT} h JOIN {CUSTOMER} c ON c.id = h.customer_id "
            f"WHERE h.run_id = %s",
            [run_id],
        )
        value = cursor.fetchone()[0]
    if isinstance(value, str):  # SQLite returns the raw text of an aggregate
        value = datetime.date.fromisoformat(value)
    return value


def merge_run(
    batch: Batch,
    deadlines: DeadlinePlan,
    progress: Callable[[int, str], None] | None = None,
) -> MergeCounts:
    """Turn ``batch.run``'s hits into tasks of ``batch.business_type`` (see module doc)."""
    report = progress or (lambda step, message: None)
    run_id, type_id, batch_id = batch.run_id, batch.business_type_id, batch.pk
    now = batch.created_at
    counts = MergeCounts()
    codes_sql, reasons_sql = _rebuild_expressions()
    open_in = _open_in()
    with connection.cursor() as cursor:
        report(1, "合并到未完成的任务")
        cursor.execute(
            f"INSERT INTO {LINK} (task_id, batch_id, kind, rule_codes, created_at) "
            f"SELECT t.id, %s, %s, h.rule_codes, %s FROM {HIT} h "
            f"JOIN {TASK} t ON t.customer_id = h.customer_id AND t.business_type_id = %s "
            f"AND t.status IN {open_in} WHERE h.run_id = %s",
            [batch_id, LinkKind.MERGED.value, now, type_id, run_id],
        )
        counts.merged = max(cursor.rowcount, 0)

        report(2, "补充合并任务的筛选理由")
        cursor.execute(
            f"INSERT INTO {RULE} (task_id, code, name, batch_id) "
            f"SELECT t.id, rr.code, rr.name, %s FROM {LINK} l "
            f"JOIN {TASK} t ON t.id = l.task_id "
            f"JOIN {HIT} h ON h.run_id = %s AND h.customer_id = t.customer_id "
            f"JOIN {RUN_RULE} rr ON rr.run_id = %s AND {_code_match('h.rule_codes')} "
            f"WHERE l.batch_id = %s AND NOT EXISTS "
            f"(SELECT 1 FROM {RULE} x WHERE x.task_id = t.id AND x.code = rr.code)",
            [batch_id, run_id, run_id, batch_id],
        )
        if cursor.rowcount:
            cursor.execute(
                f"UPDATE {TASK} SET rule_codes = {codes_sql}, reasons = {reasons_sql}, "
                f"updated_at = %s WHERE id IN "
                f"(SELECT r.task_id FROM {RULE} r WHERE r.batch_id = %s)",
                [now, batch_id],
            )

        report(3, "新建回访任务")
        deadline_sql, deadline_params = deadlines.sql_case("c.birth_date")
        provisional_sql, provisional_params = deadlines.sql_provisional("c.birth_date")
        candidates = (
            f"FROM {HIT} h JOIN {CUSTOMER} c ON c.id = h.customer_id "
            f"WHERE h.run_id = %s AND NOT EXISTS "
            f"(SELECT 1 FROM {TASK} x WHERE x.customer_id = h.customer_id "
            f"AND x.business_type_id = %s AND x.status IN {open_in}) "
        )
        order, limit = "h.customer_id", ""
        if batch.sample_percent < 100:
            cursor.execute(f"SELECT COUNT(*) {candidates}", [run_id, type_id])
            counts.candidates = cursor.fetchone()[0]
            order = sample_order_sql("h.customer_id", int(batch.number))
            limit = f" LIMIT {sample_size(counts.candidates, batch.sample_percent)}"
        cursor.execute(
            f"INSERT INTO {TASK} (customer_id, branch_id, business_type_id, batch_id, "
            f"rule_codes, reasons, status, deadline, deadline_provisional, attempt_count, "
            f"unanswered_count, close_reason, created_at, updated_at) "
            f"SELECT h.customer_id, h.branch_id, %s, %s, h.rule_codes, h.reasons, %s, "
            f"{deadline_sql}, {provisional_sql}, 0, 0, '', %s, %s "
            f"{candidates}ORDER BY {order}{limit}",
            [
                type_id,
                batch_id,
                TaskStatus.NEW.value,
                *deadline_params,
                *provisional_params,
                now,
                now,
                run_id,
                type_id,
            ],
        )
        counts.created = max(cursor.rowcount, 0)
        if batch.sample_percent >= 100:
            counts.candidates = counts.created

        report(4, "记录新任务的批次与规则")
        cursor.execute(
            f"INSERT INTO {LINK} (task_id, batch_id, kind, rule_codes, created_at) "
            f"SELECT t.id, %s, %s, t.rule_codes, %s FROM {TASK} t WHERE t.batch_id = %s",
            [batch_id, LinkKind.CREATED.value, now, batch_id],
        )
        cursor.execute(
            f"INSERT INTO {RULE} (task_id, code, name, batch_id) "
            f"SELECT t.id, rr.code, rr.name, %s FROM {TASK} t "
            f"JOIN {RUN_RULE} rr ON rr.run_id = %s AND {_code_match('t.rule_codes')} "
            f"WHERE t.batch_id = %s",
            [batch_id, run_id, batch_id],
        )
    return counts
