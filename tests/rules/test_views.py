"""Pages by persona: HQ maintains and screens; managers and auditors read; agents see nothing."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from huifang.core.models import AuditEvent
from huifang.rules import services
from huifang.rules.models import Hit, Rule, ScreeningRun
from tests.rules.conftest import daily, refresh

D = datetime.date


@pytest.fixture
def run(personas, make, branches):
    make(occupation="无业", name="北京客户")
    make(occupation="无业", name="上海客户", branch=branches["b1"])
    return services.do_run_screening(D(2025, 12, 31), actor=personas["hq_admin"])


@pytest.mark.parametrize(
    ("persona", "status"),
    [("hq_admin", 200), ("manager_a", 200), ("auditor", 200), ("agent_a", 403)],
)
def test_rule_catalogue_page_by_persona(client_for, persona, status):
    response = client_for(persona).get(reverse("rules:rule_list"))
    assert response.status_code == status
    if status == 200:
        text = response.content.decode()
        assert "大额亏损客户" in text and "操作员" in text
        # Only who may change a rule is offered 修改参数值 (issue 14).
        assert ("修改参数值" in text) == (persona == "hq_admin")


def test_rule_detail_shows_the_meaning_in_words(client_for):
    text = client_for("manager_a").get(reverse("rules:rule_detail", args=["A003"])).content.decode()
    assert "已满 70 周岁" in text and "版本历史" in text


def test_edit_page_saves_a_new_version_with_ratio_as_percent(client_for, personas):
    client = client_for("hq_admin")
    url = reverse("rules:rule_edit", args=["A002"])
    page = client.get(url).content.decode()
    assert "规则含义" in page and "（%）" in page
    response = client.post(
        url, {"min_loss_amount": "80000", "min_loss_ratio": "40", "note": "调整"}
    )
    assert response.status_code == 302
    rule = Rule.objects.get(code="A002")
    assert (
        rule.params["min_loss_ratio"] == "0.4"
        and rule.current_version.created_by == personas["hq_admin"]
    )


def test_edit_page_refuses_bad_values_in_chinese(client_for):
    response = client_for("hq_admin").post(
        reverse("rules:rule_edit", args=["A002"]),
        {"min_loss_amount": "-5", "min_loss_ratio": "140"},
    )
    assert response.status_code == 200
    assert Rule.objects.get(code="A002").versions.count() == 1


def test_values_are_picked_from_customer_data(client_for, make):
    make(occupation="学生")
    page = client_for("hq_admin").get(reverse("rules:rule_edit", args=["A005"])).content.decode()
    assert 'value="学生"' in page and 'value="无业"' in page


def test_manager_cannot_edit_parameters(client_for):
    assert client_for("manager_a").get(reverse("rules:rule_edit", args=["A002"])).status_code == 403


def test_custom_rule_page_creates_b001_and_previews(client_for, make):
    make(birth_date=D(1940, 1, 1))
    client = client_for("hq_admin")
    data = {
        "name": "八十岁以上",
        "op": "and",
        "group_op": "or",
        "c0_field": "age",
        "c0_cmp": "ge",
        "c0_value": "80",
    }
    preview = client.post(reverse("rules:custom_preview"), data).content.decode()
    assert "命中 <strong>1</strong>" in preview
    response = client.post(reverse("rules:custom_create"), data)
    assert response.status_code == 302
    assert Rule.objects.get(code="B001").name == "八十岁以上"


def test_custom_rule_page_refuses_bad_conditions(client_for):
    data = {
        "name": "坏规则",
        "op": "and",
        "group_op": "or",
        "c0_field": "age",
        "c0_cmp": "ge",
        "c0_value": "老",
    }
    response = client_for("hq_admin").post(reverse("rules:custom_create"), data)
    assert response.status_code == 200 and "整数" in response.content.decode()
    assert not Rule.objects.filter(code="B001").exists()


def test_custom_rule_page_draws_customer_types_as_the_edit_page_does(client_for):
    """新建自定义规则 drew 客户类型 as bare browser checkboxes under a label for the first box
    only; 修改参数值 draws them as Tabler's boxes under a legend for the whole list."""
    text = client_for("hq_admin").get(reverse("rules:custom_create")).content.decode()
    assert '<legend class="col-3 col-form-label">客户类型</legend>' in text
    assert (
        '<label class="form-check"><input type="checkbox" name="customer_types" '
        'value="natural" id="id_customer_types_0" class="form-check-input">'
        '<span class="form-check-label">自然人</span></label>'
    ) in text


def test_screening_page_starts_a_job_that_stores_a_run(client_for, make, run_jobs):
    make(occupation="无业")
    client = client_for("hq_admin")
    with run_jobs():
        response = client.post(
            reverse("rules:screening"), {"as_of": "2025-12-31", "rules": ["A005"]}, follow=True
        )
    assert response.status_code == 200 and "job-" in response.content.decode()
    run = ScreeningRun.objects.get()
    assert run.hit_count == 1 and run.counts == {"A005": 1}


