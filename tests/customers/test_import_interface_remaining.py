"""data-interface.md read to the letter, second round: what the first audit
(``test_import_interface_letter.py``) left."""

import datetime

from huifang.customers.importers import import_file, import_rows
from huifang.customers.models import Customer
from huifang.org.models import Branch
from tests.customers.conftest import (
    CUSTOMER_HEADER,
    CUSTOMER_ROWS,
    DAILY_HEADER,
    PRODUCT_HEADER,
    PRODUCT_ROWS,
)

LEADING = "前导零可能已丢失，请将该列设为文本格式"
REQUIRED_HEADER = ["投资者代码", "投资者名称", "客户类型", "开户日期", "客户状态", "部门代码"]
NEW_CUSTOMER = ["00000201", "王五", "自然人", "2025-01-02", "有效", "010101"]


def _report(result):
    return [(e.row, e.column, e.value, e.reason) for e in result.errors]


def test_a_branches_file_without_the_parent_column_leaves_the_tree_as_it_is(
    branches, imp_write_csv
):
    """Renaming branches with a file of 部门代码 and 部门名称 only: an absent column leaves
    the field as it is, so 0101 stays under 01 (an empty cell would make it top level)."""
    header = ["部门代码", "部门名称"]
    result = import_file("branches", imp_write_csv(header, [["0101", "北京分公司（新）"]]))
    assert (result.ok, result.updated) == (True, 1), result.errors
    branch = Branch.objects.get(code="0101")
    assert (branch.name, branch.parent.code, branch.path) == ("北京分公司（新）", "01", "/01/0101/")
    assert Branch.objects.get(code="010101").path == "/01/0101/010101/"


def test_a_branches_file_without_the_parent_column_changes_nothing_twice(branches, imp_write_csv):
    rows = [["0101", "北京分公司"], ["0102", "上海分公司"], ["0103", "广州分公司"]]
    path = imp_write_csv(["部门代码", "部门名称"], rows)
    result = import_file("branches", path)
    assert (result.created, result.updated, result.unchanged) == (1, 0, 2)
    assert Branch.objects.get(code="0103").parent is None  # a new one: top level
    result = import_file("branches", path)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)


def test_an_empty_parent_cell_still_makes_a_branch_top_level(branches, imp_write_csv):
    header = ["部门代码", "部门名称", "上级部门代码"]
    import_file("branches", imp_write_csv(header, [["0102", "上海分公司", ""]]))
    assert Branch.objects.get(code="0102").path == "/0102/"


def test_a_scoped_user_cannot_move_another_branchs_customer_into_their_own(
    imp_customers, importer_a
):
    """00000102 belongs to 上海 (010201); importer_a (北京 0101) names it with a branch of
    their own: refused, the customer stays where it is."""
    row = dict(zip(CUSTOMER_HEADER, CUSTOMER_ROWS[1], strict=True))
    result = import_rows("customers", [{**row, "部门代码": "010101"}], actor=importer_a)
    assert _report(result) == [(1, "投资者代码", "00000102", "该客户不在您的权限范围内")]
    assert Customer.objects.get(investor_code="00000102").branch.code == "010201"


def test_skip_invalid_keeps_another_branchs_customer_and_applies_the_rest(
    imp_customers, importer_a, imp_write_csv
):
    rows = [list(r) for r in CUSTOMER_ROWS[:2]]
    rows[1][CUSTOMER_HEADER.index("部门代码")] = "010101"
    rows[0][CUSTOMER_HEADER.index("手机号")] = "13900000000"
    result = import_file(
        "customers", imp_write_csv(CUSTOMER_HEADER, rows), actor=importer_a, skip_invalid=True
    )
    assert _report(result) == [(3, "投资者代码", "00000102", "该客户不在您的权限范围内")]
    assert (result.updated, result.rejected) == (1, 1)
    assert Customer.objects.get(investor_code="00000101").mobile == "13900000000"
    assert Customer.objects.get(investor_code="00000102").branch.code == "010201"


def test_a_scoped_user_still_creates_and_updates_customers_of_their_branch(
    imp_customers, importer_a
):
    rows = [dict(zip(CUSTOMER_HEADER, r, strict=True)) for r in CUSTOMER_ROWS[::2]]
    rows.append({**rows[0], "投资者代码": "00000201"})
    result = import_rows("customers", rows, actor=importer_a)
    assert result.ok, result.errors
    assert (result.created, result.unchanged) == (1, 2)


