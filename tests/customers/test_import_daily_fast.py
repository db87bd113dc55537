"""The daily import's fast paths give exactly what the full checks and a full rebuild give."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.customers import aggregates
from huifang.customers.importers import cells as cells_module
from huifang.customers.importers import import_file, specs
from huifang.customers.importers.daily import DailyValidator
from huifang.customers.importers.validators import Errors
from huifang.customers.models import Customer, DailyBalance, MonthlyAggregate
from tests.customers.conftest import DAILY_HEADER

INDEX = {c.key: i for i, c in enumerate(specs.DAILY.columns)}
AGGREGATE_FIELDS = (
    "customer_id",
    "month",
    "days",
    "volume",
    "pnl",
    "fee",
    "deposit",
    "withdrawal",
    "first_date",
    "first_prev_equity",
)


def yuan(cents: int, style: str) -> str:
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    if style == "two":
        return f"{sign}{whole}.{frac:02d}"
    if style == "grouped":
        return f"{sign}{whole:,}.{frac:02d}"
    if style == "one":
        return f"{sign}{whole}.{frac // 10}"
    return f"{sign}{whole}"  # "int"


AMOUNT = st.tuples(
    st.integers(-(10**9), 10**9), st.sampled_from(["two", "two", "grouped", "one", "int"])
)
CELL = st.one_of(
    AMOUNT.map(lambda a: yuan(*a)),
    st.sampled_from(["", "", "abc", "1.234", "1,23.00", "-", "12345678901234.00", "+1.00"]),
)


def daily_row(date: str, code: str, cells: list[str], balanced: bool, volume: str) -> list[str]:
    """A row of the six generated money cells; ``balanced`` computes 当日权益 when they parse."""
    equity = cells[0]
    if balanced:
        try:
            p, d, w, c, pp, f = (cells_module.parse_cents(c) if c else 0 for c in cells)
        except cells_module.CellError:
            pass
        else:
            equity = yuan(p + d - w + c + pp - f, "two")
    return [date, code, *cells[:6], equity, volume]


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cells=st.lists(CELL, min_size=6, max_size=6),
    balanced=st.booleans(),
    volume=st.sampled_from(["", "0", "7", "1,234", "-3", "1.5", "x"]),
    date=st.sampled_from(["2025-03-03", "2025/03/03", "20250303", "2025-03-04"]),
    twice=st.booleans(),
)
def test_fast_path_accepts_and_stages_exactly_what_the_full_checks_do(
    imp_customers, cells, balanced, volume, date, twice
):
    row = daily_row(date, "00000101", cells, balanced, volume)
    fast = DailyValidator(INDEX, fast_errors := Errors(specs.DAILY), scope_path=None)
    full = DailyValidator(INDEX, full_errors := Errors(specs.DAILY), scope_path=None)
    warm = ["2025-03-03", "00000102", "0.00", "", "", "", "", "", "0.00", ""]
    assert fast.row(2, warm) == full._checked(2, warm)
    for rowno in range(3, 5 if twice else 4):
        assert fast.row(rowno, row) == full._checked(rowno, row)
    assert fast_errors.items == full_errors.items


def test_the_common_row_takes_the_fast_path(imp_customers):
    validator = DailyValidator(INDEX, Errors(specs.DAILY), scope_path=None)
    first = ["2025-03-03", "00000101", "100.00", "", "", "-1.25", "0.50", "0.25", "99.00", "2"]
    second = ["2025-03-03", "00000102", "0.00", "20.00", "", "", "", "", "20.00", ""]
    customer_id = validator.codes.ids["00000102"]
    assert validator.row(2, first) is not None  # the first row of a date teaches its text
    assert validator._fast(3, second) == (
        3,
        "2025-03-03",
        customer_id,
        0,
        2000,
        0,
        0,
        0,
        0,
        2000,
        0,
        None,
    )


def test_the_same_day_written_two_ways_is_a_duplicate(imp_customers, imp_write_csv):
    rows = [
        ["2025-03-03", "00000101", "100.00", "", "", "", "", "", "100.00", ""],
        ["2025/03/03", "00000101", "100.00", "", "", "", "", "", "100.00", ""],
    ]
    result = import_file("daily", imp_write_csv(DAILY_HEADER, rows))
    assert not result.ok
    assert [(e.row, e.reason) for e in result.errors] == [
        (3, "与第 2 行重复（同一交易日期和投资者代码）")
    ]


def day_rows(day: datetime.date, codes, base: int, change: int = 0) -> list[list[str]]:
    rows = []
    for n, code in enumerate(codes):
        prev = base + 100 * n
        pnl = (n + 1) * 37 - 50 + change
        rows.append(
            [
                day.isoformat(),
                code,
                yuan(prev, "two"),
                yuan(1000, "two") if n == 1 else "",
                "",
                yuan(pnl, "two"),
                "",
                yuan(5, "two"),
                yuan(prev + (1000 if n == 1 else 0) + pnl - 5, "two"),
                str(n + 1),  # lots traded: every row is a day traded
            ]
        )
    return rows


def aggregate_rows():
    return sorted(MonthlyAggregate.objects.values_list(*AGGREGATE_FIELDS))


def test_imports_that_add_rows_keep_aggregates_equal_to_a_rebuild(imp_customers, imp_write_csv):
    codes = ["00000101", "00000102", "00000103"]
    d = datetime.date
    files = [
        day_rows(d(2025, 3, 5), codes, 100_000) + day_rows(d(2025, 4, 1), codes[:1], 90_000),
        day_rows(d(2025, 3, 6), codes[1:], 200_000),
        day_rows(d(2025, 3, 3), codes, 300_000),  # earlier: each month's first row moves
        day_rows(d(2025, 3, 6), codes, 200_000, change=3),  # corrections plus one new row
        day_rows(d(2025, 3, 6), codes, 200_000, change=3),  # unchanged
    ]
    for rows in files:
        assert import_file("daily", imp_write_csv(DAILY_HEADER, rows)).ok
    kept = aggregate_rows()
    MonthlyAggregate.objects.all().delete()
    aggregates.refresh_all()
    assert aggregate_rows() == kept
    customer = Customer.objects.get(investor_code="00000101")
    march = MonthlyAggregate.objects.get(customer=customer, month=d(2025, 3, 1))
    assert (march.days, march.first_date) == (3, d(2025, 3, 3))


def test_reimporting_unchanged_rows_does_not_touch_the_aggregates(
    imp_customers, imp_write_csv, monkeypatch
):
    path = imp_write_csv(DAILY_HEADER, day_rows(datetime.date(2025, 3, 5), ["00000101"], 500))
    assert import_file("daily", path).created == 1

    def refused(*args, **kwargs):
        raise AssertionError("aggregates refreshed for an unchanged file")

    monkeypatch.setattr(aggregates, "refresh_months", refused)
    monkeypatch.setattr(aggregates, "add_new_rows", refused)
    again = import_file("daily", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_a_file_mixing_held_and_new_dates_matches_only_the_held_ones(imp_customers, imp_write_csv):
    day, later = datetime.date(2025, 3, 5), datetime.date(2025, 3, 6)
    import_file("daily", imp_write_csv(DAILY_HEADER, day_rows(day, ["00000101", "00000102"], 500)))
    rows = day_rows(day, ["00000101", "00000102", "00000103"], 500)
    rows[0][5], rows[0][8] = "1.00", yuan(500 + 100 - 5, "two")
    rows += day_rows(later, ["00000101"], 700)
    result = import_file("daily", imp_write_csv(DAILY_HEADER, rows))
    assert (result.created, result.updated, result.unchanged) == (2, 1, 1)
    assert DailyBalance.objects.count() == 4


@pytest.mark.parametrize("first_day", [3, 20])
def test_added_rows_fold_into_an_existing_month(imp_customers, imp_write_csv, first_day):
    d = datetime.date
    import_file("daily", imp_write_csv(DAILY_HEADER, day_rows(d(2025, 3, 10), ["00000101"], 800)))
    rows = day_rows(d(2025, 3, first_day), ["00000101"], 900)
    import_file("daily", imp_write_csv(DAILY_HEADER, rows))
    agg = MonthlyAggregate.objects.get()
    assert agg.days == 2
    assert agg.first_date == d(2025, 3, min(first_day, 10))
    assert agg.first_prev_equity * 100 == (900 if first_day < 10 else 800)


def test_every_repeat_of_a_day_and_investor_names_the_first_row(imp_customers, imp_write_csv):
    row = ["2025-03-03", "00000101", "100.00", "", "", "", "", "", "100.00", ""]
    other = ["2025-03-04", "00000101", "100.00", "", "", "", "", "", "100.00", ""]
    rows = [row, other, row, other, row]
    result = import_file("daily", imp_write_csv(DAILY_HEADER, rows))
    assert not result.ok
    assert sorted((e.row, e.reason) for e in result.errors) == [
        (4, "与第 2 行重复（同一交易日期和投资者代码）"),
        (5, "与第 3 行重复（同一交易日期和投资者代码）"),
        (6, "与第 2 行重复（同一交易日期和投资者代码）"),
    ]