def test_reloading_the_screening_page_after_starting_shows_the_job_and_screens_no_more(
    client_for, make, run_jobs
):
    """The page answered the form's POST itself: reloading it (浏览器“重新提交”) started a
    second screening. It now redirects to ``?job=`` and a reload only shows that job."""
    from huifang.core.models import Job

    make(occupation="无业")
    client = client_for("hq_admin")
    with run_jobs():
        response = client.post(
            reverse("rules:screening"), {"as_of": "2025-12-31", "rules": ["A005"]}
        )
    job = Job.objects.get()
    assert response.status_code == 302
    assert response.url == f"{reverse('rules:screening')}?job={job.pk}"
    again = client.get(response.url)
    assert f"job-{job.pk}" in again.content.decode()
    assert Job.objects.count() == 1 and ScreeningRun.objects.count() == 1


def test_the_screening_page_shows_only_the_users_own_screening_job(client_for, make, run_jobs):
    from huifang.core.models import Job

    with run_jobs():
        response = client_for("hq_admin").post(reverse("rules:screening"), {"as_of": "2025-12-31"})
    job = Job.objects.get()
    other = client_for("auditor").get(response.url)
    assert f"job-{job.pk}" not in other.content.decode()


def test_screening_page_refuses_bad_override(client_for):
    response = client_for("hq_admin").post(
        reverse("rules:screening"), {"as_of": "2025-12-31", "overrides": "A002.min_loss_ratio=3"}
    )
    assert response.status_code == 200 and "比例" in response.content.decode()
    assert not ScreeningRun.objects.exists()


def test_screening_page_lists_the_parameters_temporary_values_can_name(client_for):
    import re

    html = client_for("hq_admin").get(reverse("rules:screening")).content.decode()
    row = re.search(r'<tr data-rule="A002">.*?</tr>', html, re.S).group(0)
    shown = re.search(r'data-param="min_loss_amount">(.*?)</div>', row).group(1)
    assert re.sub(r"<[^>]+>", "", shown) == "亏损金额不低于（min_loss_amount）：100,000.00 元"


def test_screening_page_refuses_a_reference_date_outside_the_supported_years(client_for):
    response = client_for("hq_admin").post(reverse("rules:screening"), {"as_of": "0050-01-01"})
    assert response.status_code == 200 and "日期须在 1900-01-01" in response.content.decode()
    assert not ScreeningRun.objects.exists()


def test_agent_cannot_screen(client_for):
    assert client_for("agent_a").get(reverse("rules:screening")).status_code == 403


def test_run_page_says_its_overrides_with_the_rule_types_labels(client_for, personas, make):
    """临时参数 read ``A002（亏损金额不低于=50,000.00 元）``, not a dict with English keys."""
    make(occupation="无业")
    run = services.do_run_screening(
        D(2025, 12, 31),
        overrides={"A002": {"min_loss_amount": "50000"}},
        actor=personas["hq_admin"],
    )
    text = client_for("hq_admin").get(reverse("rules:run_detail", args=[run.pk])).content.decode()
    assert "A002（亏损金额不低于=50,000.00 元）" in text
    assert "min_loss_amount" not in text


def test_run_page_shows_only_the_managers_subtree(client_for, run):
    text = client_for("manager_a").get(reverse("rules:run_detail", args=[run.pk])).content.decode()
    assert "北京客户" in text and "上海客户" not in text
    assert "数据落地" not in text


def test_hit_outside_scope_is_404(client_for, run):
    shanghai = Hit.objects.get(run=run, name="上海客户")
    url = reverse("rules:hit_detail", args=[run.pk, shanghai.pk])
    assert client_for("manager_a").get(url).status_code == 404
    assert "职业为“无业”的客户" in client_for("auditor").get(url).content.decode()


def test_hit_page_shows_amounts_as_people_read_them(client_for, make):
    loser = make(name="亏损客户")
    daily(loser, D(2025, 3, 3), prev="200000", close="-120000", vol=12)
    refresh()
    run = services.do_run_screening(D(2025, 12, 31), rules=["A002"], actor=None)
    hit = Hit.objects.get(run=run)
    text = client_for("hq_admin").get(reverse("rules:hit_detail", args=[run.pk, hit.pk]))
    text = text.content.decode()
    assert "<td>120,000.00 元</td>" in text and "<td>200,000.00 元</td>" in text
    assert "<td>60.00%</td>" in text


def test_freeze_from_the_page_is_audited(client_for, run):
    response = client_for("hq_admin").post(reverse("rules:run_freeze", args=[run.pk]))
    assert response.status_code == 302
    assert ScreeningRun.objects.get(pk=run.pk).is_frozen
    assert AuditEvent.objects.filter(action="run_freeze").exists()


def test_auditor_cannot_freeze(client_for, run):
    assert client_for("auditor").post(reverse("rules:run_freeze", args=[run.pk])).status_code == 403