def test_an_api_row_naming_a_column_twice_is_refused_as_a_file_header_would_be(client_for):
    """投资者代码 and investor_code in one object: which is meant? A file with both headers
    is refused (列名重复); the API row was read with the last one, silently."""
    row = dict(zip(REQUIRED_HEADER, NEW_CUSTOMER, strict=True))
    response = client_for("hq_admin").post(
        "/api/v1/imports/customers/",
        {"rows": [{**row, "investor_code": "00000202"}]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "rows": ["rows 第 1 个元素的“投资者代码”和“investor_code”是同一列（列名重复）"]
    }
    assert not Customer.objects.exists()


def test_api_rows_may_each_use_either_naming(branches):
    chinese = dict(zip(REQUIRED_HEADER, NEW_CUSTOMER, strict=True))
    english = {"Investor_Code": "00000202", "name": "赵六", "customer_type": "自然人"}
    english |= {"open_date": "2025-01-02", "status": "有效", "branch_code": "010101"}
    result = import_rows("customers", [chinese, english])
    assert (result.ok, result.created) == (True, 2), result.errors


ID_HEADER = [*REQUIRED_HEADER, "证件号码"]


def _id_rows(number: str, row: int = 0) -> list[list[str]]:
    return [[*(CUSTOMER_ROWS[row][CUSTOMER_HEADER.index(h)] for h in REQUIRED_HEADER), number]]


def test_a_file_without_the_id_type_checks_a_身份证_customers_number(imp_customers, imp_write_csv):
    """00000101 holds a 身份证; a file of 证件号码 without 证件类型 keeps that type, so the
    number must pass the check digit (it was stored as it came)."""
    result = import_file("customers", imp_write_csv(ID_HEADER, _id_rows("110105194912310021")))
    assert _report(result) == [(2, "证件号码", "110***********0021", "身份证号码校验位不正确")]
    assert Customer.objects.get(investor_code="00000101").id_number == "11010519491231002X"


def test_a_new_身份证_number_without_the_id_type_column_gives_the_birth_date(
    imp_customers, imp_write_csv
):
    result = import_file("customers", imp_write_csv(ID_HEADER, _id_rows("11010519800101018x")))
    assert result.ok, result.errors
    customer = Customer.objects.get(investor_code="00000101")
    assert (customer.id_type, customer.id_number) == ("id_card", "11010519800101018X")
    assert customer.birth_date == datetime.date(1980, 1, 1)


def test_other_documents_numbers_stay_free_text_without_the_id_type_column(
    imp_customers, imp_write_csv
):
    result = import_file("customers", imp_write_csv(ID_HEADER, _id_rows("E7654321", row=1)))
    assert (result.ok, result.updated) == (True, 1), result.errors
    assert Customer.objects.get(investor_code="00000102").id_number == "E7654321"


def test_a_branch_whose_parent_row_is_invalid_says_so(branches, imp_write_csv):
    """0103's row lacks its name: 010301 names a parent the file defines (in a refused
    row), not one that does not exist."""
    header = ["部门代码", "部门名称", "上级部门代码"]
    rows = [["0103", "", "01"], ["010301", "南京营业部", "0103"], ["0104", "杭州分公司", "01"]]
    result = import_file("branches", imp_write_csv(header, rows), skip_invalid=True)
    assert _report(result) == [
        (2, "部门名称", "", "必填项不能为空"),
        (3, "上级部门代码", "0103", "上级部门代码所在行无效"),
    ]
    assert (result.created, result.rejected) == (1, 2)


def _daily(code) -> list:
    return ["2025-03-03", code, 1, None, None, None, None, None, 1, None]


def test_a_numeric_daily_code_shorter_than_the_others_says_zeros_may_be_lost(
    imp_customers, imp_write_xlsx
):
    """999 stored as a number beside 8-digit codes matches no customer: shorter than the
    column's other codes, so its zeros were probably lost (data-interface.md), not
    投资者代码不存在; a number as long as the others does not exist."""
    rows = [_daily("00000101"), _daily("00000102"), _daily(999), _daily(12345678)]
    result = import_file("daily", imp_write_xlsx(DAILY_HEADER, rows))
    assert _report(result) == [
        (4, "投资者代码", "999", LEADING),
        (5, "投资者代码", "12345678", "投资者代码不存在"),
    ]


def test_a_numeric_product_investor_code_shorter_than_the_others_is_refused_as_such(
    imp_customers, client_for
):
    rows = [dict(zip(PRODUCT_HEADER, r, strict=True)) for r in PRODUCT_ROWS]
    rows.append({**rows[0], "投资者代码": 999})
    response = client_for("hq_admin").post(
        "/api/v1/imports/products/", {"rows": rows}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["report"] == [
        {"row": 3, "column": "投资者代码", "value": "999", "reason": LEADING}
    ]


def test_a_lone_unknown_numeric_code_does_not_exist(imp_customers, imp_write_xlsx):
    result = import_file("daily", imp_write_xlsx(DAILY_HEADER, [_daily(999)]))
    assert _report(result) == [(2, "投资者代码", "999", "投资者代码不存在")]


def test_a_numeric_branch_code_of_no_branch_shorter_than_the_others_says_zeros_may_be_lost(
    branches, imp_write_xlsx
):
    rows = [
        ["00000201", "王五", "自然人", "2025-01-02", "有效", "010101"],
        ["00000202", "王六", "自然人", "2025-01-02", "有效", 10301],
        ["00000203", "王七", "自然人", "2025-01-02", "有效", 990101],
    ]
    result = import_file("customers", imp_write_xlsx(REQUIRED_HEADER, rows))
    assert _report(result) == [
        (3, "部门代码", "10301", LEADING),
        (4, "部门代码", "990101", "部门代码不存在"),
    ]
