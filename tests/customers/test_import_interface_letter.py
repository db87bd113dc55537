"""data-interface.md read to the letter, from the outside: the row report's order, numbers a
spreadsheet could not hold, the leading-zero rule for product codes, and what a file
without an optional column does to the records it updates."""

import datetime

from huifang.customers.importers import import_file, import_rows
from huifang.customers.models import Customer, DailyBalance, ProductHolding
from huifang.org.models import Branch
from tests.customers.conftest import (
    CUSTOMER_HEADER,
    CUSTOMER_ROWS,
    DAILY_HEADER,
    DAILY_ROWS,
    PRODUCT_HEADER,
    PRODUCT_ROWS,
)

LEADING = "前导零可能已丢失，请将该列设为文本格式"
REQUIRED_HEADER = ["投资者代码", "投资者名称", "客户类型", "开户日期", "客户状态", "部门代码"]


def _report(result):
    return [(e.row, e.column, e.value, e.reason) for e in result.errors]


def test_branch_report_is_in_row_order(branches):
    """The tree checks (unknown parent) run after the row checks, yet report in row order."""
    rows = [
        {"部门代码": "0103", "部门名称": "广州分公司", "上级部门代码": "09"},
        {"部门代码": "0104", "部门名称": "", "上级部门代码": "01"},
    ]
    result = import_rows("branches", rows)
    assert [(e.row, e.column) for e in result.errors] == [(1, "上级部门代码"), (2, "部门名称")]


def test_an_18_digit_number_excel_stored_as_a_number_is_refused(branches, imp_write_xlsx):
    """An 18-digit 统一社会信用代码 in a numeric cell is what Excel kept of it (15 digits,
    shown as 9.1e+17): refused, never stored."""
    row = list(CUSTOMER_ROWS[2])
    row[CUSTOMER_HEADER.index("证件号码")] = 911100001234567890
    result = import_file("customers", imp_write_xlsx(CUSTOMER_HEADER, [row]))
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (2, "证件号码", "证件号码被存成了数字（精度已丢失），请将该列设为文本格式")
    ]
    assert not Customer.objects.exists()


def test_a_short_document_number_in_a_numeric_cell_is_read_as_its_digits(branches, imp_write_xlsx):
    row = list(CUSTOMER_ROWS[1])
    row[CUSTOMER_HEADER.index("证件号码")] = 12345678
    assert import_file("customers", imp_write_xlsx(CUSTOMER_HEADER, [row])).ok
    assert Customer.objects.get().id_number == "12345678"


def test_numeric_product_code_shorter_than_the_other_rows_is_refused(imp_customers, imp_write_xlsx):
    rows = [list(r) for r in PRODUCT_ROWS]
    rows.append(["00000101", "2025-02-03", 7, "XX资管计划二期", "资管产品", "R3"])
    result = import_file("products", imp_write_xlsx(PRODUCT_HEADER, rows))
    assert _report(result) == [(4, "产品代码", "7", LEADING)]
    assert not ProductHolding.objects.exists()


def test_numeric_product_codes_of_one_length_are_read_as_their_digits(
    imp_customers, imp_write_xlsx
):
    rows = [
        ["00000101", "2025-02-01", 1001, "甲", "期权", "R4"],
        ["00000102", "2025-02-01", 1002, "乙", "期权", "R4"],
    ]
    assert import_file("products", imp_write_xlsx(PRODUCT_HEADER, rows)).ok
    assert sorted(ProductHolding.objects.values_list("product_code", flat=True)) == [
        "1001",
        "1002",
    ]


