"""Batches created in December reach into next year, which chinesecalendar does not know
and HQ has not maintained yet: deadlines are computed on the provisional calendar, marked
暂定 on the pages and in the exports, and recomputed (audited) when HQ maintains the year."""

from __future__ import annotations

import csv
import datetime
import io
import re
from io import StringIO

import pytest
from django.core.management import call_command

from huifang.callbacks.models import Batch, CallbackTask
from huifang.core import calendar
from huifang.core.models import AuditEvent
from tests.callbacks.conftest import make_customer, make_run
from tests.core.test_calendar_import import TEST_CLOSURE, schedule_rows, write_csv

D = datetime.date
pytestmark = pytest.mark.django_db
DECEMBER = D(2026, 12, 2)
# 40 trading days after Wednesday 2026-12-02: 21 left in December, 元旦 (Friday) closed,
# then 19 in January 2027 → Thursday 2027-01-28 on the provisional calendar.
PROVISIONAL_DEADLINE = D(2027, 1, 28)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """Today is 2026-12-02 (10:00 in Shanghai) for the batch day and its timestamp."""
    from django.utils import timezone

    real = timezone.localdate
    monkeypatch.setattr(
        "django.utils.timezone.localdate",
        lambda value=None, timezone=None: DECEMBER if value is None else real(value, timezone),
    )
    monkeypatch.setattr(
        "django.utils.timezone.now",
        lambda: datetime.datetime(2026, 12, 2, 2, 0, tzinfo=datetime.UTC),
    )
    return DECEMBER


def create_batch(*customers, business_type="年度适当性回访") -> Batch:
    run = make_run({customer: ["A003"] for customer in customers})
    call_command(
        "batch", "create", "--run", str(run.pk), "--business-type", business_type, stdout=StringIO()
    )
    return Batch.objects.get(run=run)


def import_2027(tmp_path) -> str:
    out = StringIO()
    path = write_csv(tmp_path, schedule_rows())
    call_command("calendar", "import", "2027", str(path), stdout=out)
    return out.getvalue()


def test_batch_in_december_into_an_unmaintained_year_is_created_with_provisional_deadlines(
    branches, annual
):
    batch = create_batch(make_customer(branches["a1"]))

    task = CallbackTask.objects.get()
    assert (task.deadline, task.deadline_provisional) == (PROVISIONAL_DEADLINE, True)
    assert (batch.deadline, batch.deadline_provisional) == (PROVISIONAL_DEADLINE, True)


def test_deadline_inside_the_maintained_year_is_not_provisional(branches, annual):
    annual.deadline_days = 5
    annual.save()
    create_batch(make_customer(branches["a1"]))

    task = CallbackTask.objects.get()
    assert (task.deadline, task.deadline_provisional) == (D(2026, 12, 9), False)


def test_task_pages_mark_the_provisional_deadline(client_for, branches, annual):
    batch = create_batch(make_customer(branches["a1"], code="00012345"))
    task = CallbackTask.objects.get()
    client = client_for("hq_admin")

    detail = client.get(f"/callbacks/tasks/{task.pk}/").content.decode()
    listing = client.get("/callbacks/tasks/").content.decode()
    batch_page = client.get(f"/callbacks/batches/{batch.pk}/").content.decode()

    assert 'id="deadline-provisional"' in detail and "2027-01-28" in detail
    assert "暂定</span>" in listing[listing.index("00012345") :]
    assert 'id="deadline-provisional"' in batch_page


def test_every_page_of_the_task_shows_the_deadline_alike(client_for, branches, annual):
    """The record pages (/records/tasks/<id>/) and the workbench show 暂定 as the task page."""
    create_batch(make_customer(branches["a1"], code="00012345"))
    task = CallbackTask.objects.get()
    client = client_for("hq_admin")

    detail = client.get(f"/callbacks/tasks/{task.pk}/").content.decode()
    records = client.get(f"/records/tasks/{task.pk}/").content.decode()

    shown = re.compile(r"2027-01-28 <span class=\"badge bg-yellow-lt deadline-provisional\"")
    assert shown.search(detail)
    assert shown.search(records)


