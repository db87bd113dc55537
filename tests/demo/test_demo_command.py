"""``huifang demo`` end to end: the data goes through the real import path, twice."""

from __future__ import annotations

import datetime
import io
from collections import Counter

from django.core.management import call_command

from huifang.customers.models import Customer, DailyBalance, ProductHolding
from huifang.org.models import Branch, User
from huifang.rules.engine import screen


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "--customers", "60", "--year", "2025", *args, stdout=out)
    return out.getvalue()


def test_demo_loads_the_company_and_is_idempotent(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    first = run_demo("--password", "Demo-pass-2025")
    counts = (
        Branch.objects.count(),
        Customer.objects.count(),
        DailyBalance.objects.count(),
        ProductHolding.objects.count(),
        User.objects.count(),
    )
    assert counts[0] == 7 and counts[1] == 60 and counts[2] > 1000 and counts[3] > 0
    assert counts[4] == 16
    assert Customer.objects.get(investor_code="0000000001").branch.code.startswith("01")
    second = run_demo()
    assert (
        Branch.objects.count(),
        Customer.objects.count(),
        DailyBalance.objects.count(),
        ProductHolding.objects.count(),
        User.objects.count(),
    ) == counts
    assert "新增 0，更新 0" in second
    assert first.splitlines()[-16:] == second.splitlines()[-16:]


def test_the_demo_company_hits_every_built_in_rule(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    run_demo()
    hits = Counter()
    for hit in screen(datetime.date(2025, 12, 31), details=False):
        hits.update(hit.codes)
    assert sorted(hits) == ["A001", "A002", "A003", "A004", "A005", "A006"]


def test_the_demo_leaves_every_agent_work_to_do(db, settings, tmp_path, monkeypatch):
    from django.utils import timezone

    from huifang.callbacks.models import Batch, CallbackTask
    from huifang.callbacks.records.models import CallbackRecord

    real = timezone.localdate
    monkeypatch.setattr(  # a batch day whose deadline stays inside the seeded calendar
        "django.utils.timezone.localdate",
        lambda value=None, timezone=None: (
            datetime.date(2026, 3, 2) if value is None else real(value, timezone)
        ),
    )
    settings.DATA_DIR = tmp_path
    run_demo("--password", "Demo-pass-2025")
    assert Batch.objects.count() == 1
    agents = User.objects.filter(username__contains="_agent")
    assert all(CallbackTask.objects.filter(assignee=a).exists() for a in agents)
    assert CallbackRecord.objects.filter(status="success", method="phone").count() == 4
    run_demo()
    assert Batch.objects.count() == 1


def _today(monkeypatch, day: datetime.date) -> None:
    from django.utils import timezone

    real = timezone.localdate
    monkeypatch.setattr(
        "django.utils.timezone.localdate",
        lambda value=None, timezone=None: day if value is None else real(value, timezone),
    )


def test_the_demo_explains_why_it_made_no_tasks_when_the_calendar_ends(
    db, settings, tmp_path, monkeypatch
):
    _today(
        monkeypatch, datetime.date(2100, 12, 28)
    )  # 2101: no calendar, not even a provisional one
    settings.DATA_DIR = tmp_path
    out = run_demo("--password", "Demo-pass-2025")
    assert "未生成演示回访任务：2101 年的交易日历尚未维护" in out


def test_the_demo_at_year_end_makes_tasks_with_provisional_deadlines(
    db, settings, tmp_path, monkeypatch
):
    from huifang.callbacks.models import CallbackTask

    _today(monkeypatch, datetime.date(2026, 12, 28))  # deadlines reach into unmaintained 2027
    settings.DATA_DIR = tmp_path
    run_demo("--password", "Demo-pass-2025")
    tasks = CallbackTask.objects.all()
    assert tasks.exists()
    assert not tasks.filter(deadline_provisional=False).exists()
    assert not tasks.filter(deadline__year__lt=2027).exists()
