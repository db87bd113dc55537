"""合规核查: each check finds its planted case and not the clean one; pages and command."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from huifang.callbacks.records.models import BranchFeedback, FailureReason, RecordVersion
from huifang.reports import compliance, services
from huifang.reports.models import MeasureType
from huifang.rules.models import Hit, HitReason, ScreeningRun
from tests.customers import factories
from tests.reports.conftest import TODAY, at
from tests.surveys.conftest import published  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
ALL = compliance.Period()


def found(name: str, user=None, period=ALL) -> set[str]:
    return {f.investor_code for f in compliance.get(name).findings(user, period)}


def frozen_run(hits: dict, *, as_of=datetime.date(2026, 2, 27)) -> ScreeningRun:
    """A frozen run: ``{customer: "A003,A006"}``, with a hit reason per code."""
    run = ScreeningRun.objects.create(as_of=as_of)
    for customer, codes in hits.items():
        Hit.objects.create(
            run=run,
            customer=customer,
            branch=customer.branch,
            investor_code=customer.investor_code,
            name=customer.name,
            customer_type=customer.customer_type,
            open_date=customer.open_date,
            status=customer.status,
            rule_codes=f",{codes},",
            reasons=codes,
        )
        for code in codes.split(","):
            HitReason.objects.create(
                run=run, customer=customer, branch=customer.branch, rule_code=code
            )
    run.status = "frozen"
    run.save(update_fields=["status"])
    return run


def customer(code: str, branch, **fields):
    return factories.customer(code, branch, **fields)


def test_registry_lists_every_check_with_chinese_title():
    assert len(compliance.REGISTRY) == 10
    for name, cls in compliance.REGISTRY.items():
        assert cls.title and isinstance(compliance.get(name).description, str)
        assert compliance.get(name).description


def test_elderly_check_names_a003s_current_age(client_for, personas):
    """The description says A003's age as it stands (65 after a change), on the check's
    page and in the list of checks — not a fixed 70."""
    from huifang.rules import services as rule_services
    from huifang.rules.models import Rule

    rule_services.do_update_rule(
        Rule.objects.get(code="A003"), {"min_age": "65"}, actor=personas["hq_admin"]
    )
    client = client_for("hq_admin")
    url = reverse("reports:compliance_check", args=["elderly_without_callback"])
    for page in (client.get(url), client.get(reverse("reports:compliance"))):
        text = page.content.decode()
        assert "被 A003（年满 65 周岁及以上）命中的客户" in text
        assert "A003（70" not in text


def test_followup_checks_name_the_current_number_of_days(client_for, settings):
    settings.FOLLOWUP_DAYS = 7
    text = client_for("hq_admin").get(reverse("reports:compliance")).content.decode()
    assert "超过 7 天仍没有处理说明" in text and "超过 N 天" not in text
    assert "HUIFANG_FOLLOWUP_DAYS" not in text  # a setting's name means nothing on the page


def test_overdue_tasks(world):
    codes = found("overdue_tasks")
    assert world.a_late.customer.investor_code in codes
    assert world.a_new.customer.investor_code not in codes


def test_overdue_tasks_are_scoped(world, personas):
    codes = found("overdue_tasks", personas["agent_b"])
    assert codes == {world.b_late.customer.investor_code}


def test_hit_without_task(world, branches, make_batch, make_task):
    lost = customer("0400000001", branches["a1"])
    served = customer("0400000002", branches["a1"])
    closed = customer("0400000003", branches["a1"], status="closed")
    run = frozen_run({lost: "A001", served: "A001", closed: "A001"})
    batch = make_batch(run=run)
    make_task("a1", batch=batch, customer=served)
    findings = {f.investor_code: f for f in compliance.get("hit_without_task").findings(None, ALL)}
    assert set(findings) == {"0400000001", "0400000003"}
    assert "客户已销户" in findings["0400000003"].note


def test_hit_of_a_run_not_yet_in_a_batch_says_so(world, branches):
    waiting = customer("0400000004", branches["a1"])
    frozen_run({waiting: "A001"})
    (finding,) = compliance.get("hit_without_task").findings(None, ALL)
    assert "尚未加入回访名单" in finding.note


def test_completed_without_success(world, make_task, make_record):
    planted = make_task("a1", status="completed")
    make_record(planted, "failure")
    codes = found("completed_without_success")
    assert planted.customer.investor_code in codes
    assert world.a_done.customer.investor_code not in codes


def strict_batch(make_batch, **fields):
    from huifang.callbacks.models import BusinessType

    strict = BusinessType.objects.create(name="严格回访", **fields)
    return make_batch(strict)


def test_record_missing_required_lists_what_the_record_lacks(
    world, make_batch, make_task, make_record
):
    from huifang.callbacks.records.models import RecordAttachment

    batch = strict_batch(make_batch, required_record_fields=["duration", "recording"])
    planted = make_task("a1", batch=batch, status="completed")
    make_record(planted, "success")
    clean = make_task("a1", batch=batch, status="completed")
    record = make_record(clean, "success")
    record.duration_seconds = 95
    record.save()
    RecordAttachment.objects.create(
        record=record, kind="recording", name="录音", reference="rec://1", sha256="a" * 64
    )
    (finding,) = compliance.get("record_missing_required").findings(None, ALL)
    assert finding.investor_code == planted.customer.investor_code
    assert "缺少回访时长、录音引用" in finding.note


def test_record_missing_required_ignores_types_that_require_nothing(world):
    assert found("record_missing_required") == set()


def test_record_missing_required_finds_a_questionnaire_task_without_answers(
    world, make_batch, make_task, make_record
):
    batch = strict_batch(make_batch, questionnaire_required=True)
    planted = make_task("a1", batch=batch, status="completed")
    make_record(planted, "success")
    (finding,) = compliance.get("record_missing_required").findings(None, ALL)
    assert finding.task_id == planted.pk and "没有问卷结果" in finding.note


def test_record_missing_required_is_scoped(world, make_batch, make_task, make_record, personas):
    batch = strict_batch(make_batch, required_record_fields=["remark"])
    make_record(make_task("b1", batch=batch, status="completed"), "success")
    assert found("record_missing_required", personas["manager_a"]) == set()
    assert len(found("record_missing_required", personas["agent_b"])) == 1


def test_followup_unhandled(world, personas, settings):
    settings.FOLLOWUP_DAYS = 5
    old = timezone.now() - datetime.timedelta(days=10)
    agent = personas["agent_a"]

    def feedback(task, note="", when=old):
        return BranchFeedback.objects.create(
            branch=task.branch,
            task=task,
            message="请跟进",
            created_at=when,
            created_by=agent,
            handling_note=note,
        )

    feedback(world.a_new)  # planted
    feedback(world.a_late, note="已电话联系客户")  # handled with a note
    recent = world.a_done
    feedback(recent, when=timezone.now() - datetime.timedelta(days=2))  # not yet N days
    measured = feedback(world.a_unreachable)
    services.do_create_measure(
        world.a_unreachable.customer,
        MeasureType.objects.get(name="加强回访"),
        "跟进",
        feedback=measured,
        actor=personas["hq_admin"],
    )
    assert found("followup_unhandled") == {world.a_new.customer.investor_code}


def test_elderly_without_callback(world, branches, make_task, make_record):
    late = customer("0400000011", branches["a1"], birth_date=datetime.date(1955, 1, 15))
    met = customer("0400000012", branches["a1"], birth_date=datetime.date(1955, 1, 20))
    young = customer("0400000013", branches["a1"], birth_date=datetime.date(1956, 3, 1))
    frozen_run({late: "A003", met: "A003", young: "A003"})
    # 70 on 2025-01-20, due 2025-02-28: a 面谈 record before it.
    task = make_task("a1", customer=met, codes="A003")
    make_record(task, "other", method="in_person", day=datetime.date(2025, 2, 10))
    assert found("elderly_without_callback") == {"0400000011"}


def test_elderly_failed_interview_does_not_count_as_reached(
    world, branches, make_task, make_record
):
    """A 面谈 attempt that failed (the customer did not come) reached nobody: still due."""
    absent = customer("0400000017", branches["a1"], birth_date=datetime.date(1955, 1, 15))
    frozen_run({absent: "A003"})
    task = make_task("a1", customer=absent, codes="A003")
    make_record(task, "failure", method="in_person", day=datetime.date(2025, 2, 10))
    (finding,) = compliance.get("elderly_without_callback").findings(None, ALL)
    assert finding.investor_code == "0400000017"
    assert finding.note.endswith("；至今没有成功的回访或面谈记录")


def test_elderly_success_after_the_due_date_is_still_a_finding(
    world, branches, make_task, make_record
):
    late = customer("0400000014", branches["a1"], birth_date=datetime.date(1955, 1, 15))
    frozen_run({late: "A003"})
    task = make_task("a1", customer=late, codes="A003")
    make_record(task, "success", day=datetime.date(2025, 6, 1))
    assert found("elderly_without_callback") == {"0400000014"}


def test_a_high_risk_finding_links_the_customers_a006_task(world, branches, make_task):
    silent = customer("0400000023", branches["a1"])
    frozen_run({silent: "A006"}, as_of=datetime.date(2026, 3, 1))
    task = make_task("a1", customer=silent, codes="A006")
    (finding,) = compliance.get("high_risk_without_callback").findings(None, ALL)
    assert finding.task_id == task.pk  # was always empty: no way from the finding to work it


def test_high_risk_without_callback(world, branches, make_task, make_record):
    silent = customer("0400000021", branches["a1"])
    called = customer("0400000022", branches["a1"])
    frozen_run({silent: "A006", called: "A006"}, as_of=datetime.date(2026, 3, 1))
    make_record(
        make_task("a1", customer=called, codes="A006"), "failure", day=datetime.date(2026, 3, 5)
    )
    period = compliance.Period(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    assert found("high_risk_without_callback", period=period) == {"0400000021"}
    before = compliance.Period(datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
    assert found("high_risk_without_callback", period=before) == set()


def test_edited_after_completion(world, personas):
    done = world.a_done.records.get(status="success")
    RecordVersion.objects.create(
        record=done,
        version=2,
        data={},
        changes={"remark": ["", "补记"]},
        changed_at=at(TODAY - datetime.timedelta(days=1)),
        changed_by=personas["agent_a"],
    )
    clean = world.b_done.records.get()
    RecordVersion.objects.create(
        record=clean,
        version=2,
        data={},
        changes={"remark": ["", "更正"]},
        changed_at=at(TODAY - datetime.timedelta(days=3)),
        changed_by=personas["agent_b"],
    )
    (finding,) = compliance.get("edited_after_completion").findings(None, ALL)
    assert finding.investor_code == world.a_done.customer.investor_code
    assert "agent_a" in finding.note and "备注" in finding.note


def test_unreachable_too_early(world, make_task, make_record):
    unanswered = FailureReason.objects.filter(counts_as_unanswered=True).first()
    early = make_task("a1", status="unreachable")
    make_record(early, "failure", reason=unanswered)
    enough = make_task("a1", status="unreachable")
    for _ in range(3):
        make_record(enough, "failure", reason=unanswered)
    codes = found("unreachable_too_early")
    assert early.customer.investor_code in codes
    assert enough.customer.investor_code not in codes


def test_check_page_filters_exports_and_offers_a_measure(world, client_for):
    client = client_for("hq_admin")
    url = reverse("reports:compliance_check", args=["overdue_tasks"])
    page = client.get(url)
    assert page.context["count"] == 2
    assert "创建管理措施" in page.content.decode()
    only_b = client.get(url, {"branch": world.b_late.branch.pk})
    assert only_b.context["count"] == 1
    export = client.get(url, {"_export": "csv"})
    lines = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "检查项,投资者代码,投资者名称,部门,任务,说明"
    assert len(lines) == 3


def test_a_check_pages_export_has_the_pages_columns_and_names_its_filters(world, client_for):
    """The export carries what the page shows (投资者名称, 部门 too) and its 导出说明 names the
    filters as the form does, not as the query string spells them."""
    import io

    import openpyxl

    late = world.b_late
    url = reverse("reports:compliance_check", args=["overdue_tasks"])
    export = client_for("hq_admin").get(
        url, {"branch": late.branch.pk, "q": late.customer.investor_code, "_export": "xlsx"}
    )
    book = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    data, about = book.worksheets
    rows = list(data.iter_rows(values_only=True))
    assert rows[1][:5] == (
        "逾期未完成的任务",
        late.customer.investor_code,
        late.customer.name,
        late.branch.name,
        f"#{late.pk}",
    )
    said = dict(about.iter_rows(values_only=True))
    assert said["筛选条件"] == (
        f"部门：{late.branch.code} {late.branch.name}；投资者代码：{late.customer.investor_code}"
    )


def test_a_check_pages_export_writes_the_task_as_the_page_shows_it(world, client_for):
    """任务 reads ``#719`` in the export as on the page (not a bare number)."""
    late = world.b_late
    url = reverse("reports:compliance_check", args=["overdue_tasks"])
    client = client_for("hq_admin")
    query = {"q": late.customer.investor_code}
    page = client.get(url, query).content.decode()
    export = client.get(url, {**query, "_export": "csv"})
    lines = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert f">#{late.pk}</a>" in page
    assert lines[1].split(",")[4] == f"#{late.pk}"


