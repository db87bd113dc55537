"""Custom rules: validation of conditions and their SQL, AND/OR with one level of groups."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from huifang.rules import engine
from huifang.rules import params as P
from huifang.rules.engine import RuleSpec

from .conftest import daily, product, refresh

D = datetime.date
AS_OF = D(2025, 12, 31)


def run(tree, **params):
    cleaned = P.clean_params("custom", {"conditions": tree, **params})
    spec = RuleSpec("B001", "自定义", "custom", cleaned)
    return {h.customer_id: h for h in engine.screen(AS_OF, [spec])}


def cond(field, cmp, value=None):
    return {"field": field, "cmp": cmp, "value": value}


@pytest.mark.parametrize(
    "tree",
    [
        {"op": "and", "items": []},
        {"op": "xor", "items": [cond("age", "ge", 1)]},
        {"op": "and", "items": [cond("nope", "eq", 1)]},
        {"op": "and", "items": [cond("occupation", "gt", "x")]},
        {"op": "and", "items": [cond("age", "ge", "old")]},
        {"op": "and", "items": [cond("loss", "between", ["10", "1"])]},
        {
            "op": "and",
            "items": [{"op": "or", "items": [{"op": "and", "items": [cond("age", "ge", 1)]}]}],
        },
        {"op": "and", "items": [cond("customer_type", "eq", "robot")]},
    ],
)
def test_invalid_conditions_are_refused(db, tree):
    with pytest.raises(ValidationError):
        P.clean_params("custom", {"conditions": tree})


def test_and_with_an_or_group(make):
    old_jobless = make(birth_date=D(1950, 1, 1), occupation="无业")
    old_teacher = make(birth_date=D(1950, 1, 1), occupation="教师")
    young_jobless = make(birth_date=D(1990, 1, 1), occupation="无业", income_source="工资")
    tree = {
        "op": "and",
        "items": [
            cond("age", "ge", 70),
            {
                "op": "or",
                "items": [cond("occupation", "eq", "无业"), cond("income_source", "eq", "工资")],
            },
        ],
    }
    assert set(run(tree)) == {old_jobless.pk}
    assert old_teacher.pk not in run(tree) and young_jobless.pk not in run(tree)


def test_age_equal_and_between_use_whole_years_on_d(make):
    seventy = make(birth_date=D(1955, 12, 31))
    sixty_nine = make(birth_date=D(1956, 1, 1))
    assert set(run({"op": "and", "items": [cond("age", "eq", 70)]})) == {seventy.pk}
    assert set(run({"op": "and", "items": [cond("age", "between", [69, 69])]})) == {sixty_nine.pk}


def test_period_figures_and_loss_ratio(make):
    c = make()
    daily(c, D(2025, 3, 3), prev="1000.00", close="-400.00", vol=2, dep="0")
    other = make()
    daily(other, D(2025, 3, 3), prev="1000.00", close="-100.00", vol=0)
    refresh()
    found = run({"op": "and", "items": [cond("loss_ratio", "ge", "0.4"), cond("volume", "gt", 0)]})
    assert set(found) == {c.pk}
    assert str(found[c.pk].evidence["B001"]["loss"]) == "400.00"
    assert str(found[c.pk].evidence["B001"]["base"]) == "1000.00"


def test_text_in_list_is_trimmed_and_empty_matches_blank(make):
    a = make(occupation=" 无业 ")
    b = make(occupation="")
    assert set(run({"op": "and", "items": [cond("occupation", "in", ["无业", "学生"])]})) == {a.pk}
    assert set(run({"op": "and", "items": [cond("occupation", "empty")]})) == {b.pk}


def test_not_equal_leaves_out_a_blank_text_as_it_leaves_out_null(make):
    """docs/rules.md: “≠”只匹配有值且不相等的客户 — a blank occupation is 为空, not ≠ 无业."""
    teacher = make(occupation="教师")
    make(occupation="")
    make(occupation="　")
    make(occupation="无业")
    assert set(run({"op": "and", "items": [cond("occupation", "ne", "无业")]})) == {teacher.pk}


def test_not_equal_leaves_out_a_blank_choice(make):
    man = make(gender="M")
    make(gender="", customer_type="legal")
    make(gender="F")
    assert set(run({"op": "and", "items": [cond("gender", "ne", "女")]})) == {man.pk}


def test_not_equal_leaves_out_unknown_risk_level_and_age(make):
    known = make(risk_level=3, birth_date=D(1950, 1, 1))
    make(risk_level=None, birth_date=None)
    assert set(run({"op": "and", "items": [cond("risk_level", "ne", "C2")]})) == {known.pk}
    assert set(run({"op": "and", "items": [cond("age", "ne", 30)]})) == {known.pk}


def test_a_period_figure_is_empty_for_a_customer_without_daily_rows_in_the_period(make):
    """A customer with no daily rows in the period has no loss (docs/rules.md): its figures
    are 为空; a customer with rows has them, even when they sum to zero."""
    quiet = make()
    daily(quiet, D(2024, 12, 31), prev="1000.00", close="-400.00", vol=3)  # before the period
    flat = make()
    daily(flat, D(2025, 3, 3), prev="1000.00")
    refresh()
    for field in ("pnl", "loss", "volume", "deposit", "withdrawal", "days"):
        assert set(run({"op": "and", "items": [cond(field, "empty")]})) == {quiet.pk}
        assert set(run({"op": "and", "items": [cond(field, "not_empty")]})) == {flat.pk}


def test_the_meaning_says_what_an_empty_period_figure_is():
    from huifang.rules.conditions import describe_conditions

    tree = {"op": "and", "items": [cond("volume", "empty"), cond("pnl", "not_empty")]}
    assert describe_conditions(tree) == (
        "期间成交手数为空（期间内没有资金日报） 并且 期间盈亏不为空（期间内有资金日报）"
    )


def test_a_custom_hit_keeps_the_customer_fields_its_conditions_read_as_evidence(make):
    """rules.md: custom rules behave like built-ins for evidence — a hit on 年龄 and 职业
    keeps the birth date, the age and the values read, as A003 and A005 do."""
    from huifang.rules import evidence

    c = make(birth_date=D(1950, 3, 1), occupation=" 无业 ", risk_level=1, risk_lowest=True)
    tree = {
        "op": "and",
        "items": [
            cond("occupation", "eq", "无业"),
            cond("age", "ge", 70),
            cond("risk_level", "le", "C2"),
            cond("customer_type", "eq", "natural"),
            cond("dormant", "eq", False),
            cond("branch", "eq", "0101"),
        ],
    }
    ev = run(tree)[c.pk].evidence["B001"]
    assert evidence.summary("custom", ev, AS_OF) == (
        "出生日期 1950-03-01，年龄 75 周岁，客户字段 客户类型：自然人；"
        "风险承受能力：C1(最低类别)；职业：无业；部门：期货北京营业部；休眠：否"
    )


def test_a_custom_hit_on_period_figures_alone_keeps_no_customer_fields(make):
    c = make(occupation="无业")
    daily(c, D(2025, 3, 3), prev="1000.00", vol=2)
    refresh()
    ev = run({"op": "and", "items": [cond("volume", "ge", 1)]})[c.pk].evidence["B001"]
    assert ev["ev_date"] is None and ev["text_value"] is None and ev["volume"] == 2


def test_max_product_risk_and_branch(make, branches):
    here = make()
    there = make(branch=branches["b1"])
    product(here, D(2025, 5, 1), 5)
    product(there, D(2025, 5, 1), 5)
    tree = {
        "op": "and",
        "items": [cond("max_product_risk", "ge", "R5"), cond("branch", "eq", "0101")],
    }
    assert set(run(tree)) == {here.pk}


def test_no_user_text_reaches_sql(make):
    c = make(occupation="x'); DROP TABLE customers_customer; --")
    found = run(
        {"op": "and", "items": [cond("occupation", "eq", "x'); DROP TABLE customers_customer; --")]}
    )
    assert set(found) == {c.pk}


@pytest.mark.parametrize(
    "condition",
    [
        {"field": ["age"], "cmp": "gte", "value": 1},
        {"field": "age", "cmp": ["gte"], "value": 1},
        {"field": {"x": 1}, "cmp": "gte", "value": 1},
    ],
)
def test_a_condition_whose_field_or_comparison_is_not_text_is_refused_in_chinese(condition):
    from huifang.rules.conditions import clean_conditions

    with pytest.raises(ValueError, match=r"未知字段|不支持比较方式"):
        clean_conditions({"op": "and", "items": [condition]})


def test_a_group_whose_items_are_not_a_list_is_refused():
    from huifang.rules.conditions import clean_conditions

    with pytest.raises(ValueError, match="列表"):
        clean_conditions({"op": "and", "items": {"a": 1}})


def test_a_stored_hit_keeps_at_most_200_characters_of_customer_fields(make, personas):
    from huifang.rules import services
    from huifang.rules.models import HitReason

    job, income = "职" * 100, "收" * 100
    c = make(occupation=job, income_source=income)
    tree = {
        "op": "and",
        "items": [cond("occupation", "eq", job), cond("income_source", "eq", income)],
    }
    rule = services.do_create_custom_rule(
        name="长文字", params={"conditions": tree}, actor=personas["hq_admin"]
    )
    run = services.do_run_screening(AS_OF, rules=[rule.code], actor=personas["hq_admin"])
    stored = HitReason.objects.get(run=run, customer=c).text_value
    assert stored == f"职业：{job}；收入来源：{income}"[:200]


def test_intermediary_clients_can_be_hit_by_their_broker_codes(make):
    """domain.md: a special callback of 居间人 clients is a rule HQ adds as a custom rule —
    so the customer's 经纪人（居间人）编号 (``broker_code``, several joined by ``;``) is a
    condition field: 为空 / 不为空, and 属于 (any of the customer's codes is listed)."""
    from huifang.rules import evidence

    single = make(broker_codes="J001", broker_names="张三")
    several = make(broker_codes="J009;J002", broker_names="李四;王五")
    prefix = make(broker_codes="J0021", broker_names="赵六")
    wildcard = make(broker_codes="J_02", broker_names="钱七")
    direct = make(broker_codes="", broker_names="")
    present = run({"op": "and", "items": [cond("broker", "not_empty")]})
    assert set(present) == {single.pk, several.pk, prefix.pk, wildcard.pk}
    assert set(run({"op": "and", "items": [cond("broker", "empty")]})) == {direct.pk}
    listed = run({"op": "and", "items": [cond("broker", "in", ["J002", "J001"])]})
    assert set(listed) == {single.pk, several.pk}
    assert evidence.summary("custom", present[several.pk].evidence["B001"], AS_OF) == (
        "客户字段 经纪人（居间人）编号：J009;J002"
    )


def test_broker_codes_compare_only_by_list_or_presence(db):
    for cmp in ("eq", "ne", "gt"):
        with pytest.raises(ValidationError, match="经纪人（居间人）编号不支持比较方式"):
            P.clean_params(
                "custom", {"conditions": {"op": "and", "items": [cond("broker", cmp, "J1")]}}
            )


@pytest.mark.parametrize("use_aggregates", [True, False])
@pytest.mark.parametrize("period", [(D(2025, 1, 1), AS_OF), (D(2025, 3, 2), D(2025, 3, 31))])
def test_days_traded_counts_only_days_with_volume(make, use_aggregates, period):
    """期间交易天数: a daily row exists for every day with a balance (逐日盯市), so a row
    with 成交手数 0 is a day held, not a day traded — whole months (the aggregates) and a
    period's partial months (the daily rows) alike."""
    holder = make()
    for day in (D(2025, 3, 3), D(2025, 3, 4), D(2025, 3, 5)):
        daily(holder, day, prev="1000.00")
    daily(holder, D(2025, 3, 6), prev="1000.00", vol=2)
    trader = make()
    daily(trader, D(2025, 3, 3), prev="1000.00", vol=1)
    daily(trader, D(2025, 3, 4), prev="1000.00", vol=5)
    refresh()
    cleaned = P.clean_params(
        "custom",
        {
            "conditions": {"op": "and", "items": [cond("days", "ge", 2)]},
            "period_start": period[0],
            "period_end": period[1],
        },
    )
    spec = RuleSpec("B001", "自定义", "custom", cleaned)
    hits = {h.customer_id: h for h in engine.screen(AS_OF, [spec], use_aggregates=use_aggregates)}
    assert set(hits) == {trader.pk}
