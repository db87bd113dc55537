"""Property-based fuzzing: arbitrary cell text never crashes the parsers or a row's
validation — each cell is either accepted or reported with a reason."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.customers.importers import cells, specs
from huifang.customers.importers.daily import DailyValidator
from huifang.customers.importers.validators import (
    CustomerValidator,
    Errors,
    ProductValidator,
)

TEXT = st.text(max_size=40) | st.from_regex(r"-?[0-9,]{0,16}(\.[0-9]{0,4})?", fullmatch=True)
RAW = st.one_of(
    TEXT,
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.booleans(),
    st.dates(),
)
PARSERS = [
    cells.parse_date,
    cells.parse_cents,
    cells.parse_count,
    cells.parse_mobile,
    cells.parse_id_card,
    lambda t: cells.parse_code(t, 32),
    lambda t: cells.check_text(t, 100),
    lambda t: cells.parse_choice(t, specs.RISK_LEVELS, "C1…C5"),
]


@given(raw=RAW)
def test_every_parser_accepts_or_reports(raw):
    text = cells.clean(raw)
    for parse in PARSERS:
        try:
            parse(text)
        except cells.CellError as exc:
            assert exc.reason


@given(st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1))
def test_amounts_round_trip_exactly(cents):
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    assert cells.parse_cents(f"{sign}{whole:,}.{frac:02d}") == cents
    assert cells.parse_cents(f"{sign}{whole}.{frac:02d}") == cents


@given(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 12, 31)))
def test_dates_in_all_three_formats(day):
    for text in (day.isoformat(), day.strftime("%Y/%m/%d"), day.strftime("%Y%m%d")):
        assert cells.parse_date(text) == day


@pytest.mark.parametrize(
    "validator", [CustomerValidator, DailyValidator, ProductValidator], ids=lambda v: v.dataset.name
)
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_row_validation_never_crashes(validator, data, imp_customers):
    spec = validator.dataset
    index = {c.key: i for i, c in enumerate(spec.columns)}
    errors = Errors(spec)
    checker = validator(index, errors, scope_path=None)
    row = [cells.clean(data.draw(RAW)) for _ in spec.columns]
    staged = checker.row(2, row)
    if staged is None:
        assert errors.items and all(e.reason for e in errors.items)
    else:
        assert staged[0] == 2 and not errors.items


@pytest.mark.parametrize(
    ("value", "cents"),
    [(1.7e308, None), (-1e300, None), (float("inf"), None), (float("nan"), None), (0.1 + 0.2, 30)],
)
def test_extreme_spreadsheet_numbers_become_text(value, cents):
    text = cells.clean(value)
    assert isinstance(text, cells.NumText)
    if cents is None:
        with pytest.raises(cells.CellError):
            cells.parse_cents(text)
    else:
        assert cells.parse_cents(text) == cents
