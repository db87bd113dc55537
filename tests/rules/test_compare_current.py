"""与当前参数对比: a run against today's parameters, without a new screening of record."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from huifang.core.models import Job
from huifang.rules import services
from huifang.rules.models import Rule, RunStatus, ScreeningRun

D = datetime.date
AS_OF = D(2025, 12, 31)


@pytest.fixture
def base(personas, make):
    make(occupation="无业", birth_date=D(1950, 1, 1))
    make(birth_date=D(1952, 6, 1))
    return services.do_run_screening(AS_OF, freeze=True, actor=personas["hq_admin"])


def records() -> set[int]:
    return set(ScreeningRun.objects.exclude(status=RunStatus.WHATIF).values_list("pk", flat=True))


def test_compare_button_adds_no_screening_record_and_links_the_two_runs(
    client_for, personas, base, run_jobs
):
    services.do_update_rule(Rule.objects.get(code="A003"), {"min_age": "75"}, actor=None)
    before = records()
    client = client_for("hq_admin")
    with run_jobs():
        client.post(reverse("rules:whatif"), {"old": base.pk})
    assert records() == before
    whatif = ScreeningRun.objects.get(status=RunStatus.WHATIF)
    assert Job.objects.get().result["next_url"] == (
        reverse("rules:whatif") + f"?old={base.pk}&new={whatif.pk}"
    )
    assert whatif.as_of == base.as_of and whatif.counts["A003"] == 1
    listed = client.get(reverse("rules:run_list")).content.decode()
    assert f"/screening/runs/{whatif.pk}/" not in listed
    api = client.get("/api/v1/screening-runs/").json()
    assert whatif.pk not in [r["id"] for r in api.get("results", api)]


def test_compare_keeps_the_preview_it_compares(personas, make):
    make(occupation="无业")
    admin = personas["hq_admin"]
    oldest = services.do_run_screening(AS_OF, actor=admin)
    for _ in range(services.KEEP_PREVIEWS - 1):
        services.do_run_screening(AS_OF, actor=admin)
    services.rerun_current(oldest, actor=admin)
    assert ScreeningRun.objects.filter(pk=oldest.pk).exists()


def test_a_whatif_cannot_be_frozen(personas, base):
    whatif = services.rerun_current(base, actor=personas["hq_admin"])
    with pytest.raises(ValidationError, match="不能数据落地"):
        services.do_freeze_run(whatif, actor=personas["hq_admin"])
    assert ScreeningRun.objects.get(pk=whatif.pk).status == RunStatus.WHATIF


def test_compare_keeps_the_runs_rules_and_source_of_figures(personas, make):
    make(occupation="无业")
    admin = personas["hq_admin"]
    run = services.do_run_screening(AS_OF, rules=["A005"], use_aggregates=False, actor=admin)
    whatif = services.rerun_current(run, actor=admin)
    assert list(whatif.run_rules.values_list("code", flat=True)) == ["A005"]
    assert whatif.use_aggregates is False


def test_compare_refuses_when_all_the_runs_rules_are_disabled(personas, base):
    admin = personas["hq_admin"]
    for rule in Rule.objects.filter(code__in=base.run_rules.values("code")):
        services.do_set_rule_enabled(rule, False, actor=admin)
    services.do_create_custom_rule(
        name="其他规则",
        params={
            "conditions": {"op": "and", "items": [{"field": "age", "cmp": "ge", "value": "18"}]}
        },
        actor=admin,
    )
    with pytest.raises(ValidationError, match="都已停用"):
        services.rerun_current(base, actor=admin)
    assert not ScreeningRun.objects.filter(status=RunStatus.WHATIF).exists()


def test_compare_page_selects_the_two_compared_runs_even_if_older(client_for, personas, base):
    whatif = services.rerun_current(base, actor=personas["hq_admin"])
    ScreeningRun.objects.bulk_create([ScreeningRun(as_of=AS_OF) for _ in range(55)])
    url = reverse("rules:whatif") + f"?old={base.pk}&new={whatif.pk}"
    text = client_for("auditor").get(url).content.decode()
    old_select, new_select = text.split('name="new"')
    assert f'<option value="{base.pk}" selected>' in old_select
    assert f'<option value="{whatif.pk}" selected>当前参数试算' in new_select
