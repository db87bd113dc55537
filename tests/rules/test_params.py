"""Parameter validation, versions with operator and time, enable/disable, custom rules."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from huifang.core.models import AuditEvent
from huifang.rules import params as P
from huifang.rules import services
from huifang.rules.models import Rule


@pytest.mark.parametrize(
    ("rule_type", "raw", "key"),
    [
        ("large_loss", {"min_loss_amount": "-1"}, "min_loss_amount"),
        ("large_loss", {"min_loss_amount": "1.001"}, "min_loss_amount"),
        ("large_loss", {"min_loss_ratio": "1.5"}, "min_loss_ratio"),
        ("large_loss", {"min_loss_ratio": "abc"}, "min_loss_ratio"),
        ("elderly", {"min_age": "151"}, "min_age"),
        ("elderly", {"min_age": "-1"}, "min_age"),
        ("high_risk_product", {"min_product_risk": "R6"}, "min_product_risk"),
        ("occupation", {"values": []}, "values"),
        ("new_account", {"period_start": "2025-02-30"}, "period_start"),
        ("new_account", {"period_start": "2025-06-01", "period_end": "2025-05-31"}, "period_end"),
        ("new_account", {"bogus": "1"}, "bogus"),
        ("new_account", {"customer_types": ["robot"]}, "customer_types"),
        ("large_loss", {"period_end": "9999-12-31"}, "period_end"),
        ("new_account", {"period_start": "0050-01-01"}, "period_start"),
    ],
)
def test_bad_parameters_are_refused_with_a_chinese_message(db, rule_type, raw, key):
    with pytest.raises(ValidationError) as info:
        P.clean_params(rule_type, raw)
    assert key in info.value.message_dict


def test_ratio_accepts_percent_and_stores_an_exact_decimal_string(db):
    assert P.clean_params("large_loss", {"min_loss_ratio": "12.5%"})["min_loss_ratio"] == "0.125"
    assert P.clean_params("high_risk_product", {"min_product_risk": "r5"})["min_product_risk"] == 5


def test_every_save_keeps_a_new_version_with_operator_and_audit(personas):
    rule = Rule.objects.get(code="A002")
    services.do_update_rule(
        rule, {"min_loss_amount": "50000"}, note="下调", actor=personas["hq_admin"]
    )
    services.do_update_rule(rule, {"min_loss_ratio": "0.3"}, actor=personas["hq_admin"])
    rule.refresh_from_db()
    assert [v.number for v in rule.versions.order_by("number")] == [1, 2, 3]
    assert rule.current_version.number == 3
    assert rule.params["min_loss_amount"] == "50000.00" and rule.params["min_loss_ratio"] == "0.3"
    assert rule.versions.get(number=1).params["min_loss_amount"] == "100000.00"
    assert rule.updated_by == personas["hq_admin"]
    event = AuditEvent.objects.filter(action="rule_change", object_id=str(rule.pk)).first()
    assert event.user == personas["hq_admin"] and event.after["params"]["min_loss_ratio"] == "0.3"


def test_invalid_save_writes_nothing(personas):
    rule = Rule.objects.get(code="A003")
    with pytest.raises(ValidationError):
        services.do_update_rule(rule, {"min_age": "200"}, actor=personas["hq_admin"])
    assert rule.versions.count() == 1
    assert not AuditEvent.objects.filter(action="rule_change").exists()


def test_disable_and_enable_are_audited(personas):
    rule = Rule.objects.get(code="A001")
    services.do_set_rule_enabled(rule, False, actor=personas["hq_admin"])
    assert not Rule.objects.get(code="A001").enabled
    assert AuditEvent.objects.filter(action="rule_disable").count() == 1


def test_a_rule_used_by_a_run_cannot_be_deleted(personas):
    services.do_run_screening(
        __import__("datetime").date(2025, 12, 31), rules=["A001"], actor=personas["hq_admin"]
    )
    with pytest.raises(ValidationError):
        Rule.objects.get(code="A001").delete()


def test_custom_rules_get_consecutive_b_codes_and_an_audit_row(personas):
    params = {"conditions": {"op": "and", "items": [{"field": "age", "cmp": "ge", "value": "60"}]}}
    first = services.do_create_custom_rule(
        name="六十岁以上", params=params, actor=personas["hq_admin"]
    )
    second = services.do_create_custom_rule(
        name="另一条", params=params, actor=personas["hq_admin"]
    )
    assert (first.code, second.code) == ("B001", "B002")
    assert first.current_version.params["conditions"]["items"][0]["value"] == 60
    assert AuditEvent.objects.filter(action="rule_create").count() == 2


def test_meaning_in_words_reflects_the_current_values(db):
    text = P.describe("large_loss", {"min_loss_amount": "50000.00", "min_loss_ratio": "0.3"})
    assert "50,000.00 元" in text and "30%" in text and "上日权益" in text
