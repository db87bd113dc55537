"""``huifang rules …`` and ``huifang screen …`` per docs/interfaces.md."""

from __future__ import annotations

import csv
import datetime

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from huifang.core.models import AuditEvent
from huifang.rules.models import Hit, Rule, ScreeningRun

from .conftest import daily, refresh

D = datetime.date


def call(*args) -> str:
    import io

    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_rules_list_shows_the_catalogue(db):
    text = call("rules", "list")
    assert "A001\t新开户客户" in text and "A006" in text


def test_rules_show_prints_meaning_params_and_history(db):
    text = call("rules", "show", "A002")
    assert "含义：" in text and "min_loss_amount" in text and "v1" in text


def test_rules_set_stores_a_new_version_audited_as_a_command(db):
    text = call("rules", "set", "A002", "min_loss_amount=50000", "min_loss_ratio=30%")
    assert "v2" in text
    assert Rule.objects.get(code="A002").params["min_loss_ratio"] == "0.3"
    assert AuditEvent.objects.get(action="rule_change").actor_label == "command:rules"


def test_rules_set_refuses_bad_values(db):
    with pytest.raises(CommandError, match="年龄"):
        call("rules", "set", "A003", "min_age=abc")
    with pytest.raises(CommandError, match="未知规则"):
        call("rules", "set", "Z999", "x=1")


def test_screen_freeze_prints_the_run_id_alone_on_the_last_line(make):
    make(occupation="无业")
    text = call("screen", "--as-of", "2025-12-31", "--freeze")
    last = text.strip().splitlines()[-1]
    run = ScreeningRun.objects.get(pk=int(last))
    assert run.is_frozen and run.hit_count == 1


@pytest.mark.parametrize("as_of", ["2025/12/31", "20251231"])
def test_screen_takes_the_reference_date_in_the_data_interfaces_forms(make, as_of):
    make(occupation="无业")
    run = ScreeningRun.objects.get(pk=int(call("screen", "--as-of", as_of, "--freeze").split()[-1]))
    assert run.as_of == datetime.date(2025, 12, 31)


def test_screen_out_csv_has_code_reasons_and_evidence(make, tmp_path):
    c = make(occupation="无业")
    daily(c, D(2025, 3, 3), prev="200000.00", close="-150000.00")
    refresh()
    path = tmp_path / "hits.csv"
    text = call(
        "screen",
        "--as-of",
        "2025-12-31",
        "--rules",
        "A002,A005",
        "--param",
        "A002.min_loss_amount=1000",
        "--out",
        str(path),
    )
    assert "命中客户：1" in text
    assert not ScreeningRun.objects.exists()  # a preview from the CLI stores nothing
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    assert rows[0]["投资者代码"] == c.investor_code
    assert rows[0]["筛选理由"] == "大额亏损客户；职业为“无业”的客户"
    assert rows[0]["A002 亏损金额"] == "150000.00"


def test_screen_out_counts_each_rule_and_customer_as_the_preview_without_a_file(make, tmp_path):
    """With --out the counts are taken from the file's rows (by their lists of rule codes):
    the same as without a file, customers hit by several rules counted once each rule."""
    make(occupation="无业")
    make(occupation="无业", income_source="依靠积蓄并有社会保障")
    make(income_source=" 依靠积蓄并有社会保障")
    make(occupation="学生")
    without = call("screen", "--as-of", "2025-12-31", "--rules", "A004,A005")
    with_file = call(
        "screen", "--as-of", "2025-12-31", "--rules", "A004,A005", "--out", str(tmp_path / "h.csv")
    )
    assert with_file.splitlines()[:3] == without.splitlines()[:3]
    assert without.splitlines()[2] == "命中客户：3"
    assert [line.rsplit("：", 1)[1] for line in without.splitlines()[:2]] == ["2", "2"]


@pytest.mark.parametrize(
    "params",
    [
        ["--param", "A002.min_loss_amount=1000", "A002.min_loss_ratio=0.9"],
        ["--param", "A002.min_loss_amount=1000", "--param", "A002.min_loss_ratio=0.9"],
    ],
)
def test_screen_takes_several_params_after_one_param_or_repeated(make, params):
    c = make()
    daily(c, D(2025, 3, 3), prev="200000.00", close="-150000.00")  # a 75% loss
    refresh()
    text = call("screen", "--as-of", "2025-12-31", "--rules", "A002", *params)
    assert "命中客户：0" in text  # the second parameter applies too: 75% < 90%


def test_screen_freeze_out_xlsx(make, tmp_path):
    make(occupation="无业")
    path = tmp_path / "hits.xlsx"
    call("screen", "--as-of", "2025-12-31", "--freeze", "--out", str(path), "--branch", "0101")
    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[1]]
    assert "投资者代码" in header and "筛选理由" in header and "A005 职业" in header
    assert Hit.objects.count() == 1


