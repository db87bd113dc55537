"""Every boundary of docs/rules.md, one behaviour per test."""

from __future__ import annotations

import datetime

from huifang.rules import engine
from huifang.rules.engine import RuleSpec

from .conftest import daily, product, refresh

D = datetime.date
AS_OF = D(2025, 12, 31)


def hits(code, params=None, as_of=AS_OF, **kwargs):
    rule_type = {
        "A001": "new_account",
        "A002": "large_loss",
        "A003": "elderly",
        "A004": "income_source",
        "A005": "occupation",
        "A006": "high_risk_product",
    }[code]
    from huifang.rules.params import defaults

    spec = RuleSpec(code, code, rule_type, {**defaults(rule_type), **(params or {})})
    return {h.customer_id: h for h in engine.screen(as_of, [spec], **kwargs)}


# --- eligibility ------------------------------------------------------------------------


def test_customer_opened_after_d_is_not_eligible(make):
    c = make(open_date=D(2026, 1, 1), occupation="无业")
    assert c.pk not in hits("A005")


def test_customer_opened_on_d_is_eligible(make):
    c = make(open_date=AS_OF, occupation="无业")
    assert c.pk in hits("A005")


def test_customer_closed_before_d_is_not_eligible(make):
    c = make(status="closed", close_date=D(2025, 6, 1), occupation="无业")
    assert c.pk not in hits("A005")


def test_customer_closed_on_d_is_not_eligible(make):
    c = make(status="closed", close_date=AS_OF, occupation="无业")
    assert c.pk not in hits("A005")


def test_customer_closed_after_d_is_eligible(make):
    c = make(status="closed", close_date=D(2026, 2, 1), occupation="无业")
    assert c.pk in hits("A005")


def test_closed_status_without_close_date_is_not_eligible(make):
    c = make(status="closed", close_date=None, occupation="无业")
    assert c.pk not in hits("A005")


def test_active_status_with_a_past_close_date_is_eligible(make):
    # rules.md: not closed on D ⇔ status is not 销户, or close_date > D — the status decides
    # first, so an 有效 customer whose file carries an old close date is still eligible.
    c = make(status="active", close_date=D(2025, 6, 30), occupation="无业")
    assert c.pk in hits("A005")


def test_dormant_customer_is_eligible_unless_the_run_excludes_dormant(make):
    c = make(dormant=True, occupation="无业")
    assert c.pk in hits("A005")
    assert c.pk not in hits("A005", exclude_dormant=True)


# --- A001 ----------------------------------------------------------------------------------


def test_new_account_period_includes_both_ends(make):
    first = make(open_date=D(2025, 1, 1))
    last = make(open_date=D(2025, 12, 31))
    before = make(open_date=D(2024, 12, 31))
    found = hits("A001")
    assert first.pk in found and last.pk in found and before.pk not in found
    assert found[first.pk].evidence["A001"]["ev_date"] == D(2025, 1, 1)


def test_new_account_explicit_period(make):
    c = make(open_date=D(2025, 3, 15))
    assert c.pk in hits("A001", {"period_start": "2025-03-15", "period_end": "2025-03-15"})
    assert c.pk not in hits("A001", {"period_start": "2025-03-16", "period_end": "2025-12-31"})


# --- A003 ----------------------------------------------------------------------------------


def test_age_exactly_at_threshold_hits(make):
    c = make(birth_date=D(1955, 12, 31))
    assert c.pk in hits("A003")


def test_one_day_short_of_threshold_does_not_hit(make):
    c = make(birth_date=D(1956, 1, 1))
    assert c.pk not in hits("A003")


def test_29_february_birthday_turns_70_on_1_march_in_a_non_leap_year(make):
    c = make(birth_date=D(1956, 2, 29))
    assert c.pk not in hits("A003", as_of=D(2026, 2, 28))
    assert c.pk in hits("A003", as_of=D(2026, 3, 1))


def test_29_february_birthday_on_a_leap_year_d(make):
    c = make(birth_date=D(1958, 2, 28))
    assert c.pk in hits("A003", {"min_age": 70}, as_of=D(2028, 2, 29))
    d = make(birth_date=D(1958, 3, 1))
    assert d.pk not in hits("A003", {"min_age": 70}, as_of=D(2028, 2, 29))


def test_unknown_birth_date_never_hits_a003(make):
    c = make(birth_date=None)
    assert c.pk not in hits("A003", {"min_age": 0})


