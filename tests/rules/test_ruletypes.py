"""Rule types are classes in a registry: declaring one is all the engine, the parameter
checks, the meaning in words and the evidence need."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from huifang.rules import engine, evidence, ruletypes
from huifang.rules import params as P
from huifang.rules.engine import RuleSpec
from huifang.rules.engine.rulesql import CUSTOMERS, eligible, select_list
from huifang.rules.models import HitReason, Rule, RuleType

D = datetime.date
AS_OF = D(2025, 12, 31)


@pytest.fixture
def dormant_type():
    """A rule type declared the way a new one would be: one class."""

    class Dormant(ruletypes.RuleType):
        name = "test_dormant"
        label = "休眠客户"
        params = (P.ParamSpec("min_age", "年龄不低于（周岁）", "age", 0),)
        evidence = (("ev_date", "开户日期"),)

        def meaning(self, p):
            return f"休眠客户，年满 {p['min_age']} 周岁。依据：开户日期。"

        def sql(self, ctx, spec):
            params: list = []
            cols = select_list(
                {"customer_id": "c.id", "branch_id": "c.branch_id", "ev_date": "c.open_date"},
                params,
                spec.code,
            )
            where = eligible(ctx, spec, params)
            params.append(True)
            return f"SELECT {cols} FROM {CUSTOMERS} c WHERE {where} AND c.dormant = %s", params

    yield ruletypes.get("test_dormant")
    del ruletypes.REGISTRY["test_dormant"]


def test_the_built_in_rules_use_registered_types(db):
    types = dict(Rule.objects.values_list("code", "rule_type"))
    assert {code: ruletypes.get(t).name for code, t in types.items()} == types


def test_the_model_choices_follow_the_registry():
    assert [value for value, _label in RuleType.choices] == list(ruletypes.REGISTRY)
    assert RuleType.CUSTOM == "custom"


def test_every_evidence_column_is_stored_or_derived():
    stored = {f.name for f in HitReason._meta.get_fields()}
    for rule_type in ruletypes.REGISTRY.values():
        assert rule_type.evidence, rule_type.name
        assert set(rule_type.stored_evidence) <= stored, rule_type.name


def test_a_declared_type_is_screened_by_the_engine(make, dormant_type):
    asleep = make(dormant=True)
    make(dormant=False)
    spec = RuleSpec("B900", "休眠客户", "test_dormant", dormant_type.defaults())
    hits = list(engine.screen(AS_OF, [spec]))
    assert [(h.customer_id, h.evidence) for h in hits] == [
        (asleep.pk, {"B900": {"ev_date": asleep.open_date}})
    ]


def test_a_declared_type_validates_its_parameters(db, dormant_type):
    assert P.clean_params("test_dormant", {"min_age": "60"}) == {
        "min_age": 60,
        "customer_types": [],
        "branches": [],
    }
    with pytest.raises(ValidationError) as error:
        P.clean_params("test_dormant", {"min_age": "200"})
    assert error.value.message_dict == {"min_age": ["年龄不低于（周岁）：年龄须为 0–150 的整数"]}


def test_a_declared_type_says_what_it_means(dormant_type):
    assert P.describe("test_dormant", {"min_age": 60}).endswith(
        "休眠客户，年满 60 周岁。依据：开户日期。"
    )


def test_a_declared_type_names_its_evidence(dormant_type):
    assert evidence.evidence_header([("B900", "test_dormant")]) == ["B900 开户日期"]


def test_a_type_name_registers_once(dormant_type):
    with pytest.raises(ValueError):

        class Again(ruletypes.RuleType):
            name = "test_dormant"


def test_a_screening_without_details_keeps_codes_and_evidence(make):
    jobless = make(occupation=" 无业 ")
    [hit] = engine.screen(AS_OF, ["A005"], details=False)
    assert (hit.customer_id, hit.codes, hit.evidence) == (
        jobless.pk,
        ["A005"],
        {"A005": {"text_value": "无业"}},
    )
    assert hit.customer == {}