def test_a_file_without_an_optional_column_leaves_that_field_unchanged(
    imp_customers, imp_write_csv
):
    """Only the required columns: the status changes, the mobile, ID, risk level and brokers
    the earlier file gave stay (the file says nothing about them)."""
    rows = [[r[CUSTOMER_HEADER.index(h)] for h in REQUIRED_HEADER] for r in CUSTOMER_ROWS[:1]]
    rows[0][REQUIRED_HEADER.index("客户状态")] = "销户"
    result = import_file("customers", imp_write_csv(REQUIRED_HEADER, rows))
    assert (result.updated, result.unchanged) == (1, 0)
    customer = Customer.objects.get(investor_code="00000101")
    assert customer.status == "closed"
    assert (customer.mobile, customer.id_number) == ("13812345678", "11010519491231002X")
    assert (customer.risk_level, customer.broker_codes) == (3, "B01;B02")
    assert customer.birth_date == datetime.date(1949, 12, 31)


def test_a_file_without_optional_columns_and_no_changes_is_unchanged(imp_customers, imp_write_csv):
    rows = [[r[CUSTOMER_HEADER.index(h)] for h in REQUIRED_HEADER] for r in CUSTOMER_ROWS]
    result = import_file("customers", imp_write_csv(REQUIRED_HEADER, rows))
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)


def test_an_empty_cell_of_a_present_column_clears_the_value(imp_customers, imp_write_csv):
    rows = [list(r) for r in CUSTOMER_ROWS]
    rows[0][CUSTOMER_HEADER.index("手机号")] = ""
    result = import_file("customers", imp_write_csv(CUSTOMER_HEADER, rows))
    assert (result.updated, result.unchanged) == (1, 2)
    assert Customer.objects.get(investor_code="00000101").mobile == ""


def test_a_new_customer_from_a_short_file_takes_the_documented_defaults(branches, imp_write_csv):
    rows = [["00000201", "王五", "自然人", "2025-01-02", "有效", "010101"]]
    assert import_file("customers", imp_write_csv(REQUIRED_HEADER, rows)).created == 1
    customer = Customer.objects.get()
    assert (customer.full_name, customer.dormant, customer.investor_class) == (
        "王五",
        False,
        "ordinary",
    )


def test_a_products_file_without_the_category_column_keeps_the_category(
    imp_customers, imp_write_csv
):
    import_file("products", imp_write_csv(PRODUCT_HEADER, PRODUCT_ROWS))
    header = [h for h in PRODUCT_HEADER if h != "产品类别"]
    rows = [
        [v for h, v in zip(PRODUCT_HEADER, r, strict=True) if h != "产品类别"] for r in PRODUCT_ROWS
    ]
    result = import_file("products", imp_write_csv(header, rows))
    assert (result.updated, result.unchanged) == (0, 2)
    assert ProductHolding.objects.get(product_code="OPT001").category == "option"


def test_a_daily_file_without_an_amount_column_reads_it_as_zero(imp_customers, imp_write_csv):
    """Daily amounts default to 0 and the equity check counted them so: an absent 入金 column
    sets 0 on an existing row, it does not keep the old deposit."""
    import_file("daily", imp_write_csv(DAILY_HEADER, DAILY_ROWS[:1]))
    header = [h for h in DAILY_HEADER if h != "入金"]
    row = ["2025-03-03", "00000101", "1,000.00", "", "10.50", "-2.25", "1.25", "1,007.00", "3"]
    result = import_file("daily", imp_write_csv(header, [row]))
    assert result.ok, result.errors
    assert DailyBalance.objects.get().deposit == 0


def test_a_byte_order_mark_inside_the_file_is_refused_not_stored(branches, imp_write_csv):
    """Two UTF-8-BOM files joined: the second's BOM starts a row (here in the name)."""
    header = ["投资者名称", "投资者代码", "客户类型", "开户日期", "客户状态", "部门代码"]
    rows = [["\ufeff王五", "00000201", "自然人", "2025-01-02", "有效", "010101"]]
    result = import_file("customers", imp_write_csv(header, rows))
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (2, "投资者名称", "含有不可见字符（如 BOM、零宽空格）")
    ]
    assert not Customer.objects.exists()


def test_a_zero_width_space_in_a_name_is_refused(branches, imp_write_csv):
    rows = [["00000201", "王\u200b五", "自然人", "2025-01-02", "有效", "010101"]]
    result = import_file("customers", imp_write_csv(REQUIRED_HEADER, rows))
    assert [e.reason for e in result.errors] == ["含有不可见字符（如 BOM、零宽空格）"]


