"""证据包: every section with the right rows for a customer, a batch and a branch; the cover's
counts; masking and cell types; scoping; the audit row; the zip and its SHA-256."""

from __future__ import annotations

import datetime
import hashlib
import json
import zipfile

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from huifang.callbacks.models import CallbackTask, TaskBatch
from huifang.callbacks.records.models import (
    BranchFeedback,
    CallbackRecord,
    RecordAttachment,
    RecordVersion,
)
from huifang.channels.calls.models import CallAttempt
from huifang.channels.sms.models import SmsMessage
from huifang.core.models import AuditEvent
from huifang.reports.evidence.package import SECTION_PREFIX, do_generate_evidence
from huifang.reports.evidence.scope import Scope
from huifang.reports.evidence.sections import SECTIONS
from huifang.reports.models import Measure, MeasureAttachment
from huifang.rules.models import HitReason, RunRule
from huifang.surveys.models import ResponseAnswer
from tests.reports import evidence_world
from tests.reports.evidence_world import MOBILE


@pytest.fixture
def w(branches, personas):
    return evidence_world.build(branches, personas)


def generate(scope, tmp_path, actor):
    return do_generate_evidence(scope, tmp_path / "evidence.xlsx", actor=actor)


def sheets(path) -> dict[str, list[tuple]]:
    """Each sheet's rows below its header."""
    book = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: list(ws.iter_rows(min_row=2, values_only=True)) for ws in book}


def header(path, title: str) -> list[str]:
    book = openpyxl.load_workbook(path, read_only=True)
    return list(next(book[title].iter_rows(max_row=1, values_only=True)))


def column(path, title: str, name: str) -> list:
    index = header(path, title).index(name)
    return [row[index] for row in sheets(path)[title]]


def by_key(path, title: str, key: str, name: str) -> dict:
    """Sheet ``title``'s column ``name`` by its column ``key``'s value, row for row."""
    return dict(zip(column(path, title, key), column(path, title, name), strict=True))


def audit_of(pairs) -> int:
    """How many audit rows the objects ``pairs`` [(model, ids)] have."""
    where = Q(pk__in=[])
    for model, ids in pairs:
        where |= Q(object_type=model._meta.label_lower, object_id__in=[str(i) for i in ids])
    return AuditEvent.objects.filter(where).count()


def expected_customer_counts(w) -> dict[str, int]:
    ca = w.ca
    records = list(CallbackRecord.objects.filter(customer=ca).values_list("pk", flat=True))
    measures = list(Measure.objects.filter(customer=ca).values_list("pk", flat=True))
    calls = CallAttempt.objects.filter(customer=ca)
    return {
        "规则版本": RunRule.objects.filter(run__in=[w.run, w.run2]).count(),
        "命中依据": HitReason.objects.filter(customer=ca).count(),
        "回访任务": CallbackTask.objects.filter(customer=ca).count(),
        "任务批次与合并": TaskBatch.objects.filter(task__customer=ca).count(),
        "任务历史": audit_of([(CallbackTask, [w.ta.pk])]),
        "回访记录": len(records),
        "回访记录版本": RecordVersion.objects.filter(record__customer=ca).count(),
        "问卷答案": ResponseAnswer.objects.filter(response__customer=ca).count(),
        "短信记录": SmsMessage.objects.filter(customer=ca).count(),
        "外呼记录": calls.count(),
        "营业部反馈": BranchFeedback.objects.filter(task__customer=ca).count(),
        "管理措施": len(measures),
        "附件清单": RecordAttachment.objects.filter(record__customer=ca).count()
        + calls.exclude(recording_url="").count()
        + MeasureAttachment.objects.filter(measure__customer=ca).count(),
        "审计日志": audit_of(
            [
                (type(w.run), [w.run.pk, w.run2.pk]),
                (type(w.batch), [w.batch.pk, w.batch2.pk]),
                (CallbackRecord, records),
                (
                    RecordAttachment,
                    RecordAttachment.objects.filter(record__customer=ca).values_list(
                        "pk", flat=True
                    ),
                ),
                (BranchFeedback, [w.feedback.pk]),
                (type(w.response), [w.response.pk]),
                (SmsMessage, [w.sms.pk]),
                (CallAttempt, [w.call.pk]),
                (Measure, measures),
                (
                    MeasureAttachment,
                    MeasureAttachment.objects.filter(measure__customer=ca).values_list(
                        "pk", flat=True
                    ),
                ),
                (type(ca), [ca.pk]),
            ]
        ),
    }