def test_screen_refuses_bad_input(db):
    with pytest.raises(CommandError, match="有效日期"):
        call("screen", "--as-of", "2025-13-01")
    with pytest.raises(CommandError, match="未知规则"):
        call("screen", "--as-of", "2025-12-31", "--rules", "Z001")
    with pytest.raises(CommandError, match="格式"):
        call("screen", "--as-of", "2025-12-31", "--param", "A002min=1")
    with pytest.raises(CommandError, match="未知部门"):
        call("screen", "--as-of", "2025-12-31", "--branch", "9999")


def test_rules_list_and_show_print_operation_times_in_local_time(db):
    from django.utils import timezone

    moment = datetime.datetime(2026, 1, 1, 0, 30, tzinfo=datetime.UTC)  # 08:30 in Shanghai
    rule = Rule.objects.get(code="A002")
    Rule.objects.filter(pk=rule.pk).update(updated_at=moment)
    rule.versions.update(created_at=moment)
    local = f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S}"
    assert local == "2026-01-01 08:30:00"
    assert local in call("rules", "list")
    assert local in call("rules", "show", "A002")


def test_screen_param_of_a_rule_that_does_not_exist_says_unknown_rule(db):
    with pytest.raises(CommandError, match="未知规则：Z001"):
        call("screen", "--as-of", "2025-12-31", "--param", "Z001.min_age=3", "--freeze")
    assert not ScreeningRun.objects.exists()


def test_screen_customer_type_takes_the_chinese_label(make):
    make(occupation="无业")
    text = call("screen", "--as-of", "2025-12-31", "--customer-type", "自然人")
    assert "命中客户：1" in text


def test_screen_refuses_an_unknown_customer_type(make):
    make(occupation="无业")
    with pytest.raises(CommandError, match="未知客户类型：个人"):
        call("screen", "--as-of", "2025-12-31", "--customer-type", "个人", "--freeze")
    assert not ScreeningRun.objects.exists()


@pytest.mark.parametrize("written", ["2025/07/01", "20250701"])
def test_rules_set_takes_period_dates_in_the_forms_of_as_of(db, written):
    call("rules", "set", "A001", f"period_start={written}")
    assert Rule.objects.get(code="A001").params["period_start"] == "2025-07-01"


@pytest.mark.parametrize("as_of", ["0050-01-01", "9999-12-31"])
def test_screen_refuses_a_reference_date_outside_the_supported_years(db, as_of):
    """A D whose 70-years-earlier cutoff or year figures fall outside the calendar is
    refused with the dates' range, not a traceback (the command's date parsing refuses it
    first; the engine's own check serves the page and the API)."""
    with pytest.raises(CommandError, match=f"“{as_of}”超出合理范围（1900–2100 年）"):
        call("screen", "--as-of", as_of)


def test_screen_warns_of_a_rule_whose_period_is_empty_under_the_date(make):
    """A period start of its own later than D (the end defaulting to D): the rule can hit
    nobody, and the command says so instead of screening silently."""
    make(occupation="无业")
    call("rules", "set", "A001", "period_start=2026-03-01")
    text = call("screen", "--as-of", "2025-12-31", "--rules", "A001,A005")
    assert "警告：规则 A001 的统计期间 2026-03-01 至 2025-12-31 为空" in text
    assert "规则 A005" not in text  # A005 has no period: no warning


def test_run_page_warns_of_a_rule_whose_period_is_empty(make, client_for, personas):
    from django.urls import reverse

    from huifang.rules import services

    make(occupation="无业")
    call("rules", "set", "A001", "period_start=2026-03-01")
    run = services.do_run_screening(D(2025, 12, 31), actor=personas["hq_admin"])
    page = client_for("hq_admin").get(reverse("rules:run_detail", args=[run.pk])).content
    text = page.decode()
    assert text.count('data-testid="empty-period"') == 1
    assert "规则 A001 的统计期间 2026-03-01 至 2025-12-31 为空" in text


def test_rules_set_to_the_values_it_has_succeeds_without_a_new_version(db):
    """A script that sets the parameters it wants may run again: nothing to store is done."""
    call("rules", "set", "A002", "min_loss_ratio=30%")
    text = call("rules", "set", "A002", "min_loss_ratio=30%")
    assert text.strip() == "A002 参数没有变化，仍为参数版本 v2（未保存新版本）"
    assert Rule.objects.get(code="A002").versions.count() == 2


def test_screen_as_of_a_day_out_of_range_is_a_chinese_error_not_a_traceback(db):
    with pytest.raises(CommandError, match=r"^--as-of “9999-12-31”超出合理范围（1900–2100 年）$"):
        call("screen", "--as-of", "9999-12-31", "--freeze", "--allow-incomplete")
    assert not ScreeningRun.objects.exists()
