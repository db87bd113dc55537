"""An XLSX cell holding an Excel error value (``#N/A``, ``#VALUE!``, ``#REF!`` …) is not an
empty cell: python-calamine reads it as "", so the reader finds such cells in the sheet's
XML, and a row with one in an imported column is refused, the reason naming the error."""

import datetime

import pytest
import xlsxwriter
from openpyxl import Workbook

from huifang.customers.importers import import_file
from huifang.customers.importers.cells import ErrorRow, ExcelError
from huifang.customers.importers.readers import open_table
from huifang.customers.models import Customer, DailyBalance, ImportRecord
from huifang.org.models import Branch
from tests.customers.conftest import CUSTOMER_HEADER, CUSTOMER_ROWS, DAILY_HEADER, DAILY_ROWS

C = {name: i for i, name in enumerate(CUSTOMER_HEADER)}
D = {name: i for i, name in enumerate(DAILY_HEADER)}


def reason(error: str) -> str:
    return f"单元格为 Excel 错误值 {error}，请修正公式或填入实际的值"


class Formula:
    """A formula cell as Excel saves it: the formula and the value it last computed."""

    def __init__(self, formula: str, cached: str):
        self.formula, self.cached = formula, cached


NA = Formula("=NA()", "#N/A")
VALUE = Formula('=1+"x"', "#VALUE!")
REF = Formula("=#REF!", "#REF!")


@pytest.fixture
def excel_file(tmp_path):
    """``excel_file(header, rows, first_cell=(0, 0))`` → Path of an xlsx written as Excel
    writes one (xlsxwriter): text cells as text, ``Formula`` cells with their cached value."""
    counter = iter(range(1000))

    def write(header, rows, first_cell=(0, 0)):
        path = tmp_path / f"excel_{next(counter)}.xlsx"
        workbook = xlsxwriter.Workbook(str(path))
        sheet = workbook.add_worksheet()
        top, left = first_cell
        for r, row in enumerate([header, *rows]):
            for c, value in enumerate(row):
                if isinstance(value, Formula):
                    sheet.write_formula(top + r, left + c, value.formula, None, value.cached)
                elif value != "":
                    sheet.write_string(top + r, left + c, value)
        workbook.close()
        return path

    return write


def _with(rows, index, column, value):
    rows = [list(r) for r in rows]
    rows[index][column] = value
    return rows


def _report(result):
    return [(e.row, e.column, e.value, e.reason) for e in result.errors]


# -- the reader ------------------------------------------------------------------------------


def test_the_reader_marks_error_cells_where_they_are(excel_file):
    header = ["a", "b", "c"]
    # From column B: the sheet's cells are found by their place, not the row's index.
    path = excel_file(header, [["x", NA, "y"], ["z", "", ""], [VALUE, "", REF]], (0, 1))
    table = open_table(path)
    rows = list(table.rows)
    table.close()
    assert rows == [(2, ["x", "#N/A", "y"]), (3, ["z", "", ""]), (4, ["#VALUE!", "", "#REF!"])]
    assert [type(cells) for _, cells in rows] == [ErrorRow, list, ErrorRow]
    assert [type(c) for c in rows[0][1]] == [str, ExcelError, str]
    assert [type(c) for c in rows[2][1]] == [ExcelError, str, ExcelError]


def test_an_error_value_stored_without_a_formula_is_found_too(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["a", "b"])
    sheet.append(["x", "#DIV/0!"])  # openpyxl stores an error code as an error (t="e")
    sheet["A3"] = "#N/A"
    sheet["A3"].data_type = "s"  # text that looks like an error: text
    path = tmp_path / "literal.xlsx"
    workbook.save(path)
    table = open_table(path)
    rows = list(table.rows)
    table.close()
    assert rows == [(2, ["x", "#DIV/0!"]), (3, ["#N/A", ""])]
    assert type(rows[0][1][1]) is ExcelError and type(rows[1][1][0]) is str


# -- the datasets ----------------------------------------------------------------------------


def test_a_customer_row_with_an_error_value_is_refused_naming_column_and_error(
    branches, excel_file
):
    rows = _with(CUSTOMER_ROWS, 1, C["投资者名称"], NA)
    result = import_file("customers", excel_file(CUSTOMER_HEADER, rows))
    assert _report(result) == [(3, "投资者名称", "#N/A", reason("#N/A"))]
    assert result.record.status == ImportRecord.Status.REJECTED
    assert not Customer.objects.exists()


def test_with_skip_invalid_only_the_row_with_the_error_is_left_out(branches, excel_file):
    rows = _with(CUSTOMER_ROWS, 1, C["开户日期"], VALUE)
    result = import_file("customers", excel_file(CUSTOMER_HEADER, rows), skip_invalid=True)
    assert (result.created, result.rejected) == (2, 1)
    assert _report(result) == [(3, "开户日期", "#VALUE!", reason("#VALUE!"))]
    assert not Customer.objects.filter(investor_code="00000102").exists()


def test_an_error_in_a_personal_data_column_is_named_not_masked(branches, excel_file):
    rows = _with(CUSTOMER_ROWS, 0, C["手机号"], NA)
    result = import_file("customers", excel_file(CUSTOMER_HEADER, rows))
    assert _report(result) == [(2, "手机号", "#N/A", reason("#N/A"))]


def test_every_error_cell_of_a_row_is_reported(branches, excel_file):
    rows = _with(_with(CUSTOMER_ROWS, 0, C["证件号码"], REF), 0, C["部门代码"], NA)
    result = import_file("customers", excel_file(CUSTOMER_HEADER, rows))
    assert _report(result) == [
        (2, "证件号码", "#REF!", reason("#REF!")),
        (2, "部门代码", "#N/A", reason("#N/A")),
    ]


def test_an_error_in_an_ignored_column_does_not_refuse_the_row(branches, excel_file):
    header = [*CUSTOMER_HEADER, "备注"]
    rows = [[*row, NA] for row in CUSTOMER_ROWS]
    result = import_file("customers", excel_file(header, rows))
    assert (result.ok, result.created) == (True, 3), result.errors


def test_a_daily_row_with_an_error_value_is_refused(imp_customers, excel_file):
    rows = _with(DAILY_ROWS, 2, D["当日权益"], VALUE)
    result = import_file("daily", excel_file(DAILY_HEADER, rows))
    assert _report(result) == [(4, "当日权益", "#VALUE!", reason("#VALUE!"))]
    assert not DailyBalance.objects.filter(trade_date=datetime.date(2025, 3, 3)).exists()


def test_a_branch_row_with_an_error_value_is_refused(db, excel_file):
    header = ["部门代码", "部门名称", "上级部门代码"]
    rows = [["9901", "华东分公司", ""], ["990101", "杭州营业部", REF]]
    result = import_file("branches", excel_file(header, rows))
    assert _report(result) == [(3, "上级部门代码", "#REF!", reason("#REF!"))]
    assert not Branch.objects.filter(code__startswith="99").exists()
