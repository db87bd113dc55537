"""The migration that masks personal data already kept in clear in import records' row
reports (issue 19): the record's stored rows and its xlsx."""

from __future__ import annotations

import importlib
from pathlib import Path

from django.apps import apps as django_apps
from django.conf import settings
from python_calamine import CalamineWorkbook

from huifang.customers.importers import report
from huifang.customers.models import ImportRecord

migration = importlib.import_module("huifang.customers.migrations.0011_mask_import_reports")

SHIFTED = "该行有 9 个单元格，多于表头的 8 列（可能有未加引号的逗号），无法确定各值属于哪一列"
CLEAR = [
    [2, "证件号码", "110105194912310021", "身份证号码校验位不正确"],
    [2, "手机号", "1381234567", "手机号须为11位大陆手机号码"],
    [3, "证件号码", "11010", "身份证号码格式不正确（应为18位）"],
    [4, "部门代码", "999999", "部门代码不存在"],
    [5, "", "a@b.cn", SHIFTED],
]
MASKED = [
    [2, "证件号码", "110***********0021", "身份证号码校验位不正确"],
    [2, "手机号", "138*****67", "手机号须为11位大陆手机号码"],
    [3, "证件号码", "*****", "身份证号码格式不正确（应为18位）"],
    [4, "部门代码", "999999", "部门代码不存在"],
    [5, "", "******", SHIFTED],
]


def _old_record(db_rows, dataset="customers") -> ImportRecord:
    """A record as an older importer kept it: values in clear, on the record and in its
    xlsx."""
    record = ImportRecord.objects.create(
        dataset=dataset, status="rejected", error_count=len(db_rows), errors=db_rows
    )
    record.report_file = report.write(record, db_rows)
    record.save(update_fields=["report_file"])
    return record


def _file_rows(record) -> list[list]:
    path = Path(settings.MEDIA_ROOT) / record.report_file
    with CalamineWorkbook.from_path(str(path)) as workbook:
        rows = workbook.get_sheet_by_index(0).to_python()
    return [[int(r[0]), *r[1:]] for r in rows[1:]]


def test_the_stored_rows_and_the_xlsx_are_masked(db):
    record = _old_record(CLEAR)
    assert migration.mask_reports(django_apps) == 1
    record.refresh_from_db()
    assert record.errors == MASKED
    assert _file_rows(record) == MASKED


def test_running_it_again_changes_nothing(db):
    record = _old_record(CLEAR)
    migration.mask_reports(django_apps)
    assert migration.mask_reports(django_apps) == 0
    record.refresh_from_db()
    assert record.errors == MASKED and _file_rows(record) == MASKED


def test_other_datasets_are_left_as_they_are(db):
    rows = [[2, "当日权益", "abc", "金额格式不正确"], [3, "", "x,y", SHIFTED]]
    record = _old_record(rows, dataset="daily")
    assert migration.mask_reports(django_apps) == 0
    record.refresh_from_db()
    assert record.errors == rows and _file_rows(record) == rows


def test_a_missing_report_file_is_no_obstacle(db):
    record = _old_record(CLEAR)
    (Path(settings.MEDIA_ROOT) / record.report_file).unlink()
    assert migration.mask_reports(django_apps) == 1
    record.refresh_from_db()
    assert record.errors == MASKED