def test_a_customers_package_has_every_section_with_the_rows_of_the_database(w, personas, tmp_path):
    expected = expected_customer_counts(w)  # before this package's own audit row
    package = generate(Scope(customer=w.ca), tmp_path, personas["hq_admin"])
    found = sheets(package.workbook)
    assert list(found) == ["封面"] + [s.title for s in SECTIONS]
    assert {title: len(found[title]) for title in expected} == expected
    assert all(expected[s.title] > 0 for s in SECTIONS), "the world seeds every section"


def test_a_batchs_package_holds_its_tasks_every_hit_of_its_run_and_their_rows(
    w, personas, tmp_path
):
    package = generate(Scope(batch=w.batch), tmp_path, personas["hq_admin"])
    assert sorted(column(package.workbook, "回访任务", "任务编号")) == sorted([w.ta.pk, w.tb.pk])
    # Every hit of the batch's run (cx too, who got no task) and ca's hit in the merged run.
    hits = column(package.workbook, "命中依据", "投资者代码")
    assert sorted(hits) == sorted(
        [w.ca.investor_code, w.cb.investor_code, w.cx.investor_code, w.ca.investor_code]
    )
    assert sorted(column(package.workbook, "回访记录", "记录编号")) == sorted(
        CallbackRecord.objects.filter(task__in=[w.ta, w.tb]).values_list("pk", flat=True)
    )
    assert package.counts["回访记录版本"] == (
        RecordVersion.objects.filter(record__task__in=[w.ta, w.tb]).count()
    )
    assert package.counts["规则版本"] == 2


def test_the_covers_counts_are_the_rows_of_each_sheet(w, personas, tmp_path):
    package = generate(Scope(batch=w.batch), tmp_path, personas["hq_admin"])
    found = sheets(package.workbook)
    cover = {row[0]: row[2] for row in found["封面"] if row[0].startswith(SECTION_PREFIX)}
    assert cover == {SECTION_PREFIX + title: len(found[title]) for title in package.counts}
    assert len(cover) == len(SECTIONS)


def test_the_cover_says_who_generated_it_when_and_for_what(w, personas, tmp_path):
    package = generate(Scope(customer=w.ca), tmp_path, personas["auditor"])
    cover = {row[0]: row[1] for row in sheets(package.workbook)["封面"]}
    assert cover["证据包范围"] == f"客户 {w.ca.investor_code} {w.ca.name}"
    assert cover["生成人"] == "auditor"
    assert isinstance(cover["生成时间"], datetime.datetime)


def test_a_branch_users_package_of_a_batch_holds_only_their_branchs_rows(w, personas, tmp_path):
    package = generate(Scope(batch=w.batch), tmp_path, personas["manager_a"])
    cells = {
        str(cell) for rows in sheets(package.workbook).values() for row in rows for cell in row
    }
    assert w.cb.investor_code not in cells
    assert "010201" not in cells
    assert column(package.workbook, "回访任务", "任务编号") == [w.ta.pk]
    assert w.record_b.pk not in column(package.workbook, "回访记录", "记录编号")


def test_a_branch_user_is_refused_another_branchs_customer(w, personas, tmp_path):
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        generate(Scope(customer=w.cb), tmp_path, personas["manager_a"])
    assert AuditEvent.objects.count() == before
    assert not (tmp_path / "evidence.xlsx").exists()


def test_an_agent_may_not_generate_one(w, personas, tmp_path):
    with pytest.raises(PermissionDenied, match="证据包"):
        generate(Scope(customer=w.ca), tmp_path, personas["agent_a"])