def test_full_width_digits_in_a_code_are_named_in_the_reason(branches, imp_write_csv):
    rows = [["００００02０1", "王五", "自然人", "2025-01-02", "有效", "010101"]]
    result = import_file("customers", imp_write_csv(REQUIRED_HEADER, rows))
    assert [e.reason for e in result.errors] == [
        "代码只能包含字母、数字、下划线、连字符和点；含有全角字符，请改为半角"
    ]


def test_full_width_digits_in_an_amount_are_named_in_the_reason(imp_customers, imp_write_csv):
    row = ["2025-03-05", "00000101", "１００", "", "", "", "", "", "100", ""]
    result = import_file("daily", imp_write_csv(DAILY_HEADER, [row]))
    assert [(e.column, e.reason) for e in result.errors] == [
        ("上日权益", "金额格式不正确；含有全角字符，请改为半角")
    ]


def test_an_excel_date_serial_in_a_date_column_is_named_in_the_reason(branches, imp_write_xlsx):
    """A date cell formatted as a number shows its serial (45658 = 2025-01-01): refused,
    never guessed, and the reason says what it probably is."""
    rows = [["00000201", "王五", "自然人", 45658, "有效", "010101"]]
    result = import_file("customers", imp_write_xlsx(REQUIRED_HEADER, rows))
    assert [(e.column, e.reason) for e in result.errors] == [
        (
            "开户日期",
            "日期格式不正确（应为 2025-12-31、2025/12/31 或 20251231）；"
            "疑似 Excel 日期序号（单元格不是日期格式），请将该列设为日期格式",
        )
    ]


