"""汇总统计: every number equals the count of the list it links to, for every persona, and a
branch user's numbers never include another branch."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from huifang.reports import figures
from tests.reports.conftest import BEIJING

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="([^"]+)" class="figure-link" data-count="(\d+)"')
PERSONAS = ["hq_admin", "manager_a", "agent_a", "agent_b", "auditor"]


def links(response) -> list[tuple[str, int]]:
    body = response.content.decode()
    return [(html.unescape(url), int(n)) for url, n in LINK.findall(body)]


def list_count(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    count = response.context["row_count"]
    assert count.exact
    return count.value


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_number_equals_its_lists_count(client_for, world, persona):
    client = client_for(persona)
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    found = links(response)
    assert found
    for url, count in found:
        assert list_count(client, url) == count, url


@pytest.mark.parametrize("persona", PERSONAS)
def test_filtered_numbers_equal_their_lists_count(client_for, world, persona):
    client = client_for(persona)
    params = {"batch": world.batch.number, "date_from": "2026-03-01", "date_to": "2026-03-31"}
    found = links(client.get(reverse("reports:dashboard"), params))
    assert found
    for url, count in found:
        assert list_count(client, url) == count, url


def test_totals_by_persona(client_for, world):
    def totals(persona):
        response = client_for(persona).get(reverse("reports:dashboard"))
        return {c.label: c.value for c in response.context["total"].cells}

    assert totals("hq_admin")["任务总数"] == 7
    assert totals("manager_a") == {
        "任务总数": 5,
        "未处理": 1,
        "处理中": 1,
        "已完成": 1,
        "无法联系": 1,
        "已取消": 1,
        "逾期": 1,
    }
    assert totals("agent_b") == {
        "任务总数": 2,
        "未处理": 1,
        "处理中": 0,
        "已完成": 1,
        "无法联系": 0,
        "已取消": 0,
        "逾期": 1,
    }


def test_a_branch_user_sees_no_other_branch(client_for, world):
    response = client_for("agent_b").get(reverse("reports:dashboard"))
    labels = [row.label for row in response.context["branch_rows"]]
    assert not any("北京" in label for label in labels)
    body = response.content.decode()
    assert world.batch.number not in body  # 北京's batch


def test_rates_follow_their_definitions(world):
    total = figures.totals(None, figures.Filters())
    # 已完成 2 ÷ (7 − 1 已取消); tasks with a 成功 record 2 ÷ tasks with any record 4.
    assert total.completion_rate == Decimal("33.3")
    assert total.success_rate == Decimal("50.0")
    assert figures.rate(1, 0) is None


def test_branch_tree_rows_count_their_subtree(world, branches):
    rows = {row.code: row for row in figures.by_branch(None, figures.Filters())}
    assert rows["01"].figures["total"] == 7
    assert rows["0101"].figures["total"] == rows["010101"].figures["total"] == 5
    assert rows["010201"].parent == branches["b"].path


def test_bad_filters_show_a_chinese_error(client_for, world):
    response = client_for("hq_admin").get(
        reverse("reports:dashboard"), {"batch": "999", "date_from": "2026-03-09x"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "批次号“999”不存在" in body
    assert "figure-link" not in body


def test_burndown_counts_open_tasks_per_day(world):
    burndown = figures.burndown(None, figures.Filters(batch=world.batch))
    assert burndown.open_now.value == 2
    today = burndown.days.index(figures.timezone.localdate().isoformat())
    assert burndown.remaining[today] == 2  # three closed two days ago
    assert burndown.remaining[0] == 5
    assert burndown.remaining[-1] is None  # the deadline is still ahead


def test_batch_figures_count_records_and_closings_on_their_beijing_day(world, make_record):
    """Under a 批次 filter the daily trend and the burndown read the rows themselves: a
    record at 00:30 and a closing at 01:00 Beijing time (16:30 / 17:00 UTC the day before)
    count on the Beijing day."""
    import datetime

    from huifang.callbacks.models import CallbackTask

    day = figures.timezone.localdate() - datetime.timedelta(days=1)
    record = make_record(world.a_new, "failure")
    record.called_at = datetime.datetime.combine(day, datetime.time(0, 30), tzinfo=BEIJING)
    record.save(update_fields=["called_at"])
    CallbackTask.objects.filter(pk=world.a_late.pk).update(
        status="completed",
        closed_at=datetime.datetime.combine(day, datetime.time(1), tzinfo=BEIJING),
    )
    filters = figures.Filters(batch=world.batch)
    bars = {bar.label: bar.value for bar in figures.daily(None, filters)}
    assert bars[day.isoformat()] == 1
    assert bars[(day - datetime.timedelta(days=1)).isoformat()] == 0
    burndown = figures.burndown(None, filters)
    position = burndown.days.index(day.isoformat())
    assert burndown.remaining[position - 1] - burndown.remaining[position] == 1


def _csv(path) -> list[list[str]]:
    import csv

    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_report_progress_gives_the_dashboards_numbers(world, tmp_path, client_for):
    from django.core.management import call_command

    out = tmp_path / "progress.csv"
    call_command("report", "progress", "--out", str(out))
    header, *rows = _csv(out)
    assert header == figures.PROGRESS_HEADER
    page = client_for("hq_admin").get(reverse("reports:dashboard"))
    expected = [
        [row.code] + [str(c.value) for c in row.cells] + row.rates
        for row in page.context["branch_rows"]
    ]
    assert rows == expected
    assert rows[0][:2] == ["01", "7"]


def test_report_progress_filters_like_the_dashboard(world, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "progress.csv"
    call_command(
        "report", "progress", "--batch", world.other.number, "--branch", "0102", "--out", str(out)
    )
    _, *rows = _csv(out)
    assert [r[:3] for r in rows] == [["0102", "2", "1"], ["010201", "2", "1"]]


def test_report_progress_refuses_an_unknown_batch(world, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="批次号“42”不存在"):
        call_command("report", "progress", "--batch", "42", "--out", str(tmp_path / "p.csv"))


@pytest.mark.parametrize("persona", ["hq_admin", "manager_a", "agent_b"])
def test_every_bar_equals_its_lists_count(client_for, world, persona):
    client = client_for(persona)
    data = client.get(reverse("reports:dashboard")).context["chart_data"]
    bars = []
    for key in ("reasons", "channels", "daily"):
        bars += list(zip(data[key]["urls"], data[key]["values"], strict=True))
    agents = data["agents"]
    bars += list(zip(agents["attempt_urls"], agents["attempts"], strict=True))
    bars += list(zip(agents["success_urls"], agents["successes"], strict=True))
    assert bars
    for url, count in bars:
        assert list_count(client, url) == count, url


def test_counts_have_thousands_separators():
    from huifang.core.templatetags.numbers import thousands

    assert (thousands(1800), thousands(35), thousands("—")) == ("1,800", "35", "—")


def test_the_dashboard_filter_offers_all_business_types_and_branches(client_for, world):
    html = client_for("hq_admin").get(reverse("reports:dashboard")).content.decode()
    assert "---------" not in html
    for name in ("business_type", "branch"):
        select = html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
        assert '<option value="" selected>全部</option>' in select


def test_the_agent_tables_note_names_the_configured_row_count(client_for, world, monkeypatch):
    from huifang.reports import figures

    monkeypatch.setattr(figures, "AGENT_ROWS", 7)
    page = client_for("hq_admin").get(reverse("reports:dashboard")).content.decode()
    assert "列出回访次数最多的 7 名回访人" in page
