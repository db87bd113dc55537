"""Idempotent upserts by natural key, with history, aggregates and the closed signal."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from huifang.core.models import AuditEvent
from huifang.customers.importers import daily, import_file, import_rows
from huifang.customers.models import Customer, DailyBalance, MonthlyAggregate, ProductHolding
from huifang.customers.signals import customers_closed
from huifang.org.models import Branch
from tests.customers.conftest import (
    CUSTOMER_HEADER,
    CUSTOMER_ROWS,
    DAILY_HEADER,
    DAILY_ROWS,
    PRODUCT_HEADER,
    PRODUCT_ROWS,
)


def test_reimporting_the_same_file_changes_nothing(branches, imp_write_csv, imp_table_counts):
    path = imp_write_csv(CUSTOMER_HEADER, CUSTOMER_ROWS)
    assert import_file("customers", path).created == 3
    before = imp_table_counts()
    stamps = list(Customer.objects.values_list("updated_at", flat=True))
    audits = AuditEvent.objects.count()
    again = import_file("customers", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert imp_table_counts() == before
    assert list(Customer.objects.values_list("updated_at", flat=True)) == stamps
    assert AuditEvent.objects.count() == audits + 1  # only the import's own row


def test_a_first_load_looks_up_no_existing_record(branches, imp_write_csv):
    path = imp_write_csv(CUSTOMER_HEADER, CUSTOMER_ROWS)
    with CaptureQueriesContext(connection) as queries:
        assert import_file("customers", path).created == 3
    lookups = [q["sql"] for q in queries if "SET target_id" in q["sql"]]
    assert lookups == []
    assert import_file("customers", path).unchanged == 3  # the next load does


def test_created_customers_each_leave_an_audit_row(branches, imp_write_csv):
    result = import_file("customers", imp_write_csv(CUSTOMER_HEADER, CUSTOMER_ROWS))
    rows = AuditEvent.objects.filter(action="create", object_type="customers.customer")
    assert sorted(rows.values_list("object_repr", flat=True)) == [
        "00000101 张三",
        "00000102 李四",
        "00000103 北京某某投资有限公司",
    ]
    assert (
        AuditEvent.objects.get(action="import", object_id=str(result.record.pk)).after["created"]
        == 3
    )


def test_a_changed_row_updates_one_record_with_before_and_after(branches, imp_write_csv):
    import_file("customers", imp_write_csv(CUSTOMER_HEADER, CUSTOMER_ROWS))
    rows = [list(r) for r in CUSTOMER_ROWS]
    rows[1][CUSTOMER_HEADER.index("风险承受能力")] = "C4"
    result = import_file("customers", imp_write_csv(CUSTOMER_HEADER, rows))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    customer = Customer.objects.get(investor_code="00000102")
    assert (customer.risk_level, customer.risk_lowest) == (4, False)
    event = AuditEvent.objects.get(action="update", object_id=str(customer.pk))
    assert event.before == {"risk_level": 1, "risk_lowest": True}
    assert event.after == {"risk_level": 4, "risk_lowest": False}
    assert event.object_repr == "00000102 李四"


def test_customers_closed_is_sent_on_commit_with_the_newly_closed(
    imp_customers, django_capture_on_commit_callbacks
):
    received = []

    def listener(sender, customer_ids, import_record, **kwargs):
        received.append(sorted(customer_ids))

    customers_closed.connect(listener)
    try:
        rows = [dict(zip(CUSTOMER_HEADER, r, strict=True)) for r in CUSTOMER_ROWS]
        rows[0]["客户状态"] = "销户"
        with django_capture_on_commit_callbacks(execute=True):
            import_rows("customers", rows)
    finally:
        customers_closed.disconnect(listener)
    assert received == [[Customer.objects.get(investor_code="00000101").pk]]


@pytest.mark.parametrize("in_sql", [False, True], ids=["code-dict", "codes-in-sql"])
def test_daily_import_refreshes_monthly_aggregates(
    imp_customers, imp_write_csv, monkeypatch, in_sql
):
    # Both ways of finding the customers (a night's file resolves codes in SQL).
    monkeypatch.setattr(daily, "resolve_in_sql", lambda source: in_sql)
    import_file("daily", imp_write_csv(DAILY_HEADER, DAILY_ROWS))
    march = MonthlyAggregate.objects.get(
        customer__investor_code="00000101", month=datetime.date(2025, 3, 1)
    )
    # two rows in March, lots traded on the first only: one day traded
    assert (march.days, march.volume, march.pnl) == (1, 3, Decimal("7.00"))
    rows = [list(r) for r in DAILY_ROWS]
    rows[1][4], rows[1][8] = "200", "1307.00"  # withdrawal corrected
    result = import_file("daily", imp_write_csv(DAILY_HEADER, rows))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    march = MonthlyAggregate.objects.get(
        customer__investor_code="00000101", month=datetime.date(2025, 3, 1)
    )
    assert march.withdrawal == Decimal("200.00")
    event = AuditEvent.objects.get(action="update", object_type="customers.dailybalance")
    assert event.before == {"withdrawal": "100.00", "equity": "1407.00"}


def test_products_upsert_by_customer_code_and_date(imp_customers, imp_write_csv):
    first = import_file("products", imp_write_csv(PRODUCT_HEADER, PRODUCT_ROWS))
    rows = [list(r) for r in PRODUCT_ROWS]
    rows[0][3] = "商品期权交易权限（更名）"
    second = import_file("products", imp_write_csv(PRODUCT_HEADER, rows))
    assert (first.created, second.updated, second.unchanged) == (2, 1, 1)
    assert ProductHolding.objects.get(product_code="OPT001").product_name.endswith("（更名）")
    assert DailyBalance.objects.count() == 0


def test_branches_children_first_in_the_file_are_saved_parents_first(branches):
    rows = [
        {"branch_code": "01030101", "branch_name": "广州营业部", "parent_code": "010301"},
        {"branch_code": "010301", "branch_name": "广州中心", "parent_code": "0103"},
        {"branch_code": "0103", "branch_name": "广州分公司", "parent_code": "01"},
        {"branch_code": "0101", "branch_name": "北京分公司", "parent_code": "01"},
    ]
    result = import_rows("branches", rows)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 1)
    leaf = Branch.objects.get(code="01030101")
    assert (leaf.path, leaf.depth) == ("/01/0103/010301/01030101/", 3)


def test_moving_a_branch_rewrites_its_subtree(branches):
    result = import_rows(
        "branches", [{"部门代码": "0101", "部门名称": "北京分公司", "上级部门代码": "0102"}]
    )
    assert result.updated == 1
    assert Branch.objects.get(code="010101").path == "/01/0102/0101/010101/"


def test_a_changed_mobile_and_email_are_masked_in_the_audit_row(branches):
    row = dict(zip(CUSTOMER_HEADER, CUSTOMER_ROWS[0], strict=True))
    import_rows("customers", [{**row, "手机号": "13800001111", "电子邮箱": "13800001111@139.com"}])
    changed = {**row, "手机号": "18216097175", "电子邮箱": "18216097175@139.com"}
    assert import_rows("customers", [changed]).updated == 1
    event = AuditEvent.objects.get(action="update", object_type="customers.customer")
    assert event.before == {"mobile": "138****1111", "email": "138****1111@139.com"}
    assert event.after == {"mobile": "182****7175", "email": "182****7175@139.com"}


def test_a_changed_id_number_and_address_are_masked_in_the_audit_row(branches):
    row = dict(zip(CUSTOMER_HEADER, CUSTOMER_ROWS[0], strict=True))
    import_rows("customers", [{**row, "联系地址": "上海市浦东新区世纪大道1号"}])
    changed = {**row, "证件号码": "110101199001011237", "联系地址": "北京市朝阳区建国路88号"}
    assert import_rows("customers", [changed]).updated == 1
    event = AuditEvent.objects.get(action="update", object_type="customers.customer")
    masked = {"id_number": "110***********002X", "address": "上海市浦东新****"}
    assert {k: event.before[k] for k in masked} == masked
    masked = {"id_number": "110***********1237", "address": "北京市朝阳区****"}
    assert {k: event.after[k] for k in masked} == masked
