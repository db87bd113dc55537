"""Fixtures of the import tests (prefix ``imp_``): sample rows of the four datasets and
helpers that write them as CSV (UTF-8 / UTF-8-BOM / GBK) or XLSX files."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from hypothesis import strategies as st

CUSTOMER_HEADER = [
    "投资者代码",
    "投资者名称",
    "客户类型",
    "性别",
    "证件类型",
    "证件号码",
    "生日",
    "开户日期",
    "客户状态",
    "部门代码",
    "风险承受能力",
    "手机号",
    "经纪人编号",
    "经纪人名称",
]

# 11010519491231002X is the GB 11643 standard's own example number (check digit X).
CUSTOMER_ROWS = [
    [
        "00000101",
        "张三",
        "自然人",
        "男",
        "身份证",
        "11010519491231002X",
        "",
        "2020-01-15",
        "有效",
        "010101",
        "C3",
        "13812345678",
        "B01;B02",
        "李经纪;王经纪",
    ],
    [
        "00000102",
        "李四",
        "自然人",
        "女",
        "护照",
        "E12345678",
        "1985/06/01",
        "20210301",
        "有效",
        "010201",
        "C1(最低类别)",
        "",
        "",
        "",
    ],
    [
        "00000103",
        "北京某某投资有限公司",
        "一般法人",
        "",
        "统一社会信用代码",
        "91110000100000000A",
        "",
        "2019-12-31",
        "注销",
        "010101",
        "C5",
        "",
        "",
        "",
    ],
]

DAILY_HEADER = [
    "交易日期",
    "投资者代码",
    "上日权益",
    "入金",
    "出金",
    "平仓盈亏",
    "持仓盈亏",
    "手续费",
    "当日权益",
    "成交手数",
]
DAILY_ROWS = [
    ["2025-03-03", "00000101", "1,000.00", "500", "", "10.50", "-2.25", "1.25", "1,507.00", "3"],
    ["2025-03-04", "00000101", "1507.00", "", "100", "", "", "0", "1407.00", ""],
    ["2025-03-03", "00000102", "0", "20000", "", "", "", "", "20000", "0"],
]

# Daily rows for property tests: valid and invalid dates, codes and numbers.
DAILY_CODES = ["00000101", "00000102", "00000103", "00000999", "bad code", ""]
DAILY_BALANCED = ["100.00", "", "", "1.00", "", "0.50", "100.50", "3"]
DAILY_NUMBERS = st.sampled_from(
    [
        DAILY_BALANCED,
        ["100.00", "", "", "", "", "", "100.00", ""],
        ["100.00", "", "", "", "", "", "99.00", ""],  # does not balance
        ["100.0", "", "", "", "", "", "100", ""],  # valid, not the fast path's form
        ["abc", "", "", "", "", "", "100.00", ""],
        ["100.00", "", "", "", "", "-1.00", "101.00", "2"],  # negative fee
        ["100.00", "", "", "", "", "", "100.00", "1.5"],
    ]
)
DAILY_ROW = st.tuples(
    st.sampled_from(["2025-03-03", "2025-03-04", "2025/03/03", "2025-02-30"]),
    st.sampled_from(DAILY_CODES),
    DAILY_NUMBERS,
).map(lambda r: [r[0], r[1], *r[2]])

PRODUCT_HEADER = ["投资者代码", "业务日期", "产品代码", "产品名称", "产品类别", "风险等级"]
PRODUCT_ROWS = [
    ["00000101", "2025-02-01", "OPT001", "商品期权交易权限", "期权", "R4"],
    ["00000102", "2025/02/02", "AM0007", "XX资管计划", "资管产品", "R3"],
]


def csv_bytes(header, rows, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.fixture
def imp_write_csv(tmp_path):
    """``imp_write_csv(header, rows, encoding="utf-8-sig", name=...)`` → Path."""
    counter = iter(range(10_000))

    def write(header, rows, encoding="utf-8", name=None):
        path = tmp_path / (name or f"import_{next(counter)}.csv")
        path.write_bytes(csv_bytes(header, rows, encoding))
        return path

    return write


@pytest.fixture
def imp_write_xlsx(tmp_path):
    """``imp_write_xlsx(header, rows)`` → Path; cells keep their Python types (numbers and
    dates become numeric and date cells, as Excel would store them)."""
    from openpyxl import Workbook

    counter = iter(range(10_000))

    def write(header, rows, name=None):
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        for column in sheet.iter_cols(min_row=2):
            for cell in column:
                if isinstance(cell.value, datetime.date):
                    cell.number_format = "yyyy-mm-dd"
        path = tmp_path / (name or f"import_{next(counter)}.xlsx")
        workbook.save(path)
        return path

    return write


@pytest.fixture
def parts_from_any_size(monkeypatch):
    """Cut even a small file into parts; ``calls`` counts the imports read in parts."""
    from huifang.customers.importers import parallel

    monkeypatch.setattr(parallel, "PART_FROM_BYTES", 1)
    calls = []
    stage_parts = parallel.stage_parts

    def counted(cut, *args, **kwargs):
        calls.append(len(cut))
        return stage_parts(cut, *args, **kwargs)

    monkeypatch.setattr(parallel, "stage_parts", counted)
    return calls


@pytest.fixture
def imp_customers(branches):
    """The three sample customers, imported (branches from the shared ``branches``)."""
    from huifang.customers.importers import import_rows

    rows = [dict(zip(CUSTOMER_HEADER, row, strict=True)) for row in CUSTOMER_ROWS]
    result = import_rows("customers", rows)
    assert result.ok, result.errors
    return result


@pytest.fixture
def importer_a(personas, branches):
    """A head-office-role user placed in branch A (0101): customer 00000102 is outside."""
    from huifang.org.models import Role
    from huifang.org.services import do_create_user

    return do_create_user(
        username="importer_a", password=None, branch=branches["a"], role=Role.HQ_ADMIN
    )


@pytest.fixture
def imp_table_counts(db):
    """``imp_table_counts()`` → row count of every table of customers, org and the audit
    log (to show that a rejected import wrote nothing)."""
    from django.apps import apps

    def counts():
        models = [
            *apps.get_app_config("customers").get_models(),
            *apps.get_app_config("org").get_models(),
        ]
        result = {m._meta.label: m._default_manager.count() for m in models}
        result.pop("customers.ImportRecord", None)
        return result

    return counts


class _Undo(Exception):
    pass


def daily_outcome(path, actor, monkeypatch, *, in_sql: bool, processes: int = 1) -> tuple:
    """Import the daily file ``path`` with codes resolved one way (``in_sql``) by
    ``processes`` processes, note what happened (result, errors, rows), then undo it."""
    from huifang.customers.importers import daily
    from huifang.customers.models import DailyBalance

    monkeypatch.setattr(daily, "resolve_in_sql", lambda source: in_sql)
    columns = ("customer__investor_code", "trade_date", "equity", "volume")
    return import_outcome("daily", path, DailyBalance, columns, processes=processes, actor=actor)


def import_outcome(dataset, path, model, columns, *, processes: int, actor=None) -> tuple:
    """Import ``path`` with ``processes`` processes, note what happened (result, errors,
    the ``columns`` of ``model``'s rows), then undo it."""
    from django.db import transaction
    from django.test import override_settings

    from huifang.customers.importers import import_file

    noted = None
    try:
        with transaction.atomic(), override_settings(IMPORT_PROCESSES=processes):
            result = import_file(dataset, path, actor=actor, skip_invalid=True)
            noted = (
                result.ok,
                result.total,
                result.created,
                result.rejected,
                [(e.row, e.column, e.value, e.reason) for e in result.errors],
                sorted(model.objects.values_list(*columns)),
            )
            raise _Undo
    except _Undo:
        pass
    return noted