def test_task_exports_carry_the_deadline_state(client_for, branches, annual, tmp_path):
    create_batch(make_customer(branches["a1"], code="00012345"))
    annual.deadline_days = 5
    annual.save()
    create_batch(make_customer(branches["a1"], code="00067890"))

    call_command("export", "tasks", str(tmp_path / "tasks.csv"), stdout=StringIO())
    command_rows = list(
        csv.DictReader(io.StringIO((tmp_path / "tasks.csv").read_text("utf-8-sig")))
    )
    response = client_for("hq_admin").get("/callbacks/tasks/?_export=csv")
    page_rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )

    for rows in (command_rows, page_rows):
        states = {row["投资者代码"]: (row["截止日期"], row["截止日期状态"]) for row in rows}
        assert states == {
            "00012345": ("2027-01-28", "暂定"),
            "00067890": ("2026-12-09", "正式"),
        }


def test_importing_the_year_recomputes_open_provisional_deadlines_and_audits_each(
    branches, annual, tmp_path
):
    open_customer, closed_customer = make_customer(branches["a1"]), make_customer(branches["a1"])
    batch = create_batch(open_customer, closed_customer)
    CallbackTask.objects.filter(customer=closed_customer).update(status="cancelled")

    output = import_2027(tmp_path)

    # The schedule closes one more weekday in the span (TEST_CLOSURE): one day later.
    task = CallbackTask.objects.get(customer=open_customer)
    assert TEST_CLOSURE < PROVISIONAL_DEADLINE
    assert (task.deadline, task.deadline_provisional) == (D(2027, 1, 29), False)
    closed = CallbackTask.objects.get(customer=closed_customer)
    assert (closed.deadline, closed.deadline_provisional) == (PROVISIONAL_DEADLINE, True)
    batch.refresh_from_db()
    assert (batch.deadline, batch.deadline_provisional) == (D(2027, 1, 29), False)
    event = AuditEvent.objects.get(
        action="deadline_recompute", object_type="callbacks.callbacktask", object_id=str(task.pk)
    )
    assert event.before == {"deadline": "2027-01-28", "deadline_provisional": True}
    assert event.after == {"deadline": "2027-01-29", "deadline_provisional": False}
    assert event.actor_label == "command:calendar"
    assert AuditEvent.objects.filter(action="deadline_recompute").count() == 2  # task, batch
    assert "重算暂定截止日期：回访任务 1 条，回访批次 1 个" in output


def test_marking_the_year_complete_in_the_page_recomputes_with_the_user_as_actor(
    client_for, personas, branches, annual
):
    create_batch(make_customer(branches["a1"]))
    hq = personas["hq_admin"]
    calendar.do_create_year(2027, actor=hq)
    for day, name in [(D(2027, 1, 1), "元旦"), (D(2027, 1, 4), "测试休市")]:
        calendar.do_add_holiday(2027, day, name, actor=hq)
    assert CallbackTask.objects.get().deadline_provisional  # an incomplete year is not used

    client_for("hq_admin").post("/system/calendar/2027/complete/", {"complete": "1"})

    task = CallbackTask.objects.get()
    assert (task.deadline, task.deadline_provisional) == (D(2027, 1, 29), False)
    event = AuditEvent.objects.get(
        action="deadline_recompute", object_type="callbacks.callbacktask", object_id=str(task.pk)
    )
    assert event.user == hq


def test_birthday_month_end_deadlines_are_never_provisional(branches, elderly_type):
    elderly_type.deadline_days = 40
    elderly_type.save()
    turning = make_customer(branches["a1"], birth_date=D(1956, 12, 10))  # 70 on 2026-12-10
    unknown = make_customer(branches["a1"])
    create_batch(turning, unknown, business_type="老年交易者回访")

    month_end = CallbackTask.objects.get(customer=turning)
    fallback = CallbackTask.objects.get(customer=unknown)
    assert (month_end.deadline, month_end.deadline_provisional) == (D(2027, 1, 31), False)
    assert (fallback.deadline, fallback.deadline_provisional) == (PROVISIONAL_DEADLINE, True)


def test_importing_the_same_file_again_recomputes_a_deadline_left_provisional(
    branches, annual, tmp_path
):
    import_2027(tmp_path)
    create_batch(make_customer(branches["a1"]))
    # As if another process had created it with its cached, still provisional calendar.
    CallbackTask.objects.update(deadline=PROVISIONAL_DEADLINE, deadline_provisional=True)

    output = import_2027(tmp_path)

    task = CallbackTask.objects.get()
    assert (task.deadline, task.deadline_provisional) == (D(2027, 1, 29), False)
    assert "无变化" in output and "回访任务 1 条" in output
