"""Screening runs: stored hits and evidence, freeze immutability, scoping, export, what-if."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from huifang.core.models import AuditEvent
from huifang.rules import evidence, services
from huifang.rules.models import Hit, HitReason, Rule, RunRule, RunStatus, ScreeningRun

from .conftest import daily, refresh

D = datetime.date
AS_OF = D(2025, 12, 31)


@pytest.fixture
def data(make, branches):
    old = make(birth_date=D(1950, 1, 1), occupation="无业", name="赵一")
    loser = make(branch=branches["b1"], name="钱二")
    daily(loser, D(2025, 3, 3), prev="200000.00", close="-150000.00", vol=7)
    daily(old, D(2025, 3, 3), prev="1000.00", close="-10.00", vol=2)
    daily(loser, AS_OF, prev="50000.00")  # the data reach D: freezing needs no confirmation
    refresh()
    return {"old": old, "loser": loser}


def test_run_stores_merged_hits_with_brochure_columns_and_evidence(personas, data):
    run = services.do_run_screening(AS_OF, actor=personas["hq_admin"])
    assert run.status == RunStatus.PREVIEW
    assert run.counts == {"A001": 0, "A002": 1, "A003": 1, "A004": 0, "A005": 1, "A006": 0}
    assert run.hit_count == 2
    hit = Hit.objects.get(run=run, customer=data["old"])
    assert hit.reasons == "老年交易者；职业为“无业”的客户"
    assert hit.codes == ["A003", "A005"]
    assert hit.year_volume == 2 and str(hit.year_loss) == "10.00"
    loss = HitReason.objects.get(run=run, customer=data["loser"], rule_code="A002")
    assert str(loss.loss) == "150000.00" and str(loss.base) == "200000.00" and loss.volume == 7
    assert (
        RunRule.objects.get(run=run, code="A002").version
        == Rule.objects.get(code="A002").current_version
    )


def test_run_records_the_version_so_it_can_be_re_explained_later(personas, data):
    run = services.do_run_screening(AS_OF, rules=["A002"], actor=personas["hq_admin"])
    services.do_update_rule(
        Rule.objects.get(code="A002"), {"min_loss_amount": "1"}, actor=personas["hq_admin"]
    )
    used = RunRule.objects.get(run=run, code="A002")
    assert used.version.number == 1 and used.params["min_loss_amount"] == "100000.00"


def test_overrides_apply_once_and_are_recorded(personas, data):
    run = services.do_run_screening(
        AS_OF,
        rules=["A002"],
        overrides={"A002": {"min_loss_amount": "200000"}},
        actor=personas["hq_admin"],
    )
    assert run.hit_count == 0
    assert RunRule.objects.get(run=run).params["min_loss_amount"] == "200000.00"
    assert Rule.objects.get(code="A002").params["min_loss_amount"] == "100000.00"


def test_an_override_may_name_the_parameter_by_its_chinese_label(personas, data):
    run = services.do_run_screening(
        AS_OF,
        rules=["A002"],
        overrides={"A002": {"亏损金额不低于": "200000"}},
        actor=personas["hq_admin"],
    )
    assert RunRule.objects.get(run=run).params["min_loss_amount"] == "200000.00"
    assert "亏损金额不低于" not in RunRule.objects.get(run=run).params


def test_bad_override_is_refused(personas, data):
    with pytest.raises(ValidationError):
        services.do_run_screening(
            AS_OF, overrides={"A002": {"min_loss_ratio": "2"}}, actor=personas["hq_admin"]
        )
    assert not ScreeningRun.objects.exists()


def test_frozen_run_is_immutable(personas, data):
    run = services.do_run_screening(AS_OF, freeze=True, actor=personas["hq_admin"])
    assert run.is_frozen and AuditEvent.objects.filter(action="run_freeze").count() == 1
    with pytest.raises(ValidationError):
        run.note = "改"
        run.save()
    with pytest.raises(ValidationError):
        run.delete()
    hit = Hit.objects.filter(run=run).first()
    with pytest.raises(ValidationError):
        hit.reasons = "x"
        hit.save()
    with pytest.raises(ValidationError):
        Hit.objects.filter(run=run).update(reasons="x")
    with pytest.raises(ValidationError):
        Hit.objects.filter(run=run).delete()
    with pytest.raises(ValidationError):
        HitReason.objects.filter(run=run).delete()


def test_freezing_twice_is_harmless(personas, data):
    run = services.do_run_screening(AS_OF, actor=personas["hq_admin"])
    services.do_freeze_run(run, actor=personas["hq_admin"])
    services.do_freeze_run(run, actor=personas["hq_admin"])
    assert AuditEvent.objects.filter(action="run_freeze").count() == 1


def test_branch_user_sees_only_hits_of_their_subtree(personas, data):
    run = services.do_run_screening(AS_OF, actor=personas["hq_admin"])
    seen = set(
        Hit.objects.restrict(personas["manager_a"])
        .filter(run=run)
        .values_list("customer_id", flat=True)
    )
    assert seen == {data["old"].pk}
    assert Hit.objects.restrict(personas["auditor"]).filter(run=run).count() == 2
    assert not Hit.objects.restrict(personas["agent_a"]).filter(run=run).exists()


def test_branch_filter_of_the_run(personas, data):
    run = services.do_run_screening(AS_OF, branches=["0102"], actor=personas["hq_admin"])
    assert list(Hit.objects.filter(run=run).values_list("customer_id", flat=True)) == [
        data["loser"].pk
    ]


def test_export_rows_have_the_brochure_columns_and_per_rule_evidence(personas, data):
    run = services.do_run_screening(AS_OF, rules=["A002", "A003"], actor=personas["hq_admin"])
    header, rows = evidence.run_rows(run, Hit.objects.filter(run=run))
    rows = list(rows)
    assert header[:14] == evidence.HIT_HEADER[:14]
    assert "A002 亏损比例" in header and "A003 年龄" in header
    by_code = {row[2]: dict(zip(header, row, strict=True)) for row in rows}
    loser = by_code[data["loser"].investor_code]
    assert loser["筛选理由"] == "大额亏损客户" and str(loser["A002 亏损比例"]) == "75.00%"
    assert by_code[data["old"].investor_code]["A003 年龄"] == 75


def test_old_previews_are_dropped_but_frozen_runs_kept(personas, data):
    frozen = services.do_run_screening(AS_OF, freeze=True, actor=personas["hq_admin"])
    for _ in range(services.KEEP_PREVIEWS + 2):
        services.do_run_screening(AS_OF, rules=["A003"], actor=personas["hq_admin"])
    assert ScreeningRun.objects.filter(status=RunStatus.PREVIEW).count() == services.KEEP_PREVIEWS
    assert ScreeningRun.objects.filter(pk=frozen.pk).exists()


def test_what_if_shows_added_dropped_and_why(personas, data):
    from huifang.rules.whatif import compare

    admin = personas["hq_admin"]
    old = services.do_run_screening(AS_OF, freeze=True, actor=admin)
    services.do_update_rule(Rule.objects.get(code="A003"), {"min_age": "80"}, actor=admin)
    services.do_update_rule(Rule.objects.get(code="A005"), {"values": ["学生"]}, actor=admin)
    new = services.rerun_current(old, actor=admin)
    result = compare(old, new, admin, kind="dropped")
    assert result["counts"] == {"added": 0, "dropped": 1, "changed": 0}
    row = result["rows"][0]
    assert row["hit"].customer_id == data["old"].pk
    assert "不再命中：A003" in row["why"] and "A003：出生日期" in row["old_evidence"]
    changed = {c["code"]: c for c in result["changes"]}
    assert ("年龄不低于（周岁）", "70", "80") in changed["A003"]["rows"]


def test_screening_audit_row_names_rule_version_numbers_not_ids(personas, data):
    services.do_update_rule(
        Rule.objects.get(code="A002"), {"min_loss_amount": "1"}, actor=personas["hq_admin"]
    )
    services.do_run_screening(AS_OF, rules=["A001", "A002"], actor=personas["hq_admin"])
    row = AuditEvent.objects.get(action="screen")
    assert row.after["rule_versions"] == {"A001": 1, "A002": 2}
    assert "rules" not in row.after


def test_export_loss_ratio_is_a_percentage_number_in_xlsx(personas, data):
    # It was the text "75.00%", which Excel can neither sort nor sum as a number.
    import io

    import openpyxl

    from huifang.core.export import xlsx_bytes

    run = services.do_run_screening(AS_OF, rules=["A002"], actor=personas["hq_admin"])
    header, rows = evidence.run_rows(run, Hit.objects.filter(run=run))
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(header, rows)))
    sheet = book.active
    column = [c.value for c in sheet[1]].index("A002 亏损比例") + 1
    cell = sheet.cell(row=2, column=column)
    assert cell.value == 0.75 and cell.number_format == "0.00%"