def test_legal_entity_never_hits_a003_a004_a005(make):
    c = make(
        customer_type="legal",
        birth_date=D(1900, 1, 1),
        occupation="无业",
        income_source="依靠积蓄并有社会保障",
    )
    assert c.pk not in hits("A003")
    assert c.pk not in hits("A004")
    assert c.pk not in hits("A005")


def test_a003_require_trade_needs_volume_in_period(make):
    trader = make(birth_date=D(1940, 1, 1))
    idle = make(birth_date=D(1940, 1, 1))
    daily(trader, D(2025, 6, 2), prev="100", vol=1)
    daily(idle, D(2025, 6, 2), prev="100", vol=0)
    refresh()
    found = hits("A003", {"require_trade_in_period": True})
    assert trader.pk in found and idle.pk not in found
    assert found[trader.pk].evidence["A003"]["volume"] == 1


# --- A004 / A005 ------------------------------------------------------------------------


def test_text_values_are_compared_after_trimming(make):
    c = make(occupation=" 无业\u3000", income_source="\t依靠积蓄并有社会保障 ")
    assert c.pk in hits("A005")
    assert c.pk in hits("A004")
    assert hits("A005")[c.pk].evidence["A005"]["text_value"] == "无业"


def test_other_occupation_does_not_hit(make):
    c = make(occupation="无业人员")
    assert c.pk not in hits("A005")


# --- A002 ----------------------------------------------------------------------------------


def _loser(make, loss, prev="1000.00", dep="0", fee="0"):
    c = make()
    daily(c, D(2025, 3, 3), prev=prev, close=f"-{loss}", fee=fee, dep=dep, vol=3)
    return c


def test_loss_exactly_at_amount_threshold_hits(make):
    c = _loser(make, "500.00")
    refresh()
    found = hits("A002", {"min_loss_amount": "500.00", "min_loss_ratio": "0"})
    assert c.pk in found
    ev = found[c.pk].evidence["A002"]
    assert str(ev["loss"]) == "500.00" and ev["volume"] == 3


def test_loss_one_fen_below_amount_threshold_does_not_hit(make):
    c = _loser(make, "499.99")
    refresh()
    assert c.pk not in hits("A002", {"min_loss_amount": "500.00", "min_loss_ratio": "0"})


def test_loss_exactly_at_ratio_threshold_hits(make):
    c = _loser(make, "500.00", prev="1000.00")
    refresh()
    assert c.pk in hits("A002", {"min_loss_amount": "0", "min_loss_ratio": "0.5"})


def test_loss_one_fen_below_ratio_threshold_does_not_hit(make):
    c = _loser(make, "499.99", prev="1000.00")
    refresh()
    assert c.pk not in hits("A002", {"min_loss_amount": "0", "min_loss_ratio": "0.5"})


def test_base_includes_deposits(make):
    c = _loser(make, "500.00", prev="500.00", dep="500.00")
    refresh()
    found = hits("A002", {"min_loss_amount": "0", "min_loss_ratio": "0.5"})
    assert str(found[c.pk].evidence["A002"]["base"]) == "1000.00"


def test_base_not_positive_never_hits_when_a_ratio_is_required(make):
    c = _loser(make, "500.00", prev="0")
    d = _loser(make, "500.00", prev="-100.00")
    refresh()
    found = hits("A002", {"min_loss_amount": "0", "min_loss_ratio": "0.01"})
    assert c.pk not in found and d.pk not in found


def test_base_not_positive_hits_when_ratio_is_zero(make):
    c = _loser(make, "500.00", prev="0")
    refresh()
    assert c.pk in hits("A002", {"min_loss_amount": "100", "min_loss_ratio": "0"})


def test_zero_loss_never_hits_even_with_zero_thresholds(make):
    c = make()
    daily(c, D(2025, 3, 3), prev="100.00")
    refresh()
    assert c.pk not in hits("A002", {"min_loss_amount": "0", "min_loss_ratio": "0"})


def test_fees_count_as_loss(make):
    c = _loser(make, "0.00", fee="600.00")
    refresh()
    assert c.pk in hits("A002", {"min_loss_amount": "600.00", "min_loss_ratio": "0"})


def test_rows_outside_the_period_are_ignored(make):
    c = make()
    daily(c, D(2024, 12, 31), prev="1000.00", close="-900.00")
    daily(c, D(2026, 1, 2), prev="1000.00", close="-900.00")
    daily(c, D(2025, 6, 2), prev="1000.00", close="-100.00")
    refresh()
    found = hits("A002", {"min_loss_amount": "0", "min_loss_ratio": "0"})
    assert str(found[c.pk].evidence["A002"]["loss"]) == "100.00"


