"""The task list's batch filter: every task the batch touched, newest first, read off the
(batch, task) link key without sorting the batch (docs/performance.md)."""

import pytest
from django.db import connection

from huifang.callbacks import services
from huifang.callbacks.filtersets import TaskFilterSet
from huifang.callbacks.models import CallbackTask
from tests.callbacks.conftest import make_customer, make_run


@pytest.fixture
def two_batches(branches, personas, annual):
    """First batch: four customers; the second hits two of them again (merged into their
    open tasks) and one new customer."""
    admin = personas["hq_admin"]
    old = [make_customer(branches["a1"], code=f"0101000{n}") for n in range(1, 5)]
    first = services.do_create_batch(
        make_run({c: ["A003"] for c in old}), annual, actor=admin
    ).batch
    new = make_customer(branches["b1"], code="01020009")
    second = services.do_create_batch(
        make_run({old[0]: ["A005"], old[2]: ["A005"], new: ["A005"]}), annual, actor=admin
    ).batch
    return first, second


def filtered(number: str, user, **params):
    data = {"batch": number, **params}
    filterset = TaskFilterSet(data, queryset=CallbackTask.objects.restrict(user, "view"))
    assert filterset.is_valid(), filterset.errors
    return filterset.qs


def test_the_batch_filter_lists_created_and_merged_tasks_newest_first(two_batches, personas):
    _, second = two_batches
    rows = list(
        filtered(second.number, personas["hq_admin"]).values_list("customer__investor_code", "id")
    )
    assert [code for code, _ in rows] == ["01020009", "01010003", "01010001"]
    assert [pk for _, pk in rows] == sorted((pk for _, pk in rows), reverse=True)


def test_the_batch_filter_keeps_the_branch_scope(two_batches, personas):
    _, second = two_batches
    codes = filtered(second.number, personas["manager_a"]).values_list(
        "customer__investor_code", flat=True
    )
    assert list(codes) == ["01010003", "01010001"]


def test_a_first_page_of_a_batch_is_read_off_the_link_key_without_a_sort(two_batches, personas):
    _, second = two_batches
    page = filtered(second.number, personas["hq_admin"])[:50]
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            # The links drive the loop (the "IN (…)" form scanned the tasks and gathered
            # the batch's ids into a list first).
            assert plan.startswith("SEARCH callbacks_taskbatch USING COVERING INDEX")
            assert "TEMP B-TREE" not in plan
        else:  # a tiny table: forbid the sequential scan a planner would rightly prefer
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "Backward" in plan and "taskbatch_batch_task" in plan
            assert "Sort" not in plan


def test_a_sort_the_user_picks_still_orders_a_batch(client_for, two_batches):
    _, second = two_batches
    html = (
        client_for("hq_admin")
        .get(f"/callbacks/tasks/?batch={second.number}&sort=investor_code")
        .content.decode()
    )
    positions = [html.index(code) for code in ("01010001", "01010003", "01020009")]
    assert positions == sorted(positions)
