"""Daily files resolve investor codes either through a dict of every code (big files) or in
SQL against the stage (a night's file): the same rows are accepted, the same errors given."""

from decimal import Decimal

from django.db.models import Max
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.customers.importers import daily, import_file, specs
from huifang.customers.importers.readers import open_table, table_from_dicts
from huifang.customers.models import Customer, DailyBalance
from tests.customers.conftest import DAILY_BALANCED as BALANCED
from tests.customers.conftest import DAILY_HEADER, DAILY_ROW, daily_outcome


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(DAILY_ROW, min_size=1, max_size=8), scoped=st.booleans())
def test_both_ways_accept_the_same_rows_and_give_the_same_errors(
    imp_customers, imp_write_csv, importer_a, monkeypatch, rows, scoped
):
    path = imp_write_csv(DAILY_HEADER, rows)
    actor = importer_a if scoped else None
    by_dict = daily_outcome(path, actor, monkeypatch, in_sql=False)
    in_sql = daily_outcome(path, actor, monkeypatch, in_sql=True)
    assert in_sql == by_dict


def test_a_night_file_reports_unknown_out_of_scope_and_repeated_codes(
    imp_customers, imp_write_csv, importer_a, monkeypatch
):
    rows = [
        ["2025-03-03", "00000101", *BALANCED],
        ["2025-03-03", "00000999", *BALANCED],
        ["2025-03-03", "00000102", *BALANCED],
        ["2025-03-03", "00000101", *BALANCED],
        ["2025-03-03", "00000999", *BALANCED],
    ]
    monkeypatch.setattr(daily, "resolve_in_sql", lambda source: True)
    result = import_file("daily", imp_write_csv(DAILY_HEADER, rows), actor=importer_a)
    assert not result.ok
    assert [(e.row, e.reason) for e in result.errors] == [
        (3, "投资者代码不存在"),
        (4, "该客户不在您的权限范围内"),
        (5, "与第 2 行重复（同一交易日期和投资者代码）"),
        (6, "投资者代码不存在"),
    ]
    assert not DailyBalance.objects.exists()


def test_a_night_file_does_not_load_every_code(imp_customers, imp_write_csv, monkeypatch):
    def refused(scope_path):
        raise AssertionError("every customer's code loaded for a small file")

    monkeypatch.setattr(daily, "resolve_in_sql", lambda source: True)
    monkeypatch.setattr(daily, "customer_map", refused)
    result = import_file(
        "daily", imp_write_csv(DAILY_HEADER, [["2025-03-03", "00000101", *BALANCED]])
    )
    assert result.ok
    assert DailyBalance.objects.get().equity == Decimal("100.50")


def test_only_small_csv_files_resolve_codes_in_sql(imp_customers, imp_write_csv, imp_write_xlsx):
    rows = [["2025-03-03", "00000101", *BALANCED]]
    small_csv = open_table(imp_write_csv(DAILY_HEADER, rows))
    assert small_csv.plain_text and small_csv.expected_rows(daily.CSV_BYTES_PER_ROW) == 1
    # The customer table's highest id stands for its size (ids need not start at 1).
    last = Customer.objects.aggregate(last=Max("id"))["last"]
    assert daily.resolve_in_sql(small_csv)
    larger = open_table(imp_write_csv(DAILY_HEADER, rows * last))
    assert not daily.resolve_in_sql(larger)
    # Spreadsheet cells may be numbers that lost their zeros: the dict gives the hint.
    assert not daily.resolve_in_sql(open_table(imp_write_xlsx(DAILY_HEADER, rows)))
    # So may JSON numbers of API rows.
    api = table_from_dicts([dict(zip(DAILY_HEADER, rows[0], strict=True))], specs.DAILY)
    assert not daily.resolve_in_sql(api)
