"""A screening date beyond today or the newest daily data: warned about in the command and
the pages, and frozen only with an explicit confirmation that is stored and audited."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from huifang.core.models import AuditEvent
from huifang.rules import services
from huifang.rules.completeness import data_gap
from huifang.rules.models import ScreeningRun

from .conftest import daily, refresh

D = datetime.date
TODAY = D(2026, 12, 21)  # a Monday; the year-end list is prepared ten days early
NEWEST = D(2026, 12, 18)  # the Friday before: the newest imported daily rows
YEAR_END = D(2026, 12, 31)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    from django.utils import timezone

    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return TODAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    return TODAY


@pytest.fixture
def customer(make):
    c = make(occupation="无业")
    daily(c, D(2026, 12, 17), prev="1000.00")
    daily(c, NEWEST, prev="1000.00")
    refresh()
    return c


def call(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_screen_warns_naming_the_newest_daily_date(customer):
    text = call("screen", "--as-of", "2026-12-31")
    warning = next(line for line in text.splitlines() if line.startswith("警告"))
    assert "2026-12-31" in warning and "晚于今天" in warning
    assert "最新客户资金日报日期 2026-12-18" in warning


def test_screen_does_not_warn_when_the_data_covers_d(customer):
    assert "警告" not in call("screen", "--as-of", "2026-12-18")


def test_a_weekend_d_right_after_the_last_trading_day_is_complete(customer):
    assert data_gap(D(2026, 12, 20)) is None  # Sunday; Friday's rows are the newest


def test_a_trading_day_without_daily_rows_is_incomplete_even_on_today(customer):
    gap = data_gap(TODAY)
    assert gap is not None and not gap.after_today and gap.newest_daily == NEWEST


def test_screen_freeze_beyond_the_data_is_refused_and_stores_nothing(customer):
    with pytest.raises(CommandError, match="--allow-incomplete") as caught:
        call("screen", "--as-of", "2026-12-31", "--freeze")
    assert "2026-12-18" in str(caught.value) and "不完整" in str(caught.value)
    assert not ScreeningRun.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["screen", "run_freeze"]).exists()


def test_screen_freeze_refusal_names_the_newest_data_and_the_ways_on(customer):
    with pytest.raises(CommandError) as caught:
        call("screen", "--as-of", "2026-12-31", "--freeze")
    assert str(caught.value) == (
        "回访基准日 2026-12-31 晚于今天（2026-12-21）且晚于最新客户资金日报日期 2026-12-18，"
        "此后的日报尚未导入，筛选结果不完整，未落地。请先导入 2026-12-18 之后至基准日的客户资金日报"
        "（huifang import daily 文件）再落地；如确需按不完整的数据落地，请加 --allow-incomplete 重新运行"
    )


def test_screen_freeze_refusal_without_any_daily_data_says_to_import_it(make):
    make(occupation="无业")
    with pytest.raises(CommandError) as caught:
        call("screen", "--as-of", "2026-12-31", "--freeze")
    assert "尚无客户资金日报" in str(caught.value) and "勾选" not in str(caught.value)
    assert "请先导入客户资金日报（huifang import daily 文件）" in str(caught.value)
    assert not ScreeningRun.objects.exists()


def test_freeze_refusal_of_a_d_after_today_only_says_to_wait_for_its_data():
    from huifang.rules.completeness import DataGap

    gap = DataGap(YEAR_END, TODAY, YEAR_END, after_today=True, after_daily=False)
    assert "最新客户资金日报日期为 2026-12-31" in gap.command_refusal
    assert "请在基准日的日报导入后再落地；如确需" in gap.command_refusal


def test_screen_freeze_with_allow_incomplete_is_stored_and_audited(customer):
    text = call("screen", "--as-of", "2026-12-31", "--freeze", "--allow-incomplete")
    lines = text.strip().splitlines()
    run = ScreeningRun.objects.get(pk=int(lines[-1]))
    assert any(line.startswith("警告") and "2026-12-18" in line for line in lines[:-1])
    assert run.is_frozen and run.incomplete_confirmed and run.data_through == NEWEST
    event = AuditEvent.objects.get(action="run_freeze")
    assert event.actor_label == "command:screen"
    assert event.after["incomplete_confirmed"] is True and "不完整" in event.message


def test_a_complete_freeze_records_the_data_date_without_a_confirmation(customer):
    run = services.do_run_screening(NEWEST, freeze=True, actor=None)
    assert run.data_through == NEWEST and not run.incomplete_confirmed


def test_allow_incomplete_only_goes_with_freeze(customer):
    with pytest.raises(CommandError, match="--freeze"):
        call("screen", "--as-of", "2026-12-31", "--allow-incomplete")


def test_freezing_a_preview_beyond_the_data_needs_the_confirmation(personas, customer):
    run = services.do_run_screening(YEAR_END, actor=personas["hq_admin"])
    with pytest.raises(ValidationError, match="不完整"):
        services.do_freeze_run(run, actor=personas["hq_admin"])
    assert not ScreeningRun.objects.get(pk=run.pk).is_frozen


# ------------------------------------------------------------------ pages


@pytest.fixture
def preview(personas, customer):
    return services.do_run_screening(YEAR_END, actor=personas["hq_admin"])


def test_screening_page_warns_when_d_is_beyond_the_data(client_for, customer, run_jobs):
    with run_jobs():
        response = client_for("hq_admin").post(
            reverse("rules:screening"), {"as_of": "2026-12-31", "rules": ["A005"]}, follow=True
        )
    text = response.content.decode()
    assert 'data-testid="data-gap"' in text and "最新客户资金日报日期 2026-12-18" in text


def test_run_page_warns_and_asks_for_the_confirmation_checkbox(client_for, preview):
    text = client_for("hq_admin").get(reverse("rules:run_detail", args=[preview.pk])).content
    text = text.decode()
    assert 'data-testid="data-gap"' in text and "2026-12-18" in text
    assert 'name="allow_incomplete" value="1" id="allow_incomplete" required' in text


def test_run_page_of_complete_data_has_no_checkbox(client_for, personas, customer):
    run = services.do_run_screening(NEWEST, actor=personas["hq_admin"])
    text = client_for("hq_admin").get(reverse("rules:run_detail", args=[run.pk])).content
    assert b"allow_incomplete" not in text and b'data-testid="data-gap"' not in text


def test_freeze_without_the_checkbox_is_refused_from_the_page(client_for, preview):
    response = client_for("hq_admin").post(
        reverse("rules:run_freeze", args=[preview.pk]), follow=True
    )
    assert "如确需按不完整的数据落地，请勾选确认" in response.content.decode()
    assert not ScreeningRun.objects.get(pk=preview.pk).is_frozen
    assert not AuditEvent.objects.filter(action="run_freeze").exists()


def test_freeze_with_the_checkbox_is_stored_shown_and_audited(client_for, personas, preview):
    client = client_for("hq_admin")
    client.post(reverse("rules:run_freeze", args=[preview.pk]), {"allow_incomplete": "1"})
    run = ScreeningRun.objects.get(pk=preview.pk)
    assert run.is_frozen and run.incomplete_confirmed and run.data_through == NEWEST
    event = AuditEvent.objects.get(action="run_freeze")
    assert event.user_id == personas["hq_admin"].pk and event.after["incomplete_confirmed"]
    text = client.get(reverse("rules:run_detail", args=[run.pk])).content.decode()
    assert "已确认按不完整数据落地" in text and "hq_admin" in text
    assert "2026-12-18" in text and 'data-testid="data-gap"' not in text


def as_of_offered(client) -> str:
    page = client.get(reverse("rules:screening")).content.decode()
    field = page[page.index('name="as_of"') :]
    return field[field.index('value="') + 7 :][:10]


def test_screening_page_offers_the_newest_daily_date_before_today(client_for, customer):
    """D defaults to the newest imported 资金日报 (18th), not today (21st): by default the
    result is complete and can be frozen without a confirmation."""
    assert as_of_offered(client_for("hq_admin")) == "2026-12-18"


def test_screening_page_offers_today_without_daily_data(client_for):
    assert as_of_offered(client_for("hq_admin")) == "2026-12-21"