def test_an_empty_csv_file_is_refused_as_having_no_header(branches, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    result = import_file("customers", path)
    assert [e.reason for e in result.errors] == ["无法读取文件：文件没有表头行（第 1 行应为列名）"]


def test_a_workbook_whose_first_sheet_is_not_the_data_says_which_sheet_was_read(branches, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "填写说明"
    workbook.active.append(["请在第二个工作表填写"])
    data = workbook.create_sheet("客户")
    data.append(REQUIRED_HEADER)
    data.append(["00000201", "王五", "自然人", "2025-01-02", "有效", "010101"])
    path = tmp_path / "two_sheets.xlsx"
    workbook.save(path)
    result = import_file("customers", path)
    assert not result.ok and not Customer.objects.exists()
    assert "只读取第一个工作表“填写说明”；其他工作表（客户）不会导入" in result.warnings


def test_an_empty_rows_list_over_the_api_imports_nothing_and_succeeds(client_for):
    response = client_for("hq_admin").post(
        "/api/v1/imports/customers/", {"rows": []}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["total"], response.json()["created"]) == (0, 0)


def test_rows_that_are_not_objects_are_refused_without_a_row_zero(client_for):
    response = client_for("hq_admin").post(
        "/api/v1/imports/customers/", {"rows": [1, 2]}, content_type="application/json"
    )
    body = response.json()
    assert response.status_code == 400
    assert body["errors"] == {"rows": ["rows 的每个元素都必须是对象（字段名 → 值）"]}
    assert body["message"] == "什么也没有写入：rows 的每个元素都必须是对象（字段名 → 值）"


def test_an_unreadable_uploaded_file_is_named_in_the_sentence(client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("客户.csv", b"", content_type="text/csv")
    response = client_for("hq_admin").post("/api/v1/imports/customers/", {"file": upload})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "file": ["客户.csv：无法读取文件：文件没有表头行（第 1 行应为列名）"]
    }


BRANCH_HEADER = ["部门代码", "部门名称", "上级部门代码"]


def test_a_numeric_branch_code_shorter_than_its_siblings_is_refused(branches, imp_write_xlsx):
    """0103 stored as the number 103 beside 0101 and 0102 (same parent): refused, not
    created as a branch "103"."""
    rows = [["0104", "深圳分公司", "01"], [103, "广州分公司", "01"]]
    result = import_file("branches", imp_write_xlsx(BRANCH_HEADER, rows))
    assert _report(result) == [(3, "部门代码", "103", LEADING)]
    assert not Branch.objects.filter(code__in=["103", "0104"]).exists()


def test_numeric_branch_codes_of_a_tree_whose_levels_differ_in_length_are_read(db, imp_write_xlsx):
    """Codes of different levels differ in length by design: only siblings vote."""
    rows = [[9, "总部", None], [901, "北京分公司", 9], [90101, "期货北京营业部", 901]]
    result = import_file("branches", imp_write_xlsx(BRANCH_HEADER, rows))
    assert result.ok, result.errors
    assert Branch.objects.get(code="90101").path == "/9/901/90101/"


def test_records_a_later_file_does_not_mention_are_left_as_they_are(imp_customers, imp_write_csv):
    result = import_file("customers", imp_write_csv(CUSTOMER_HEADER, CUSTOMER_ROWS[:1]))
    assert (result.total, result.unchanged) == (1, 1)
    assert Customer.objects.filter(status="active").count() == 2
    assert Customer.objects.count() == 3


def test_a_volume_too_large_to_store_is_refused_as_out_of_range(imp_customers, imp_write_csv):
    row = ["2025-03-05", "00000101", "100", "", "", "", "", "", "100", "99999999999999999"]
    result = import_file("daily", imp_write_csv(DAILY_HEADER, [row]))
    assert [(e.column, e.reason) for e in result.errors] == [("成交手数", "成交手数超出范围")]


def test_a_full_name_that_was_the_default_follows_a_new_name(imp_customers, imp_write_csv):
    """投资者全称 defaults to the name: a file without that column renaming a customer whose
    全称 was never given renames the 全称 too."""
    rows = [[r[CUSTOMER_HEADER.index(h)] for h in REQUIRED_HEADER] for r in CUSTOMER_ROWS[:1]]
    rows[0][REQUIRED_HEADER.index("投资者名称")] = "张三丰"
    import_file("customers", imp_write_csv(REQUIRED_HEADER, rows))
    customer = Customer.objects.get(investor_code="00000101")
    assert (customer.name, customer.full_name) == ("张三丰", "张三丰")


def test_a_full_name_of_its_own_is_kept_by_a_file_without_that_column(imp_customers, imp_write_csv):
    Customer.objects.filter(investor_code="00000103").update(full_name="北京某某投资有限公司全称")
    rows = [[r[CUSTOMER_HEADER.index(h)] for h in REQUIRED_HEADER] for r in CUSTOMER_ROWS[2:]]
    rows[0][REQUIRED_HEADER.index("投资者名称")] = "北京某某"
    import_file("customers", imp_write_csv(REQUIRED_HEADER, rows))
    customer = Customer.objects.get(investor_code="00000103")
    assert (customer.name, customer.full_name) == ("北京某某", "北京某某投资有限公司全称")


def test_a_new_id_number_gives_the_birth_date_when_the_birth_column_is_absent(
    imp_customers, imp_write_csv
):
    header = [*REQUIRED_HEADER, "证件类型", "证件号码"]
    row = [*(CUSTOMER_ROWS[1][CUSTOMER_HEADER.index(h)] for h in REQUIRED_HEADER), "身份证"]
    row.append("11010519491231002X")
    import_file("customers", imp_write_csv(header, [row]))
    assert Customer.objects.get(investor_code="00000102").birth_date == datetime.date(1949, 12, 31)


def test_the_birth_date_is_kept_when_neither_it_nor_an_id_card_number_is_in_the_file(
    imp_customers, imp_write_csv
):
    rows = [[r[CUSTOMER_HEADER.index(h)] for h in REQUIRED_HEADER] for r in CUSTOMER_ROWS[1:2]]
    import_file("customers", imp_write_csv(REQUIRED_HEADER, rows))
    assert Customer.objects.get(investor_code="00000102").birth_date == datetime.date(1985, 6, 1)


def test_a_lone_numeric_code_matching_an_existing_customer_once_padded_is_refused(
    imp_customers, imp_write_xlsx
):
    """A one-row update file: 00000102 stored as the number 102 is that customer, not a new
    customer "102" (no other row of the file gives the length)."""
    rows = [[102, "李四", "自然人", "2021-03-01", "有效", "010201"]]
    result = import_file("customers", imp_write_xlsx(REQUIRED_HEADER, rows))
    assert _report(result) == [(2, "投资者代码", "102", LEADING)]
    assert not Customer.objects.filter(investor_code="102").exists()


def test_a_lone_numeric_product_code_matching_a_stored_one_once_padded_is_refused(
    imp_customers, imp_write_xlsx
):
    stored = dict(zip(PRODUCT_HEADER, PRODUCT_ROWS[0], strict=True))
    import_rows("products", [{**stored, "产品代码": "0007"}])
    rows = [["00000102", "2025-02-03", 7, "XX资管计划", "资管产品", "R3"]]
    result = import_file("products", imp_write_xlsx(PRODUCT_HEADER, rows))
    assert _report(result) == [(2, "产品代码", "7", LEADING)]


SHIFTED = "该行有 9 个单元格，多于表头的 8 列（可能有未加引号的逗号），无法确定各值属于哪一列"
ADDRESS_HEADER = [*REQUIRED_HEADER, "联系地址", "电子邮箱"]


def _shifted_rows():
    """An address with an unquoted comma: 朝阳区 would land in 电子邮箱."""
    base = ["00000201", "王五", "自然人", "2025-01-02", "有效", "010101"]
    return [[*base, "北京市", "朝阳区", "a@b.cn"]]


def test_a_csv_row_with_more_values_than_the_header_is_refused(branches, tmp_path):
    path = tmp_path / "shifted.csv"
    lines = [",".join(ADDRESS_HEADER), *(",".join(r) for r in _shifted_rows())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_file("customers", path)
    # The cells beyond the header (here an e-mail) may be personal data: hidden.
    assert _report(result) == [(2, "", "******", SHIFTED)]
    assert not Customer.objects.exists()


def test_a_shifted_csv_row_is_refused_when_the_file_is_read_in_parts(
    branches, tmp_path, parts_from_any_size, settings
):
    settings.IMPORT_PROCESSES = 2
    good = [
        [f"0000{300 + i}", "赵六", "自然人", "2025-01-02", "有效", "010101", "", ""]
        for i in range(40)
    ]
    path = tmp_path / "shifted_parts.csv"
    rows = [*good, *_shifted_rows()]
    path.write_text("\n".join(",".join(r) for r in [ADDRESS_HEADER, *rows]) + "\n", "utf-8")
    result = import_file("customers", path, skip_invalid=True)
    assert parts_from_any_size, "the file was not read in parts"
    assert _report(result) == [(42, "", "******", SHIFTED)]
    assert Customer.objects.count() == 40


def test_empty_cells_after_the_last_column_are_harmless(branches, tmp_path):
    path = tmp_path / "trailing.csv"
    row = "00000201,王五,自然人,2025-01-02,有效,010101,,"
    path.write_text(",".join(REQUIRED_HEADER) + "\n" + row + "\n", encoding="utf-8")
    assert import_file("customers", path).created == 1


def test_an_xlsx_note_beyond_the_header_columns_is_not_a_shift(branches, imp_write_xlsx):
    rows = [["00000201", "王五", "自然人", "2025-01-02", "有效", "010101", "备注：新开户"]]
    assert import_file("customers", imp_write_xlsx(REQUIRED_HEADER, rows)).created == 1


def test_a_shifted_csv_row_in_a_branches_file_is_refused(branches, tmp_path):
    path = tmp_path / "branches.csv"
    lines = ["部门代码,部门名称,上级部门代码", "0103,期货,南京营业部,01"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_file("branches", path)
    assert [(e.row, e.value) for e in result.errors] == [(2, "01")]
    assert not Branch.objects.filter(code="0103").exists()