def test_first_row_prev_equity_in_the_period_is_the_base(make):
    c = make()
    daily(c, D(2025, 3, 31), prev="9999.00")  # before the period
    daily(c, D(2025, 4, 15), prev="1000.00", close="-100.00")
    daily(c, D(2025, 5, 6), prev="5000.00", close="-100.00")
    refresh()
    params = {
        "period_start": "2025-04-10",
        "period_end": "2025-12-31",
        "min_loss_amount": "0",
        "min_loss_ratio": "0",
    }
    ev = hits("A002", params)[c.pk].evidence["A002"]
    assert str(ev["base"]) == "1000.00" and str(ev["loss"]) == "200.00"


def test_no_daily_rows_means_no_loss(make):
    c = make()
    assert c.pk not in hits("A002", {"min_loss_amount": "0", "min_loss_ratio": "0"})


# --- A006 ----------------------------------------------------------------------------------


def test_product_on_period_edges_and_at_min_risk_hits(make):
    first = make()
    last = make()
    product(first, D(2025, 1, 1), 4)
    product(last, D(2025, 12, 31), 5)
    found = hits("A006")
    assert first.pk in found and last.pk in found
    assert found[last.pk].evidence["A006"]["max_risk"] == 5


def test_product_outside_period_or_below_risk_does_not_hit(make):
    early = make()
    low = make()
    product(early, D(2024, 12, 31), 5)
    product(low, D(2025, 6, 1), 3)
    found = hits("A006")
    assert early.pk not in found and low.pk not in found


def test_professional_investor_only_hits_without_ordinary_only(make):
    pro = make(investor_class="professional")
    product(pro, D(2025, 6, 1), 5)
    assert pro.pk not in hits("A006")
    assert pro.pk in hits("A006", {"ordinary_only": False})


def test_a006_evidence_lists_the_matching_products(make):
    c = make()
    product(c, D(2025, 6, 1), 4, code="IO2506", name="沪深300股指期权")
    product(c, D(2025, 7, 1), 5, code="OTC1", name="场外期权")
    ev = hits("A006")[c.pk].evidence["A006"]
    assert ev["max_risk"] == 5
    assert set(ev["products"].split("、")) == {"IO2506 沪深300股指期权(R4)", "OTC1 场外期权(R5)"}


def test_a006_products_are_listed_in_a_fixed_order_risk_code_then_name(make):
    # The same product code under two names (renamed between purchases): the list is the
    # same on every database, name order breaking the tie.
    c = make()
    product(c, D(2025, 6, 1), 4, code="P1", name="B计划")
    product(c, D(2025, 7, 1), 4, code="P1", name="A计划")
    product(c, D(2025, 8, 1), 5, code="P9", name="场外期权")
    ev = hits("A006")[c.pk].evidence["A006"]
    assert ev["products"] == "P9 场外期权(R5)、P1 A计划(R4)、P1 B计划(R4)"


# --- merge -----------------------------------------------------------------------------------


def test_reasons_are_merged_in_rule_code_order_with_full_width_semicolons(make, db):
    c = make(birth_date=D(1950, 1, 1), occupation="无业")
    daily(c, D(2025, 3, 3), prev="100000.00", close="-100000.00")
    refresh()
    found = {h.customer_id: h for h in engine.screen(AS_OF, ["A005", "A003", "A002"])}
    assert found[c.pk].reasons == "大额亏损客户；老年交易者；职业为“无业”的客户"
    assert found[c.pk].codes == ["A002", "A003", "A005"]


def test_rule_filters_narrow_by_customer_type_and_branch(make, branches):
    here = make(occupation="无业")
    there = make(occupation="无业", branch=branches["b1"])
    assert set(hits("A005", {"branches": ["0101"]})) == {here.pk}
    assert set(hits("A005", branches=["0102"])) == {there.pk}
    assert hits("A005", {"customer_types": ["legal"]}) == {}


def test_a_reference_date_outside_the_supported_years_is_refused_in_chinese(db):
    import pytest
    from django.core.exceptions import ValidationError

    for as_of in (D(50, 1, 1), D(9999, 12, 31)):
        with pytest.raises(ValidationError, match="日期须在 1900-01-01 至 2100-12-31 之间"):
            list(engine.screen(as_of, ["A003"]))
