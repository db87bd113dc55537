"""Screening pages in the browser: 与当前参数对比 opens 筛选对比 with the run and a what-if
of the current parameters, and stores no new screening; freezing a run whose D is beyond
the data needs the confirmation checkbox."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from huifang.rules import services
from huifang.rules.models import Rule, RunStatus, ScreeningRun
from huifang.rules.whatif import compare
from tests.rules.conftest import customer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

D = datetime.date


def records() -> set[int]:
    return set(ScreeningRun.objects.exclude(status=RunStatus.WHATIF).values_list("pk", flat=True))


def test_compare_button_opens_the_comparison_of_the_run_and_current_parameters(
    live_server, login, personas, branches
):
    admin = personas["hq_admin"]
    customer(branches["a1"], birth_date=D(1950, 1, 1), name="七十五岁")
    customer(branches["a1"], birth_date=D(1953, 6, 1), name="七十二岁")
    base = services.do_run_screening(D(2025, 12, 31), rules=["A003"], freeze=True, actor=admin)
    services.do_run_screening(D(2025, 12, 31), rules=["A003"], freeze=True, actor=admin)
    services.do_update_rule(Rule.objects.get(code="A003"), {"min_age": "75"}, actor=admin)
    before = records()

    page = login("hq_admin")
    page.goto(f"{live_server.url}/rules/screening/runs/{base.pk}/")
    page.get_by_role("button", name="与当前参数对比").click()
    page.get_by_role("link", name="查看结果").click()

    whatif = ScreeningRun.objects.get(status=RunStatus.WHATIF)
    expect(page).to_have_url(
        f"{live_server.url}/rules/screening/whatif/?old={base.pk}&new={whatif.pk}"
    )
    expect(page.locator("#old")).to_have_value(str(base.pk))
    expect(page.locator("#new")).to_have_value(str(whatif.pk))
    expect(page.get_by_test_id("old-run")).to_contain_text(f"原筛选 #{base.pk}")
    expect(page.get_by_test_id("new-run")).to_contain_text("当前参数试算")
    counts = compare(base, whatif, admin)["counts"]
    assert counts == {"added": 0, "dropped": 1, "changed": 0}
    expect(page.locator('[data-count="dropped"]')).to_have_text(str(counts["dropped"]))
    expect(page.locator("table.card-table")).to_contain_text("七十二岁")
    expect(page.locator("body")).to_contain_text("年龄不低于（周岁） 70 → 75")
    assert records() == before

    page.goto(f"{live_server.url}/rules/screening/runs/")
    links = page.locator("a[href^='/rules/screening/runs/']")
    hrefs = set(links.evaluate_all("els => els.map(e => e.getAttribute('href'))"))
    assert f"/rules/screening/runs/{whatif.pk}/" not in hrefs
    assert f"/rules/screening/runs/{base.pk}/" in hrefs


def test_freezing_beyond_the_data_needs_the_checkbox(live_server, login, personas, branches):
    customer(branches["a1"], occupation="无业")
    beyond = timezone.localdate() + datetime.timedelta(days=10)
    run = services.do_run_screening(beyond, actor=personas["hq_admin"])

    page = login("hq_admin")
    page.on("dialog", lambda dialog: dialog.accept())  # 确定落地？
    page.goto(f"{live_server.url}/rules/screening/runs/{run.pk}/")
    expect(page.get_by_test_id("data-gap")).to_contain_text(f"{beyond:%Y-%m-%d}")
    page.get_by_role("button", name="数据落地").click()  # the browser holds the form back
    expect(page.locator("#allow_incomplete:invalid")).to_have_count(1)
    assert not ScreeningRun.objects.get(pk=run.pk).is_frozen

    page.get_by_label("我已知晓数据不完整，仍要落地").check()
    page.get_by_role("button", name="数据落地").click()
    expect(page.get_by_test_id("incomplete-confirmed")).to_contain_text("已确认按不完整数据落地")
    frozen = ScreeningRun.objects.get(pk=run.pk)
    assert frozen.is_frozen and frozen.incomplete_confirmed
