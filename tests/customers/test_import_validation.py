"""Every validation rule rejects its bad row with the right row, column and reason, and a
rejected import leaves every table as it was (all or nothing)."""

import pytest

from huifang.core.models import AuditEvent
from huifang.customers.importers import import_file, import_rows
from huifang.customers.models import Customer, DailyBalance, ImportRecord, ProductHolding
from tests.customers.conftest import (
    CUSTOMER_HEADER,
    CUSTOMER_ROWS,
    DAILY_HEADER,
    DAILY_ROWS,
    PRODUCT_HEADER,
    PRODUCT_ROWS,
)

C = {name: i for i, name in enumerate(CUSTOMER_HEADER)}
DL = {name: i for i, name in enumerate(DAILY_HEADER)}
P = {name: i for i, name in enumerate(PRODUCT_HEADER)}


def _with(rows, index, column, value):
    rows = [list(r) for r in rows]
    rows[index][column] = value
    return rows


CUSTOMER_CASES = [
    ("投资者代码", "", "必填项不能为空"),
    ("投资者名称", "", "必填项不能为空"),
    ("客户类型", "个人", "取值不在允许范围内（允许：自然人、一般法人、特殊法人）"),
    ("性别", "未知", "取值不在允许范围内（允许：男、女）"),
    ("证件号码", "110105194912310021", "身份证号码校验位不正确"),
    ("证件号码", "11010519491231", "身份证号码格式不正确（应为18位）"),
    ("开户日期", "2020-02-30", "日期不存在（月份或日期超出范围）"),
    ("开户日期", "15/01/2020", "日期格式不正确（应为 2025-12-31、2025/12/31 或 20251231）"),
    ("客户状态", "冻结", "取值不在允许范围内（允许：有效、销户（注销视为销户））"),
    ("部门代码", "999999", "部门代码不存在"),
    ("风险承受能力", "C6", "取值不在允许范围内（允许：C1、C1(最低类别)、C2、C3、C4、C5）"),
    ("手机号", "1381234567", "手机号须为11位大陆手机号码"),
    ("经纪人名称", "李经纪", "经纪人名称与经纪人编号的个数不一致"),
    ("投资者名称", "张" * 101, "超过最大长度 100 个字符"),
]
# Personal data is reported masked (core.masking); everything else as it was.
SHOWN = {
    "110105194912310021": "110***********0021",
    "11010519491231": "110*******1231",
    "1381234567": "138*****67",
}


@pytest.mark.parametrize(("column", "value", "reason"), CUSTOMER_CASES)
def test_customer_rule_rejects_the_bad_row(
    column, value, reason, branches, imp_write_csv, imp_table_counts
):
    before = imp_table_counts()
    audit_before = AuditEvent.objects.count()
    rows = _with(CUSTOMER_ROWS, 0, C[column], value)
    result = import_file("customers", imp_write_csv(CUSTOMER_HEADER, rows, "gbk"))
    assert not result.ok
    assert [(e.row, e.column, e.value, e.reason) for e in result.errors] == [
        (2, column, SHOWN.get(value, value[:200]), reason)
    ]
    assert (result.created, result.updated, result.rejected) == (0, 0, 1)
    assert imp_table_counts() == before
    assert AuditEvent.objects.count() == audit_before + 1  # the import's own row only
    assert result.record.status == ImportRecord.Status.REJECTED


def test_duplicate_key_in_one_file_is_reported(branches, imp_write_csv):
    rows = [*CUSTOMER_ROWS, CUSTOMER_ROWS[0]]
    result = import_file("customers", imp_write_csv(CUSTOMER_HEADER, rows))
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (5, "投资者代码", "与第 2 行的投资者代码重复")
    ]
    assert not Customer.objects.exists()


def test_close_date_before_open_date(branches):
    row = dict(zip(CUSTOMER_HEADER, CUSTOMER_ROWS[0], strict=True)) | {"销户日期": "2019-01-01"}
    result = import_rows("customers", [row])
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (1, "销户日期", "销户日期早于开户日期")
    ]


def test_a_gender_for_a_legal_entity_is_refused(branches, imp_write_csv):
    """性别 applies to natural persons (data-interface.md): given for a 一般法人 the row is
    refused, through the fast path and the full checks alike."""
    rows = _with(CUSTOMER_ROWS, 2, C["性别"], "男")
    result = import_file("customers", imp_write_csv(CUSTOMER_HEADER, rows))
    assert [(e.row, e.column, e.value, e.reason) for e in result.errors] == [
        (4, "性别", "男", "性别只适用于自然人，客户类型为一般法人的客户请留空")
    ]
    assert not Customer.objects.exists()


