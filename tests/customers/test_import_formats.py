"""Containers and encodings: GBK CSV, UTF-8-BOM CSV and XLSX (numeric code cells, date
cells) give identical data; headers in English or any order; extra columns warned."""

import datetime
from decimal import Decimal

from huifang.customers.importers import import_file
from huifang.customers.models import Customer, DailyBalance, MonthlyAggregate
from tests.customers.conftest import CUSTOMER_HEADER, CUSTOMER_ROWS, DAILY_HEADER, DAILY_ROWS

D = datetime.date
LEADING = "前导零可能已丢失，请将该列设为文本格式"

# Codes without leading zeros, so that Excel's numeric cells hold the true code.
CUSTOMERS = [[str(int(r[0])), *r[1:]] for r in CUSTOMER_ROWS]
DAILY = [[r[0], str(int(r[1])), *r[2:]] for r in DAILY_ROWS]


def _xlsx_cells():
    """What Excel stores when nobody set the columns to text: numbers and date cells."""
    customers = []
    for row in CUSTOMERS:
        row = list(row)
        row[0] = int(row[0])
        row[7] = datetime.datetime(2020, 1, 15) if row[7] == "2020-01-15" else row[7]
        row[11] = int(row[11]) if row[11] else None  # mobile as a number
        customers.append(row)
    daily = []
    for row in DAILY:
        row = list(row)
        row[0] = D.fromisoformat(row[0])
        row[1] = int(row[1])
        for i in range(2, 9):
            row[i] = float(row[i].replace(",", "")) if row[i] else None
        row[9] = int(row[9]) if row[9] else None
        daily.append(row)
    return customers, daily


def _snapshot():
    skip = {"id", "created_at", "updated_at"}
    names = [f.attname for f in Customer._meta.concrete_fields if f.name not in skip]
    customers = list(Customer.objects.order_by("investor_code").values(*names))
    daily = list(
        DailyBalance.objects.order_by("customer__investor_code", "trade_date").values_list(
            "customer__investor_code",
            "trade_date",
            "prev_equity",
            "deposit",
            "withdrawal",
            "close_pnl",
            "position_pnl",
            "fee",
            "equity",
            "volume",
        )
    )
    return customers, daily


def _wipe():
    MonthlyAggregate.objects.all().delete()
    DailyBalance.objects.all().delete()
    Customer.objects.all().delete()


def test_gbk_utf8_bom_and_xlsx_import_identical_data(branches, imp_write_csv, imp_write_xlsx):
    xl_customers, xl_daily = _xlsx_cells()
    sources = {
        "gbk": (
            imp_write_csv(CUSTOMER_HEADER, CUSTOMERS, "gbk"),
            imp_write_csv(DAILY_HEADER, DAILY, "gbk"),
        ),
        "bom": (
            imp_write_csv(CUSTOMER_HEADER, CUSTOMERS, "utf-8-sig"),
            imp_write_csv(DAILY_HEADER, DAILY, "utf-8-sig"),
        ),
        "xlsx": (
            imp_write_xlsx(CUSTOMER_HEADER, xl_customers),
            imp_write_xlsx(DAILY_HEADER, xl_daily),
        ),
    }
    snapshots = {}
    for name, (customers_path, daily_path) in sources.items():
        _wipe()
        first = import_file("customers", customers_path)
        second = import_file("daily", daily_path)
        assert first.ok and second.ok, (name, first.errors, second.errors)
        snapshots[name] = _snapshot()
    assert snapshots["bom"] == snapshots["gbk"]
    assert snapshots["xlsx"] == snapshots["gbk"]
    customers, daily = snapshots["gbk"]
    assert [c["investor_code"] for c in customers] == ["101", "102", "103"]
    assert customers[0]["name"] == "张三"
    assert customers[0]["birth_date"] == D(1949, 12, 31)  # taken from the ID number
    assert customers[0]["broker_codes"] == "B01;B02"
    assert customers[1]["risk_level"] == 1 and customers[1]["risk_lowest"] is True
    assert customers[2]["status"] == "closed"  # 注销 reads as 销户
    assert daily[0] == (
        "101",
        D(2025, 3, 3),
        Decimal("1000.00"),
        Decimal("500.00"),
        Decimal("0.00"),
        Decimal("10.50"),
        Decimal("-2.25"),
        Decimal("1.25"),
        Decimal("1507.00"),
        3,
    )


def test_leading_zeros_are_kept_in_csv(branches, imp_write_csv):
    result = import_file("customers", imp_write_csv(CUSTOMER_HEADER, CUSTOMER_ROWS))
    assert result.ok
    assert Customer.objects.filter(investor_code="00000101", branch__code="010101").exists()


def test_numeric_code_cell_shorter_than_the_column_is_refused(branches, imp_write_xlsx):
    rows = [list(r) for r in CUSTOMER_ROWS]
    rows[1][0] = 102  # Excel turned 00000102 into the number 102
    result = import_file("customers", imp_write_xlsx(CUSTOMER_HEADER, rows))
    assert not result.ok
    assert [(e.row, e.column, e.value, e.reason) for e in result.errors] == [
        (3, "投资者代码", "102", LEADING)
    ]
    assert not Customer.objects.exists()