def test_a_measure_from_a_finding_keeps_its_key(world, client_for):
    client = client_for("hq_admin")
    url = reverse("reports:compliance_check", args=["overdue_tasks"])
    page = client.get(url, {"q": world.a_late.customer.investor_code})
    (item,) = page.context["items"]
    assert "finding=overdue_tasks" in item["create"]
    form = client.get(item["create"])
    assert form.status_code == 200
    assert "overdue_tasks:" in form.content.decode()


def test_unknown_check_is_404(client_for, world):
    response = client_for("hq_admin").get(reverse("reports:compliance_check", args=["nope"]))
    assert response.status_code == 404


def test_report_compliance_command(world, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "c.csv"
    call_command("report", "compliance", "--check", "overdue_tasks", "--out", str(out))
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "检查项,投资者代码,任务,说明"
    assert sorted(line.split(",")[1] for line in lines[1:]) == sorted(
        [world.a_late.customer.investor_code, world.b_late.customer.investor_code]
    )


def test_report_compliance_takes_the_check_as_its_column_names_it(world, tmp_path):
    from django.core.management import call_command

    title = compliance.REGISTRY["overdue_tasks"].title
    out = tmp_path / "c.csv"
    call_command("report", "compliance", "--check", title, "--out", str(out))
    rows = out.read_text(encoding="utf-8-sig").splitlines()[1:]
    assert len(rows) == 2 and {row.split(",")[0] for row in rows} == {title}


def test_report_compliance_refuses_an_unknown_check(world, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有名为“nope”的检查项") as refused:
        call_command("report", "compliance", "--check", "nope", "--out", str(tmp_path / "c.csv"))
    assert f"overdue_tasks（{compliance.REGISTRY['overdue_tasks'].title}）" in str(refused.value)


def test_dashboard_shows_each_checks_count(world, client_for):
    page = client_for("hq_admin").get(reverse("reports:dashboard_compliance"))
    counts = {c["name"]: c["count"] for c in page.context["compliance"]}
    assert counts["overdue_tasks"] == 2


def test_the_dashboard_loads_its_compliance_card_on_its_own(world, client_for):
    page = client_for("hq_admin").get(reverse("reports:dashboard")).content.decode()
    assert f'hx-get="{reverse("reports:dashboard_compliance")}"' in page
    assert 'hx-trigger="load"' in page and 'id="compliance-counts"' not in page


def test_the_dashboards_branch_narrows_its_compliance_card(world, branches, client_for):
    """回访进度 filtered to 上海: the card counts 上海's findings and links to the check page
    filtered the same way, whose 共 N 条 is the number clicked."""
    client = client_for("hq_admin")
    shanghai = branches["b"]
    page = client.get(reverse("reports:dashboard"), {"branch": shanghai.pk}).content.decode()
    card_url = f"{reverse('reports:dashboard_compliance')}?branch={shanghai.pk}"
    assert f'hx-get="{card_url}"' in page
    card = client.get(card_url)
    overdue = next(c for c in card.context["compliance"] if c["name"] == "overdue_tasks")
    assert overdue["count"] == 1
    assert (
        overdue["url"]
        == f"{reverse('reports:compliance_check', args=['overdue_tasks'])}?branch={shanghai.pk}"
    )
    assert "0102 上海分公司（含下级部门）" in card.content.decode()
    listed = client.get(overdue["url"])
    assert listed.context["count"] == 1
    assert [f.investor_code for f in listed.context["page"]] == [
        world.b_late.customer.investor_code
    ]


def test_the_compliance_card_says_which_dashboard_filters_it_does_not_follow(
    world, branches, client_for
):
    client = client_for("hq_admin")
    page = client.get(reverse("reports:dashboard"), {"batch": world.batch.number}).content.decode()
    card_url = f"{reverse('reports:dashboard_compliance')}?narrowed=1"
    assert f'hx-get="{card_url}"' in page
    card = client.get(card_url).content.decode()
    assert "不按统计期间、批次号、回访业务类型筛选" in card


def test_the_compliance_card_ignores_a_branch_out_of_scope_or_malformed(
    world, branches, client_for
):
    client = client_for("manager_a")
    for wanted in (branches["b"].pk, "x"):
        card = client.get(reverse("reports:dashboard_compliance"), {"branch": wanted})
        counts = {c["name"]: c["count"] for c in card.context["compliance"]}
        assert counts["overdue_tasks"] == 1  # 北京's own, as without a branch
        assert card.context["branch"] is None


def test_an_agent_is_not_shown_the_checks_on_hits_they_cannot_see(
    world, branches, client_for, api_for
):
    """Agents do not see screenings' hits: 命中但未建任务的客户 and 高风险产品购买者未回访 would
    count none of their branch's findings and read a reassuring 0, so they are left out of
    the agent's 合规核查 and the dashboard's card, and their pages refuse; a manager has them."""
    buyer = customer("0400000031", branches["a1"])
    frozen_run({buyer: "A006"})
    hidden = {"hit_without_task", "high_risk_without_callback"}
    agent = client_for("agent_a")
    card = agent.get(reverse("reports:dashboard_compliance")).context["compliance"]
    assert hidden.isdisjoint(c["name"] for c in card)
    assert "overdue_tasks" in {c["name"] for c in card}
    index = agent.get(reverse("reports:compliance")).content.decode()
    assert "高风险产品购买者未回访" not in index
    for name in hidden:
        assert agent.get(reverse("reports:compliance_check", args=[name])).status_code == 403
        assert api_for("agent_a").get(f"/api/v1/compliance/{name}/").status_code == 403
    manager = client_for("manager_a").get(reverse("reports:dashboard_compliance"))
    counts = {c["name"]: c["count"] for c in manager.context["compliance"]}
    assert counts["high_risk_without_callback"] == 1


@pytest.fixture
def answered(branches, published):  # noqa: F811
    from tests.surveys import results_world

    return results_world.build(branches)


def test_abnormal_answer_unhandled(answered, personas, settings):
    from huifang.surveys.models import Response

    settings.FOLLOWUP_DAYS = 5
    Response.objects.update(received_at=timezone.now() - datetime.timedelta(days=10))
    planted = answered.abnormal.customer.investor_code
    assert found("abnormal_answer_unhandled") == {planted}


def test_abnormal_answer_with_a_measure_or_a_handling_note_is_no_finding(
    answered, personas, settings
):
    from huifang.surveys.models import Response

    settings.FOLLOWUP_DAYS = 5
    Response.objects.update(received_at=timezone.now() - datetime.timedelta(days=10))
    abnormal = answered.abnormal
    BranchFeedback.objects.filter(record_id=abnormal.record_id).update(handling_note="已面谈核实")
    assert found("abnormal_answer_unhandled") == set()
    BranchFeedback.objects.filter(record_id=abnormal.record_id).update(handling_note="")
    services.do_create_measure(
        abnormal.customer,
        MeasureType.objects.get(name="面谈"),
        "异常答案跟进",
        task=abnormal.task,
        actor=personas["hq_admin"],
    )
    assert found("abnormal_answer_unhandled") == set()


def test_a_recent_abnormal_answer_is_no_finding_yet(answered, settings):
    settings.FOLLOWUP_DAYS = 5
    assert found("abnormal_answer_unhandled") == set()


def test_an_abnormal_answer_offers_a_measure_linked_to_its_record(answered, client_for):
    from huifang.reports.models import Measure

    client = client_for("hq_admin")
    abnormal = answered.abnormal
    page = client.get(f"/surveys/responses/{abnormal.pk}/").content.decode()
    assert page.count("data-measure-from-answer") == len(abnormal.abnormal)
    link = page.split("data-measure-from-answer")[1].split('href="')[1].split('"')[0]
    form = client.get(link.replace("&amp;", "&")).content.decode()
    assert "问卷异常答案" in form
    response = client.post(
        "/reports/measures/new/",
        {
            "record": abnormal.record_id,
            "measure_type": MeasureType.objects.get(name="面谈").pk,
            "reason": "问卷异常答案：核实本人操作",
        },
    )
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert (measure.record_id, measure.task_id) == (abnormal.record_id, abnormal.task_id)


def test_an_auditor_gets_no_measure_link_on_an_answer(answered, client_for):
    page = client_for("auditor").get(f"/surveys/responses/{answered.abnormal.pk}/")
    assert "data-measure-from-answer" not in page.content.decode()


@pytest.mark.parametrize("persona", [None, "manager_a", "agent_b"])
def test_each_checks_count_equals_its_findings(
    world, branches, make_batch, make_task, make_record, personas, persona
):
    """The dashboard's counts (SQL COUNT where a check can) equal the lists' lengths."""
    unanswered = FailureReason.objects.filter(counts_as_unanswered=True).first()
    make_record(make_task("a1", status="unreachable"), "failure", reason=unanswered)
    make_record(make_task("b1", status="completed"), "failure")
    strict = strict_batch(
        make_batch, required_record_fields=["remark"], questionnaire_required=True
    )
    make_record(make_task("a1", batch=strict, status="completed"), "success")
    make_record(make_task("b1", batch=strict, status="completed"), "success")
    twice = customer("0400000009", branches["b1"])
    frozen_run({customer("0400000008", branches["a1"]): "A006", twice: "A006"})
    frozen_run({twice: "A001,A006"}, as_of=datetime.date(2026, 1, 30))
    user = personas[persona] if persona else None
    counts = {name: cls().count(user, ALL) for name, cls in compliance.REGISTRY.items()}
    lengths = {name: len(cls().findings(user, ALL)) for name, cls in compliance.REGISTRY.items()}
    assert counts == lengths
    assert sum(counts.values()) >= 4  # planted cases in every scope


def test_check_page_names_each_findings_customer_and_branch(world, client_for):
    """A finding's row says whose it is: 投资者名称 and 部门 beside the code, which opens the
    customer's page (the export carries them too; the command keeps its four documented columns)."""
    client = client_for("hq_admin")
    url = reverse("reports:compliance_check", args=["overdue_tasks"])
    customer = world.b_late.customer
    html = client.get(url, {"q": customer.investor_code}).content.decode()
    row = html[html.index("<tbody>") : html.index("</tbody>")]
    assert customer.name in row
    assert world.b_late.branch.name in row
    assert reverse("customers:customer_detail", args=[customer.investor_code]) in row


def test_elderly_finding_says_whether_the_callback_came_late_or_never(
    world, branches, make_task, make_record
):
    """Due 2025-02-28: a 成功 record on 2025-06-01 is 93 days late; none at all says so."""
    late = customer("0400000015", branches["a1"], birth_date=datetime.date(1955, 1, 15))
    never = customer("0400000016", branches["a1"], birth_date=datetime.date(1955, 1, 16))
    frozen_run({late: "A003", never: "A003"})
    make_record(
        make_task("a1", customer=late, codes="A003"), "success", day=datetime.date(2025, 6, 1)
    )
    notes = {
        f.investor_code: f.note
        for f in compliance.get("elderly_without_callback").findings(None, compliance.Period())
    }
    assert notes["0400000015"].endswith("；2025-06-01 才完成（逾期 93 天）")
    assert notes["0400000016"].endswith("；至今没有成功的回访或面谈记录")
