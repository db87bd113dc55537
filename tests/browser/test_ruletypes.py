"""The parameter page of a rule is built from its rule type's class: HQ edits A002's
parameters in the browser and a new version holds exactly what was typed."""

import pytest
from playwright.sync_api import expect

from huifang.rules import ruletypes
from huifang.rules.models import Rule

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_hq_edits_a_rule_through_the_fields_its_type_declares(personas, login, live_server):
    page = login("hq_admin")
    page.goto(f"{live_server.url}/rules/A002/edit/")
    for spec in ruletypes.get("large_loss").params:
        expect(page.get_by_label(spec.label, exact=False).first).to_be_visible()

    page.get_by_label("亏损金额不低于（元）").fill("80000")
    page.get_by_label("亏损比例不低于（%）").fill("40")
    page.get_by_label("修改说明").fill("浏览器调整")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_text("80,000.00 元").first).to_be_visible()
    rule = Rule.objects.get(code="A002")
    assert (rule.params["min_loss_amount"], rule.params["min_loss_ratio"]) == ("80000.00", "0.4")
    assert rule.current_version.created_by == personas["hq_admin"]