def test_a_branch_and_period_package_holds_the_tasks_created_in_the_period(
    w, branches, personas, tmp_path
):
    today = datetime.date.today()
    scope = Scope(branch=branches["a"], start=today - datetime.timedelta(days=1), end=today)
    package = generate(scope, tmp_path, personas["hq_admin"])
    assert column(package.workbook, "回访任务", "任务编号") == [w.ta.pk]
    earlier = Scope(
        branch=branches["a"], start=datetime.date(2020, 1, 1), end=datetime.date(2020, 12, 31)
    )
    assert generate(earlier, tmp_path, personas["hq_admin"]).counts["回访任务"] == 0


def test_generating_one_is_audited_with_the_workbooks_sha256(w, personas, tmp_path):
    package = generate(Scope(customer=w.ca), tmp_path, personas["auditor"])
    event = AuditEvent.objects.get(action="evidence")
    assert event.user == personas["auditor"]
    assert (event.object_type, event.object_id) == ("customers.customer", str(w.ca.pk))
    assert event.after["sha256"] == hashlib.sha256(package.workbook.read_bytes()).hexdigest()
    assert event.after["sections"] == package.counts


def test_personal_data_is_masked_as_on_the_pages(w, personas, tmp_path):
    package = generate(Scope(customer=w.ca), tmp_path, personas["hq_admin"])
    text = " ".join(
        str(cell) for rows in sheets(package.workbook).values() for row in rows for cell in row
    )
    assert MOBILE not in text
    assert column(package.workbook, "回访记录", "手机号") == ["138****5678"]
    assert column(package.workbook, "短信记录", "手机号") == ["138****5678"]


def test_codes_are_text_and_dates_are_dates(w, personas, tmp_path):
    package = generate(Scope(customer=w.ca), tmp_path, personas["hq_admin"])
    assert column(package.workbook, "回访任务", "投资者代码") == [w.ca.investor_code]
    assert column(package.workbook, "回访任务", "批次号") == [w.batch.number]
    (deadline,) = column(package.workbook, "回访任务", "截止日期")
    assert isinstance(deadline, datetime.datetime)
    assert deadline.date() == w.ta.deadline


def test_the_versions_of_a_record_are_each_kept(w, personas, tmp_path):
    package = generate(Scope(customer=w.ca), tmp_path, personas["hq_admin"])
    versions = sheets(package.workbook)["回访记录版本"]
    assert [row[2] for row in versions] == [1, 2]
    assert "补充备注" in [row[5] for row in versions]


def test_the_zip_holds_the_workbook_the_files_and_a_manifest_with_their_sha256(
    w, personas, tmp_path
):
    package = generate(Scope(customer=w.ca), tmp_path, personas["hq_admin"])
    assert package.zip == tmp_path / "evidence.zip"
    with zipfile.ZipFile(package.zip) as archive:
        names = archive.namelist()
        assert archive.read("evidence.xlsx") == package.workbook.read_bytes()
        files = {n: archive.read(n) for n in names if n.startswith("attachments/")}
        manifest = archive.read("manifest.csv").decode("utf-8-sig").splitlines()
    assert sorted(files.values()) == sorted([evidence_world.SCAN, evidence_world.MEASURE_NOTE])
    rows = [line.split(",") for line in manifest[1:]]
    by_file = {row[5]: row for row in rows if row[5]}
    for name, content in files.items():
        digest = hashlib.sha256(content).hexdigest()
        assert by_file[name][7] == by_file[name][8] == digest
        assert by_file[name][10] == "一致"
    references = {row[6]: row[7] for row in rows if row[6]}
    assert references == {
        "rec://pbx/2026/0001.wav": w.recording_sha,
        w.call.recording_url: w.call_sha,
    }