DAILY_CASES = [
    ("投资者代码", "99999999", "投资者代码不存在"),
    ("交易日期", "2025-13-01", "日期不存在（月份或日期超出范围）"),
    ("上日权益", "", "必填项不能为空"),
    ("上日权益", "1000.001", "金额最多两位小数"),
    ("入金", "1,00.00", "金额格式不正确（千分位逗号位置不对）"),
    ("入金", "abc", "金额格式不正确"),
    (
        "当日权益",
        "1407.02",
        "当日权益应等于上日权益+入金−出金+平仓盈亏+持仓盈亏−手续费 = 1407.00",
    ),
    ("成交手数", "-1", "成交手数不能为负数"),
]


@pytest.mark.parametrize(("column", "value", "reason"), DAILY_CASES)
def test_daily_rule_rejects_the_bad_row(
    column, value, reason, imp_customers, imp_write_csv, imp_table_counts
):
    before = imp_table_counts()
    rows = _with(DAILY_ROWS, 1, DL[column], value)
    result = import_file("daily", imp_write_csv(DAILY_HEADER, rows))
    assert [(e.row, e.column, e.value, e.reason) for e in result.errors] == [
        (3, column, value, reason)
    ]
    assert imp_table_counts() == before
    assert not DailyBalance.objects.exists()


def test_negative_fee_is_refused(imp_customers, imp_write_csv):
    rows = _with(DAILY_ROWS, 1, DL["手续费"], "-1.00")
    rows[1][DL["当日权益"]] = "1408.00"  # the identity itself holds
    result = import_file("daily", imp_write_csv(DAILY_HEADER, rows))
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (3, "手续费", "手续费不能为负数")
    ]


def test_equity_identity_tolerates_one_cent(imp_customers, imp_write_csv):
    rows = _with(DAILY_ROWS, 1, DL["当日权益"], "1407.01")
    assert import_file("daily", imp_write_csv(DAILY_HEADER, rows)).ok


def test_duplicate_daily_key(imp_customers, imp_write_csv):
    rows = [*DAILY_ROWS, DAILY_ROWS[0]]
    result = import_file("daily", imp_write_csv(DAILY_HEADER, rows))
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (5, "投资者代码", "与第 2 行重复（同一交易日期和投资者代码）")
    ]


PRODUCT_CASES = [
    ("投资者代码", "00000999", "投资者代码不存在"),
    ("风险等级", "R6", "取值不在允许范围内（允许：R1、R2、R3、R4、R5）"),
    ("产品类别", "股票", "取值不在允许范围内（允许：期权、资管产品、场外衍生品、其他）"),
    ("产品名称", "", "必填项不能为空"),
]


@pytest.mark.parametrize(("column", "value", "reason"), PRODUCT_CASES)
def test_product_rule_rejects_the_bad_row(
    column, value, reason, imp_customers, imp_write_csv, imp_table_counts
):
    before = imp_table_counts()
    rows = _with(PRODUCT_ROWS, 0, P[column], value)
    result = import_file("products", imp_write_csv(PRODUCT_HEADER, rows))
    assert [(e.row, e.column, e.value, e.reason) for e in result.errors] == [
        (2, column, value, reason)
    ]
    assert imp_table_counts() == before
    assert not ProductHolding.objects.exists()


def test_branch_parent_unknown_and_cycle(branches, imp_table_counts):
    before = imp_table_counts()
    rows = [
        {"部门代码": "0103", "部门名称": "广州分公司", "上级部门代码": "09"},
        {"部门代码": "0201", "部门名称": "甲", "上级部门代码": "0202"},
        {"部门代码": "0202", "部门名称": "乙", "上级部门代码": "0201"},
    ]
    result = import_rows("branches", rows)
    assert sorted((e.row, e.column, e.reason) for e in result.errors) == [
        (1, "上级部门代码", "上级部门代码不存在"),
        (2, "上级部门代码", "上级部门形成循环"),
        (3, "上级部门代码", "上级部门形成循环"),
    ]
    assert imp_table_counts() == before


def test_skip_invalid_applies_only_the_valid_rows(branches, imp_write_csv):
    rows = _with(CUSTOMER_ROWS, 1, C["客户类型"], "个人")
    result = import_file("customers", imp_write_csv(CUSTOMER_HEADER, rows), skip_invalid=True)
    assert result.ok
    assert (result.created, result.rejected) == (2, 1)
    assert [e.row for e in result.errors] == [3]
    assert sorted(Customer.objects.values_list("investor_code", flat=True)) == [
        "00000101",
        "00000103",
    ]
    assert result.record.status == ImportRecord.Status.PARTIAL
    assert result.record.report_file
