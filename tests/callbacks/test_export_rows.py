"""``huifang export tasks``'s rows come from plain tuples and label dicts: the same cells
as reading each task's model instances and ``get_FOO_display`` would give."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from huifang.callbacks.management.commands.export import _task_rows
from huifang.callbacks.models import CallbackTask, TaskBatch
from tests.callbacks.conftest import make_customer, make_run

pytestmark = pytest.mark.django_db


def instance_rows(queryset) -> list[list]:
    """The export's columns the slow way: one model instance graph per task."""
    rows = []
    for t in queryset.select_related("customer", "branch", "business_type", "batch", "assignee"):
        c = t.customer
        numbers = TaskBatch.objects.filter(task=t).order_by("batch__number")
        rows.append(
            [
                t.batch.number,
                c.investor_code,
                c.name,
                t.branch.code,
                t.branch.name,
                c.get_customer_type_display(),
                c.risk_label,
                t.business_type.name,
                t.reasons,
                c.get_status_display(),
                "休眠" if c.dormant else "正常",
                t.get_status_display(),
                t.deadline,
                "暂定" if t.deadline_provisional else "正式",
                t.assignee.username if t.assignee_id else "",
                "，".join(numbers.values_list("batch__number", flat=True)),
            ]
        )
    return rows


def create_batch(hits) -> None:
    call_command(
        "batch", "create", "--run", str(make_run(hits).pk), "--business-type", "年度适当性回访"
    )


def test_task_rows_match_the_model_instances(branches, personas):
    a = make_customer(branches["a1"], risk_level=1, risk_lowest=True, dormant=True)
    b = make_customer(branches["b1"], customer_type="institution", risk_level=None)
    c = make_customer(branches["a1"], status="closed")
    create_batch({a: ["A003"], b: ["A002"]})
    create_batch({a: ["A005"], c: ["A003"]})  # merges into a's open task
    CallbackTask.objects.filter(customer=b).update(
        assignee=personas["agent_b"], status="in_progress"
    )
    tasks = CallbackTask.objects.order_by("pk")

    rows = list(_task_rows(tasks, size=1))  # one task per keyset chunk

    assert rows == instance_rows(tasks)
    assert rows[0][-1] == "1000000001，1000000002"  # both batches, merged
    assert rows[0][6].endswith("(最低类别)") and rows[1][6] == ""


def test_task_rows_follow_the_filter(branches):
    a, b = make_customer(branches["a1"]), make_customer(branches["b1"])
    create_batch({a: ["A003"], b: ["A003"]})
    only_b = CallbackTask.objects.filter(customer=b)

    assert [row[1] for row in _task_rows(only_b, size=1)] == [b.investor_code]
