"""Storing a run's hits set-based: one ``INSERT … SELECT`` per rule into ``HitReason``
(evidence; its row count is the rule's hit count), then one ``INSERT … SELECT`` merging
them by customer into ``Hit``. No row passes through Python."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection

from huifang.rules.engine import SNAPSHOT, merge_sql
from huifang.rules.engine.rulesql import COLUMN_NAMES, Context, RuleSpec, rule_sql
from huifang.rules.models import Hit, HitReason

Progress = Callable[[int, int, str], None]


def store_hits(
    run_id: int, ctx: Context, specs: list[RuleSpec], progress: Progress | None = None
) -> tuple[dict[str, int], int]:
    """Compute and store the hits of ``specs``; returns (hits per rule code, customers)."""
    counts: dict[str, int] = {}
    total_steps = len(specs) + 1
    reason_table = HitReason._meta.db_table
    hit_table = Hit._meta.db_table
    with connection.cursor() as cursor:
        for step, spec in enumerate(specs):
            if progress:
                progress(step, total_steps, f"正在筛选 {spec.code} {spec.name}")
            sql, params = rule_sql(ctx, spec)
            columns = ", ".join(COLUMN_NAMES)
            cursor.execute(
                f"INSERT INTO {reason_table} (run_id, {columns}) SELECT %s, {columns} FROM ({sql}) x",
                [run_id, *params],
            )
            counts[spec.code] = max(cursor.rowcount, 0)
        if progress:
            progress(len(specs), total_steps, "正在合并命中客户")
        merged, merged_params, _ = merge_sql(ctx, specs, details=True, evidence=False)
        hit_columns = ["customer_id", "rule_codes", "reasons", "branch_id", *SNAPSHOT]
        hit_columns += ["year_volume", "year_loss"]
        cursor.execute(
            f"WITH src AS (SELECT customer_id, rule_code FROM {reason_table} WHERE run_id = %s) "
            f"INSERT INTO {hit_table} (run_id, {', '.join(hit_columns)}) "
            f"SELECT %s, m.* FROM ({merged}) m",
            [run_id, run_id, *merged_params],
        )
        # rowcount is unreliable after ``WITH … INSERT`` on SQLite: count instead.
        cursor.execute(f"SELECT COUNT(*) FROM {hit_table} WHERE run_id = %s", [run_id])
        total = cursor.fetchone()[0]
    return counts, total
