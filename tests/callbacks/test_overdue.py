"""Overdue has one definition: ``CallbackTask.objects.overdue(day)`` (and the same rule
for one task, ``is_overdue``); the task list, the batch page and the home page use it."""

from __future__ import annotations

import datetime
import pathlib
import re

import pytest

import huifang
from huifang.callbacks import services
from huifang.callbacks.models import CallbackTask
from tests.callbacks.conftest import TODAY, make_customer, make_run

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def tasks(branches, personas, annual):
    customers = [make_customer(branches["a1"]) for _ in range(4)]
    services.do_create_batch(
        make_run({c: ["A003"] for c in customers}), annual, actor=personas["hq_admin"]
    )
    rows = list(CallbackTask.objects.order_by("pk"))
    deadlines = [TODAY - DAY, TODAY, TODAY - DAY, None]
    for task, deadline in zip(rows, deadlines, strict=True):
        CallbackTask.objects.filter(pk=task.pk).update(deadline=deadline)
    CallbackTask.objects.filter(pk=rows[2].pk).update(status="completed")
    return [CallbackTask.objects.get(pk=t.pk) for t in rows]


def test_an_open_task_is_overdue_from_the_day_after_its_deadline(tasks):
    assert list(CallbackTask.objects.overdue(TODAY)) == [tasks[0]]
    assert set(CallbackTask.objects.overdue(TODAY + DAY)) == {tasks[0], tasks[1]}


def test_overdue_defaults_to_today_in_beijing(tasks):
    assert list(CallbackTask.objects.overdue()) == [tasks[0]]


def test_one_task_agrees_with_the_queryset(tasks):
    for day in (TODAY, TODAY + DAY):
        overdue = set(CallbackTask.objects.overdue(day))
        assert {t for t in tasks if t.is_overdue(day)} == overdue


def test_no_other_module_spells_out_the_overdue_rule():
    source = pathlib.Path(huifang.__file__).parent
    spelled = re.compile(r"deadline__lt\b|deadline\s*<\s*(today|panel)")
    found = [
        str(path.relative_to(source))
        for path in source.rglob("*")
        if path.suffix in (".py", ".html") and spelled.search(path.read_text(encoding="utf-8"))
    ]
    assert found == ["callbacks/models.py"]