def test_numeric_code_shorter_than_the_other_rows_is_refused_whatever_comes_first(
    branches, imp_write_xlsx
):
    """The usual length is the other rows': the numeric cell's own length does not vote
    (one numeric and one text row tied, and the first length seen won)."""
    rows = [list(r) for r in CUSTOMER_ROWS[:2]]
    rows[0][0] = 900000007  # 0900000007 stored as a number, read before the text row
    rows[1][0] = "9000000008"
    result = import_file("customers", imp_write_xlsx(CUSTOMER_HEADER, rows))
    assert [(e.row, e.column, e.value, e.reason) for e in result.errors] == [
        (2, "投资者代码", "900000007", LEADING)
    ]
    assert not Customer.objects.exists()


def test_numeric_branch_code_that_lost_its_zero_is_refused(branches, imp_write_xlsx):
    rows = [list(r) for r in CUSTOMER_ROWS]
    rows[0][9] = 10101  # 010101 stored as a number
    result = import_file("customers", imp_write_xlsx(CUSTOMER_HEADER, rows))
    assert [(e.row, e.column, e.reason) for e in result.errors] == [(2, "部门代码", LEADING)]


def test_english_headers_in_any_order_and_extra_columns(branches, imp_write_csv):
    header = [
        "status",
        "open_date",
        "branch_code",
        "customer_type",
        "name",
        "investor_code",
        "备注",
    ]
    rows = [["有效", "2024-01-02", "010101", "自然人", "王五", "000777", "随便写"]]
    result = import_file("customers", imp_write_csv(header, rows))
    assert result.ok
    assert result.warnings == ["已忽略未知列：备注"]
    assert Customer.objects.get(investor_code="000777").name == "王五"


def test_whitespace_is_trimmed_and_empty_means_no_value(branches, imp_write_csv):
    header = [
        "投资者代码",
        "投资者名称",
        "客户类型",
        "开户日期",
        "客户状态",
        "部门代码",
        "生日",
        "风险承受能力",
    ]
    rows = [[" 000888 ", "  赵六 ", "自然人", " 2024/1/2 ", "有效", "010101", "", " "]]
    assert import_file("customers", imp_write_csv(header, rows)).ok
    customer = Customer.objects.get(investor_code="000888")
    assert customer.name == "赵六"
    assert customer.open_date == D(2024, 1, 2)
    assert customer.birth_date is None and customer.risk_level is None


def test_missing_required_column_is_reported_on_the_header_row(branches, imp_write_csv):
    result = import_file("customers", imp_write_csv(["投资者代码", "投资者名称"], [["1", "x"]]))
    assert not result.ok
    assert {(e.row, e.column, e.reason) for e in result.errors} >= {(1, "客户类型", "缺少必填列")}


def test_unreadable_file_is_rejected_not_crashed(branches, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip")
    result = import_file("customers", path)
    assert not result.ok
    assert result.errors[0].reason.startswith("无法读取文件")
    assert result.record.status == "rejected"


def test_a_file_mixing_encodings_in_its_header_is_refused_with_a_reason(
    imp_customers, imp_write_csv, imp_table_counts
):
    before = imp_table_counts()
    # A UTF-8 header and a GBK row: the GBK bytes decide the encoding; the header then
    # fails to decode, which used to escape as an uncaught UnicodeDecodeError.
    path = imp_write_csv(DAILY_HEADER, [])
    path.write_bytes(path.read_bytes() + "2025-03-03,名称\r\n".encode("gbk"))
    result = import_file("daily", path)
    assert not result.ok
    assert [e.reason for e in result.errors] == [
        "无法读取文件：第 1 行附近的字节不是 gb18030 编码，文件编码不一致"
    ]
    assert imp_table_counts() == before


BLANK = "第 4 列（D 列）表头为空，该列的数据已忽略；如需导入，请填写列名"


def _with_blank_header_column(note: str = "备注"):
    header = [*CUSTOMER_HEADER[:3], "", *CUSTOMER_HEADER[3:]]
    rows = [[*r[:3], note if i == 1 else "", *r[3:]] for i, r in enumerate(CUSTOMER_ROWS)]
    return header, rows


def test_data_under_a_blank_header_cell_is_named_in_a_warning(branches, imp_write_csv):
    result = import_file("customers", imp_write_csv(*_with_blank_header_column()))
    assert (result.ok, result.created) == (True, 3)
    assert result.warnings == [BLANK]
    assert result.record.warnings == [BLANK]


def test_data_under_a_blank_xlsx_header_cell_is_named_in_a_warning(branches, imp_write_xlsx):
    result = import_file("customers", imp_write_xlsx(*_with_blank_header_column()))
    assert result.warnings == [BLANK]


def test_data_under_a_blank_header_cell_in_a_later_part_is_named(
    branches, imp_write_csv, parts_from_any_size, settings
):
    settings.IMPORT_PROCESSES = 2
    header, rows = _with_blank_header_column("")
    rows[2][3] = "备注"
    result = import_file("customers", imp_write_csv(header, rows))
    assert parts_from_any_size == [2]
    assert result.warnings == [BLANK]


def test_a_blank_header_cell_over_an_empty_column_warns_of_nothing(branches, imp_write_csv):
    result = import_file("customers", imp_write_csv(*_with_blank_header_column("")))
    assert (result.ok, result.warnings) == (True, [])


def test_the_upload_preview_warns_of_data_under_a_blank_header_cell(imp_write_csv):
    from huifang.customers.importers import specs
    from huifang.customers.importers.readers import preview

    path = imp_write_csv(*_with_blank_header_column())
    assert preview(path, specs.CUSTOMERS)["warnings"] == [BLANK]
