"""The customer's domain rules live on the model: age on a day and the risk label."""

from __future__ import annotations

import datetime

from hypothesis import given
from hypothesis import strategies as st

from huifang.customers.models import Customer, age_on, product_risk_label, risk_label

D = datetime.date


def test_age_counts_whole_years_completed_on_the_day():
    customer = Customer(birth_date=D(1956, 6, 15))
    assert customer.age_on(D(2026, 6, 14)) == 69
    assert customer.age_on(D(2026, 6, 15)) == 70


def test_someone_born_on_29_february_ages_on_1_march_in_a_common_year():
    assert age_on(D(1956, 2, 29), D(2026, 2, 28)) == 69
    assert age_on(D(1956, 2, 29), D(2026, 3, 1)) == 70


def test_no_birth_date_means_no_age():
    assert Customer(birth_date=None).age_on(D(2026, 1, 1)) is None


@given(st.dates(D(1900, 1, 1), D(2010, 12, 31)), st.integers(0, 110))
def test_age_steps_by_one_on_each_birthday(birth, years):
    birthday = D(birth.year + years, birth.month, 28 if birth.day > 28 else birth.day)
    if birth.day > 28:  # 29–31: the day before the month's end is safely before it
        return
    assert age_on(birth, birthday) == years
    assert age_on(birth, birthday - datetime.timedelta(days=1)) == years - 1


def test_risk_label_names_the_lowest_category():
    assert Customer(risk_level=1, risk_lowest=True).risk_label == "C1(最低类别)"
    assert Customer(risk_level=3).risk_label == "C3"
    assert Customer(risk_level=None).risk_label == ""
    assert risk_label(9) == "9"  # an unknown level as itself, like every choice label


def test_product_risk_is_r_and_its_level():
    assert [product_risk_label(n) for n in (1, 5, None)] == ["R1", "R5", ""]
