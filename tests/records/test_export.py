"""``export_records`` (the function behind ``huifang export records``): the record list's
columns, masked as on the page, filtered by date, branch and status, scoped by user."""

from __future__ import annotations

import csv
import datetime

import openpyxl
import pytest
from django.utils import timezone

from huifang.callbacks.records import services
from huifang.callbacks.records.exporting import export_records

HEADER = [
    "营业部代码",
    "账号所属营业部",
    "回访日期",
    "客户账号",
    "账户名称",
    "联系电话",
    "性别",
    "年龄",
    "风险承受能力",
    "回访状态",
    "反馈营业部",
]


def read_csv(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture
def records(make_task, personas, content, reason):
    a = services.do_create_record(make_task("a1"), content(), actor=personas["agent_a"])
    b = services.do_create_record(
        make_task("b1"),
        content(status="failure", failure_reason=reason("占线")),
        actor=personas["agent_b"],
    )
    return a, b


def test_columns_and_masking(records, tmp_path):
    path = tmp_path / "records.csv"
    assert export_records(path) == 2
    rows = read_csv(path)
    assert rows[0] == HEADER
    text = path.read_text(encoding="utf-8-sig")
    assert "138****5678" in text and "13812345678" not in text
    row = next(r for r in rows[1:] if r[3] == records[0].customer.investor_code)
    assert row[0] == "010101" and row[1] == "期货北京营业部" and row[6] == "男"
    assert row[8] == "C3" and row[9] == "成功" and row[10] == "未反馈"


def test_filters_status_branch_and_dates(records, tmp_path):
    path = tmp_path / "r.csv"
    assert export_records(path, status="失败") == 1
    assert read_csv(path)[1][3] == records[1].customer.investor_code
    assert export_records(path, branch_code="0101") == 1
    today = timezone.localdate()
    assert export_records(path, date_from=today + datetime.timedelta(days=1)) == 0
    assert export_records(path, date_from=today - datetime.timedelta(days=1), date_to=today) == 2


def test_user_scope(records, personas, tmp_path):
    path = tmp_path / "r.xlsx"
    assert export_records(path, user=personas["agent_b"]) == 1
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet.cell(2, 4).value == records[1].customer.investor_code


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": "完成"}, "未知的回访状态"),
        ({"branch_code": "9999"}, "部门代码“9999”不存在"),
        (
            {"date_from": datetime.date(2026, 2, 1), "date_to": datetime.date(2026, 1, 1)},
            "开始日期",
        ),
    ],
)
def test_bad_input_is_refused(tmp_path, db, kwargs, message):
    with pytest.raises(ValueError, match=message):
        export_records(tmp_path / "r.csv", **kwargs)


def test_export_records_command_writes_the_file_and_one_audit_row(tmp_path, db):
    from django.core.management import call_command

    from huifang.core.models import AuditEvent

    out = tmp_path / "records.csv"
    call_command("export", "records", str(out), "--from", "2026-01-01", "--to", "2026-12-31")
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].startswith("营业部代码")
    assert AuditEvent.objects.filter(action="export").count() == 1


def test_export_records_command_refuses_a_bad_date(tmp_path, db):
    import pytest
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="不是有效日期"):
        call_command("export", "records", str(tmp_path / "r.csv"), "--from", "2026-13-01")


def test_the_record_list_export_names_its_filters_as_the_page_does(records, client_for):
    from tests.xlsx import about

    query = {
        "_export": "xlsx",
        "status": "failure",
        "branch": "0101",
        "called_at_after": "2026-01-01",
        "sort": "-called_at",
        "unknown": "x",
    }
    response = client_for("hq_admin").get("/records/", query)
    assert about(response.content)["筛选条件"] == (
        "营业部：0101 北京分公司；回访日期（起止）：2026-01-01 起；回访状态：失败"
    )
