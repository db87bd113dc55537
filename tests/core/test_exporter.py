"""``core.exporter.Exporter``: a table and a FilterSet to a file or a download, formula-safe,
at Shanghai time, streamed when big, with exactly one audit row."""

from __future__ import annotations

import csv
import datetime
import io

import django_tables2 as tables
import openpyxl
import pytest
from django.http import FileResponse, HttpResponse, StreamingHttpResponse

from huifang.core import export
from huifang.core.exporter import Exporter, ExportError
from huifang.core.filtersets import FilterSet
from huifang.core.models import AuditEvent
from huifang.org.filtersets import BranchFilterSet
from huifang.org.models import Branch
from huifang.org.services import do_save_branch

UTC = datetime.UTC


class BranchTable(tables.Table):
    class Meta:
        model = Branch
        fields = ["code", "name", "created_at"]
        order_by = "code"


class DepthFilterSet(FilterSet):
    class Meta:
        model = Branch
        fields = ["depth"]


@pytest.fixture
def evil(branches):
    branch, _ = do_save_branch(code="0199", name='=HYPERLINK("http://x","点我")', parent=None)
    return branch


def exporter(data=None, **kwargs) -> Exporter:
    filterset = BranchFilterSet(data or {}, queryset=Branch.objects.all())
    return Exporter(BranchTable, filterset, name="branches", title="部门", **kwargs)


