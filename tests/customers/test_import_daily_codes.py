"""Daily files resolve investor codes either through a dict of every code (big files) or in
SQL against the stage (a night's file): the same rows are accepted, the same errors given."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Max
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.customers.importers import daily, import_file, specs
from huifang.customers.importers.readers import open_table, table_from_dicts
from huifang.customers.models import Customer, DailyBalance
from huifang.org.models import Role
from huifang.org.services import do_create_user
from tests.customers.conftest import DAILY_HEADER


@pytest.fixture
def importer_a(personas, branches):
    """A head-office-role user placed in branch A (0101): customer 00000102 is outside."""
    return do_create_user(
        username="importer_a", password=None, branch=branches["a"], role=Role.HQ_ADMIN
    )


class _Undo(Exception):
    pass


def outcome(path, actor, in_sql: bool, monkeypatch) -> tuple:
    """Import ``path`` with codes resolved one way, note what happened, then undo it."""
    monkeypatch.setattr(daily, "resolve_in_sql", lambda source: in_sql)
    noted = None
    try:
        with transaction.atomic():
            result = import_file("daily", path, actor=actor, skip_invalid=True)
            rows = sorted(
                DailyBalance.objects.values_list(
                    "customer__investor_code", "trade_date", "equity", "volume"
                )
            )
            noted = (
                result.ok,
                result.created,
                result.rejected,
                [(e.row, e.column, e.value, e.reason) for e in result.errors],
                rows,
            )
            raise _Undo
    except _Undo:
        pass
    return noted


CODES = ["00000101", "00000102", "00000103", "00000999", "bad code", ""]
BALANCED = ["100.00", "", "", "1.00", "", "0.50", "100.50", "3"]
NUMBERS = st.sampled_from(
    [
        BALANCED,
        ["100.00", "", "", "", "", "", "100.00", ""],
        ["100.00", "", "", "", "", "", "99.00", ""],  # does not balance
        ["100.0", "", "", "", "", "", "100", ""],  # valid, not the fast path's form
        ["abc", "", "", "", "", "", "100.00", ""],
        ["100.00", "", "", "", "", "-1.00", "101.00", "2"],  # negative fee
        ["100.00", "", "", "", "", "", "100.00", "1.5"],
    ]
)
ROW = st.tuples(
    st.sampled_from(["2025-03-03", "2025-03-04", "2025/03/03", "2025-02-30"]),
    st.sampled_from(CODES),
    NUMBERS,
).map(lambda r: [r[0], r[1], *r[2]])


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(ROW, min_size=1, max_size=8), scoped=st.booleans())
def test_both_ways_accept_the_same_rows_and_give_the_same_errors(
    imp_customers, imp_write_csv, importer_a, monkeypatch, rows, scoped
):
    path = imp_write_csv(DAILY_HEADER, rows)
    actor = importer_a if scoped else None
    by_dict = outcome(path, actor, False, monkeypatch)
    in_sql = outcome(path, actor, True, monkeypatch)
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