def test_run_export_csv_has_the_brochure_columns(client_for, run):
    response = client_for("manager_a").get(
        reverse("rules:run_detail", args=[run.pk]) + "?_export=csv"
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header = text.splitlines()[0]
    assert header.startswith(
        "日期,部门,投资者代码,投资者名称,投资者全称,客户类型,性别,开户日期,生日,客户状态,规范化状态,本年度成交手数,亏损金额,筛选理由"
    )
    assert "北京客户" in text and "上海客户" not in text


def test_whatif_page_compares_two_runs(client_for, personas, run):
    services.do_set_rule_enabled(Rule.objects.get(code="A005"), False, actor=personas["hq_admin"])
    newer = services.do_run_screening(D(2025, 12, 31), actor=personas["hq_admin"])
    url = reverse("rules:whatif") + f"?old={run.pk}&new={newer.pk}"
    text = client_for("auditor").get(url).content.decode()
    assert "不再命中：A005" in text and 'data-count="dropped">2<' in text.replace("</span>", "<")


def test_whatif_page_opens_on_the_latest_run_against_the_one_before(client_for, personas, run):
    newer = services.do_run_screening(D(2025, 12, 31), actor=personas["hq_admin"])
    text = client_for("auditor").get(reverse("rules:whatif")).content.decode()
    old_select = text[text.index('name="old"') : text.index("</select>", text.index('name="old"'))]
    new_select = text[text.index('name="new"') : text.index("</select>", text.index('name="new"'))]
    assert f'<option value="{run.pk}" selected>' in old_select
    assert f'<option value="{newer.pk}" selected>' in new_select


def test_api_lists_rules_and_scoped_hits(client_for, run):
    client = client_for("manager_a")
    assert client.get("/api/v1/rules/A002/").json()["params"]["min_loss_amount"] == "100000.00"
    hits = client.get(f"/api/v1/screening-hits/?run={run.pk}").json()
    names = [h["name"] for h in hits.get("results", hits)]
    assert names == ["北京客户"]


def test_parameter_maintenance_page_lists_current_values(client_for):
    text = client_for("hq_admin").get(reverse("rules:param_list")).content.decode()
    assert "100,000.00 元" in text and "50%" in text


def test_version_compare_page_marks_changed_parameters(client_for, personas):
    services.do_update_rule(
        Rule.objects.get(code="A003"), {"min_age": "75"}, actor=personas["hq_admin"]
    )
    text = (
        client_for("auditor").get(reverse("rules:version_compare", args=["A003"])).content.decode()
    )
    assert (
        'data-changed="1"><th class="text-nowrap">年龄不低于（周岁）</th><td>70</td><td>75</td>'
        in text
    )


def test_runs_list_page(client_for, run):
    text = client_for("auditor").get(reverse("rules:run_list")).content.decode()
    assert "A005(2)" in text


def test_parameter_maintenance_names_the_system_as_operator_of_seeded_rules(client_for):
    """Version 1 of each rule is seeded by no one: the list says 系统, as the rule's page."""
    client = client_for("hq_admin")
    params = client.get(reverse("rules:param_list")).content.decode()
    row = params[params.index(">A003<") :]
    row = row[: row.index("</tr>")]
    assert ">系统</td>" in row
    detail = client.get(reverse("rules:rule_detail", args=["A003"])).content.decode()
    assert "<td>系统</td>" in detail


def test_parameter_maintenance_export_names_the_system_as_operator_too(client_for):
    """The export says what the page says: 系统, not an empty 操作员 cell."""
    answer = client_for("hq_admin").get(reverse("rules:param_list"), {"_export": "csv"})
    lines = b"".join(answer.streaming_content).decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    row = next(line.split(",") for line in lines if line.startswith("A003,") or ",A003," in line)
    assert row[header.index("操作员")] == "系统"


def test_runs_list_shows_when_a_preview_was_run(client_for):
    """A 预览 run has no 落地时间; the list still says when it was screened (and by whom)."""
    run = services.do_run_screening(D(2025, 12, 31), actor=None)
    text = client_for("auditor").get(reverse("rules:run_list")).content.decode()
    assert "筛选时间" in text
    shown = timezone.localtime(run.created_at).strftime("%Y-%m-%d %H:%M:%S")
    row = text[text.index(f">{run.pk}</a>") :]
    row = row[: row.index("</tr>")]
    assert "预览" in row and shown in row and ">系统</td>" in row


def test_money_parameter_shows_its_unit_once(client_for, personas):
    """亏损金额不低于：100,000.00 元 — not 亏损金额不低于（元）：100,000.00 元; the input
    (which takes a bare number) keeps the unit in its label."""
    client = client_for("hq_admin")
    services.do_update_rule(
        Rule.objects.get(code="A002"), {"min_loss_amount": "80000"}, actor=personas["hq_admin"]
    )
    pages = [
        client.get(reverse("rules:param_list")).content.decode(),
        client.get(reverse("rules:rule_detail", args=["A002"])).content.decode(),
        client.get(reverse("rules:version_compare", args=["A002"])).content.decode(),
    ]
    assert "亏损金额不低于：80,000.00 元" in pages[0]
    assert all("80,000.00 元" in page and "（元）" not in page for page in pages)
    edit = client.get(reverse("rules:rule_edit", args=["A002"])).content.decode()
    assert "亏损金额不低于（元）" in edit
