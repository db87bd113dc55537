from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from huifang.core.fields import from_cents, to_cents


def test_money_round_trips_through_fen_exactly():
    assert from_cents(to_cents(Decimal("1234567890123.45"))) == Decimal("1234567890123.45")


def test_negative_amounts_keep_their_sign():
    assert to_cents("-0.01") == -1


def test_floats_are_refused():
    with pytest.raises(TypeError):
        to_cents(0.1)


def test_more_than_two_decimals_is_an_error_not_a_rounding():
    with pytest.raises(ValidationError):
        to_cents("1.005")