def test_a_changed_file_shows_in_the_manifest(w, personas, tmp_path):
    from django.core.files.storage import default_storage

    scan = RecordAttachment.objects.get(record=w.record, kind="file")
    with default_storage.open(scan.file.name, "wb") as handle:
        handle.write(b"tampered")
    package = generate(Scope(customer=w.ca), tmp_path, personas["hq_admin"])
    verdicts = by_key(package.workbook, "附件清单", "名称", "校验")
    assert verdicts[scan.name] == "不一致"


def test_no_zip_without_attachments(w, personas, tmp_path):
    package = generate(Scope(customer=w.cx), tmp_path, personas["hq_admin"])
    assert package.zip is None
    assert not (tmp_path / "evidence.zip").exists()
    assert package.counts["命中依据"] == 1  # hit, but given no task


def test_the_summary_counts_the_workbooks_sheets_cover_included(w, personas, tmp_path):
    package = generate(Scope(customer=w.ca), tmp_path, personas["hq_admin"])
    total = len(openpyxl.load_workbook(package.workbook, read_only=True).sheetnames)
    assert f"：{total} 个工作表（含封面）" in package.summary()


def test_the_rule_sheet_says_each_rules_parameters_in_words_with_its_types_labels(
    w, personas, tmp_path
):
    """生效参数 reads ``年龄不低于（周岁）=70；…`` (the rule type's own labels, values as the
    pages show them), not JSON with English keys; the JSON stays in its own column."""
    package = generate(Scope(customer=w.ca), tmp_path, personas["hq_admin"])
    shown = by_key(package.workbook, "规则版本", "规则编号", "生效参数")
    elderly = RunRule.objects.get(run=w.run2)
    age = elderly.params["min_age"]
    assert shown["A003"].startswith(f"年龄不低于（周岁）={age}；")
    assert "客户类型=全部" in shown["A003"] and "min_age" not in shown["A003"]
    assert shown["A001"].startswith("统计期间开始=默认；统计期间结束=默认")
    raw = column(package.workbook, "规则版本", "生效参数（原始 JSON）")
    assert json.loads(raw[-1]) == elderly.params


def test_the_rule_sheet_says_a_screenings_overrides_in_words(w, personas, tmp_path):
    type(w.run2).objects.filter(pk=w.run2.pk).update(overrides={"A003": {"min_age": 65}})
    package = generate(Scope(customer=w.ca), tmp_path, personas["hq_admin"])
    said = by_key(package.workbook, "规则版本", "规则编号", "临时参数")
    assert said["A003"] == "A003（年龄不低于（周岁）=65）"
    assert said["A001"] in (None, "")


def test_a_parameter_its_type_no_longer_declares_is_kept_as_stored(w, personas, tmp_path):
    RunRule.objects.filter(run=w.run2).update(params={"min_age": 70, "retired_key": "x"})
    package = generate(Scope(customer=w.ca), tmp_path, personas["hq_admin"])
    shown = column(package.workbook, "规则版本", "生效参数")
    assert any(text.endswith("；retired_key=x") for text in shown)


def test_a_calls_ivr_confirmation_is_said_by_the_questions_name(w, personas, tmp_path):
    """按键确认 reads 确认回访内容（confirm）=1 (the platform's key kept after the name), not JSON."""
    CallAttempt.objects.filter(pk=w.call.pk).update(ivr={"confirm": "1"})
    package = generate(Scope(customer=w.ca), tmp_path, personas["hq_admin"])
    assert column(package.workbook, "外呼记录", "按键确认") == ["确认回访内容（confirm）=1"]


def test_a_record_versions_changes_read_in_words_with_the_json_beside(w, personas, tmp_path):
    package = generate(Scope(customer=w.ca), tmp_path, personas["hq_admin"])
    names = header(package.workbook, "回访记录版本")
    rows = [dict(zip(names, row, strict=True)) for row in sheets(package.workbook)["回访记录版本"]]
    second = rows[1]
    assert "备注：" in second["修改内容"] and "→" in second["修改内容"]
    assert "remark" not in second["修改内容"] and "回访状态：" in second["内容"]
    assert '"remark"' in second["修改内容（原始 JSON）"]
