"""Checkbox lists (rules, customer types, a rule's value list) draw one Tabler box per
choice with its own label, like every other checkbox of the pages."""

import re

from django.urls import reverse

ONE_BOX = re.compile(
    r'<label class="form-check"><input type="checkbox" name="(?P<name>\w+)" value="(?P<value>[^"]*)"'
    r'[^>]*class="form-check-input"[^>]*><span class="form-check-label">(?P<label>[^<]+)</span></label>'
)


def boxes(html: str, name: str) -> dict[str, str]:
    return {m["value"]: m["label"] for m in ONE_BOX.finditer(html) if m["name"] == name}


def test_screening_page_draws_each_rule_and_customer_type_as_a_labelled_box(client_for):
    html = client_for("hq_admin").get(reverse("rules:screening")).content.decode()
    assert boxes(html, "rules")["A005"] == "A005 职业为“无业”的客户"
    assert set(boxes(html, "customer_types").values()) == {"自然人", "一般法人", "特殊法人"}
    assert "<legend" in html and ">规则</legend>" in html


def test_parameter_form_draws_its_value_list_as_labelled_boxes(client_for, make):
    make(occupation="学生")
    html = client_for("hq_admin").get(reverse("rules:rule_edit", args=["A005"])).content.decode()
    assert {"学生", "无业"} <= set(boxes(html, "values").values())
    assert ">职业</legend>" in html