def read_csv(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_a_file_has_the_tables_header_and_the_filtered_rows(branches, tmp_path):
    path = tmp_path / "b.csv"
    assert exporter({"q": "0102"}).write(path) == 2
    rows = read_csv(path)
    assert rows[0] == ["部门代码", "部门名称", "创建时间"]
    assert [r[0] for r in rows[1:]] == ["0102", "010201"]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_formula_cells_are_neutralised_in_both_formats(evil, tmp_path, suffix):
    path = tmp_path / f"b.{suffix}"
    exporter({"q": "0199"}).write(path)
    if suffix == "csv":
        name = read_csv(path)[1][1]
    else:
        name = openpyxl.load_workbook(path).active["B2"].value
    assert name == '\'=HYPERLINK("http://x","点我")'


def test_datetimes_are_written_at_shanghai_time(branches, tmp_path):
    Branch.objects.filter(code="01").update(
        created_at=datetime.datetime(2026, 1, 1, 17, 30, tzinfo=UTC)
    )
    path = tmp_path / "b.csv"
    exporter({"q": "01"}).write(path)
    assert read_csv(path)[1][2] == "2026-01-02 01:30:00"


def test_an_aware_datetime_from_a_sheet_is_shanghai_time_in_csv_and_xlsx(db, tmp_path):
    utc = datetime.datetime(2026, 1, 1, 17, 30, tzinfo=UTC)
    sheet = lambda rows: (["时间"], ([value] for value in rows))  # noqa: E731
    for suffix in ("csv", "xlsx"):
        path = tmp_path / f"t.{suffix}"
        Exporter(sheet, queryset=[utc], name="t", model=Branch).write(path)
    assert read_csv(tmp_path / "t.csv")[1][0] == "2026-01-02 01:30:00"
    cell = openpyxl.load_workbook(tmp_path / "t.xlsx").active["A2"].value
    assert cell == datetime.datetime(2026, 1, 2, 1, 30)


def test_a_file_writes_exactly_one_audit_row_naming_rows_and_place(branches, tmp_path):
    path = tmp_path / "b.xlsx"
    exporter({"q": "0101"}).write(path)
    event = AuditEvent.objects.get(action="export")
    assert event.object_type == "org.branch" and event.object_repr == "部门"
    assert "导出 2 行" in event.message and str(path) in event.message
    assert "q=0101" in event.message


def test_a_bad_filter_is_refused_in_chinese_and_writes_nothing(branches, tmp_path):
    path = tmp_path / "b.csv"
    filterset = DepthFilterSet({"depth": "一"}, queryset=Branch.objects.all())
    with pytest.raises(ExportError, match="筛选条件有误"):
        Exporter(BranchTable, filterset).write(path)
    assert not path.exists()
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_file_must_be_csv_or_xlsx(branches, tmp_path):
    with pytest.raises(ExportError, match=r"\.csv 或 \.xlsx"):
        exporter().write(tmp_path / "b.txt")


def test_a_csv_download_streams_and_audits_once(branches):
    response = exporter().response("csv")
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == "部门代码,部门名称,创建时间"
    assert AuditEvent.objects.filter(action="export").count() == 1


def test_a_small_xlsx_download_is_built_with_shared_strings(branches):
    response = exporter().response("xlsx")
    assert type(response) is HttpResponse
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "部门" and sheet.max_row == 6


def test_a_big_xlsx_download_is_streamed_from_a_file_with_the_same_cells(branches, monkeypatch):
    small = exporter().response("xlsx").content
    monkeypatch.setattr(export, "SHARED_STRINGS_ROWS", 2)
    response = exporter().response("xlsx")
    assert isinstance(response, FileResponse)
    big = b"".join(response.streaming_content)

    def cells(data):
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        return [[c.value for c in row] for row in sheet.iter_rows()]

    assert cells(big) == cells(small)
    assert AuditEvent.objects.filter(action="export").count() == 2


def test_limit_caps_the_rows(branches, tmp_path):
    assert exporter(limit=3).write(tmp_path / "b.xlsx") == 3
    assert openpyxl.load_workbook(tmp_path / "b.xlsx").active.max_row == 4


def test_the_audit_row_is_about_the_subject_when_given(branches, tmp_path):
    exporter(subject=branches["a"]).write(tmp_path / "b.csv")
    event = AuditEvent.objects.get(action="export")
    assert (event.object_type, event.object_id) == ("org.branch", str(branches["a"].pk))


def test_an_xlsx_says_who_exported_what_when_on_its_second_sheet(branches, personas):
    response = exporter({"q": "0102"}, actor=personas["hq_admin"]).response("xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["部门", export.ABOUT_SHEET]
    about = {
        row[0]: row[1] for row in book[export.ABOUT_SHEET].iter_rows(min_row=2, values_only=True)
    }
    assert about["导出内容"] == "部门"
    assert "hq_admin" in about["导出人"]
    assert about["筛选条件"] == "代码或名称：0102"
    assert about["行数"] == "2"
    assert about["导出时间"][:4].isdigit()


def test_a_command_export_names_the_command_as_exporter(branches, tmp_path):
    from huifang.core.actors import Actor

    exporter(actor=Actor.command("export")).write(tmp_path / "b.xlsx")
    book = openpyxl.load_workbook(tmp_path / "b.xlsx")
    about = {
        row[0]: row[1] for row in book[export.ABOUT_SHEET].iter_rows(min_row=2, values_only=True)
    }
    assert about["导出人"].startswith("命令行（导出") and about["筛选条件"] == "全部"


def test_a_pages_query_string_is_recorded_without_its_export_parameter(branches):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query.update({"q": "北京", "_export": "xlsx"})
    exporter(filters=query.urlencode()).response("xlsx")
    message = AuditEvent.objects.get(action="export").message
    assert message == "导出 xlsx（筛选：q=北京）"


def test_an_export_with_only_the_export_parameter_names_no_filters(branches):
    exporter(filters="_export=xlsx").response("xlsx")
    assert AuditEvent.objects.get(action="export").message == "导出 xlsx"


def test_the_filters_read_like_the_page_labels_and_chosen_options(branches, personas, rf):
    from huifang.core.filtersets import describe
    from huifang.org.filtersets import UserFilterSet
    from huifang.org.models import User

    request = rf.get("/")
    request.user = personas["hq_admin"]
    data = {"role": "agent", "branch": branches["a"].pk, "is_active": "false"}
    filterset = UserFilterSet(data, queryset=User.objects.all(), request=request)
    assert describe(filterset) == "角色：回访专员；所属部门：0101 北京分公司；有效：否"


def test_the_filters_leave_out_paging_sorting_export_and_unknown_keys(branches):
    from huifang.core.filtersets import describe

    data = {"q": "01", "page": "2", "sort": "-code", "_export": "xlsx", "nope": "1"}
    assert describe(BranchFilterSet(data, queryset=Branch.objects.all())) == "代码或名称：01"


def test_a_date_range_reads_as_days(branches):
    from huifang.core.filtersets import AuditEventFilterSet, describe

    data = {"time_min": "2026-01-01", "time_max": "2026-01-31"}
    filterset = AuditEventFilterSet(data, queryset=AuditEvent.objects.all())
    assert describe(filterset) == "时间：2026-01-01 至 2026-01-31"
    filterset = AuditEventFilterSet({"time_min": "2026-01-01"}, queryset=AuditEvent.objects.all())
    assert describe(filterset) == "时间：2026-01-01 起"
