"""``/api/v1/rules/``: read, parameter versions, PATCH → a new version, enable/disable and
custom rules, through the rules services, by persona."""

from __future__ import annotations

import pytest

from huifang.core.models import AuditEvent
from huifang.rules import services
from huifang.rules.models import Rule, RuleVersion

URL = "/api/v1/rules/"


def versions(code: str) -> list[int]:
    return list(
        RuleVersion.objects.filter(rule__code=code)
        .order_by("number")
        .values_list("number", flat=True)
    )


def audited(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("id")


# --- read -------------------------------------------------------------------------------


def test_rule_detail_shows_params_and_meaning(client_for):
    body = client_for("auditor").get(f"{URL}A003/").json()
    assert body["version"] == 1 and body["params"]["min_age"] == 70
    assert "70 周岁" in body["meaning"]
    assert {"key": "min_age", "label": "年龄不低于（周岁）", "value": "70"} in body["shown"]


def test_rule_list_uses_the_pages_filters(client_for, personas):
    services.do_create_custom_rule(
        name="自定义", params={"conditions": _tree()}, actor=personas["hq_admin"]
    )
    body = client_for("manager_a").get(URL, {"kind": "custom"}).json()
    assert [r["code"] for r in body["results"]] == ["B001"]


def test_rule_list_is_403_without_the_permission(client_for):
    assert client_for("agent_a").get(URL).status_code == 403


def test_versions_list_newest_first_with_the_current_marked(client_for, personas):
    services.do_update_rule(
        Rule.objects.get(code="A003"), {"min_age": "75"}, note="提高", actor=personas["hq_admin"]
    )
    body = client_for("manager_a").get(f"{URL}A003/versions/").json()
    assert [(v["number"], v["current"], v["params"]["min_age"]) for v in body] == [
        (2, True, 75),
        (1, False, 70),
    ]
    assert body[0]["note"] == "提高" and body[0]["created_by"] == "hq_admin"


def test_versions_of_an_unknown_rule_is_404(client_for):
    response = client_for("hq_admin").get(f"{URL}Z999/versions/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_versions_is_403_without_the_permission(client_for):
    assert client_for("agent_a").get(f"{URL}A003/versions/").status_code == 403


# --- PATCH: a new parameter version -----------------------------------------------------


def test_patch_saves_a_new_version_audited_on_the_api_channel(client_for, personas):
    response = client_for("hq_admin").patch(
        f"{URL}A002/",
        {"params": {"min_loss_amount": "80000", "min_loss_ratio": "40%"}, "note": "年度调整"},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 2
    assert body["params"]["min_loss_amount"] == "80000.00"
    assert body["params"]["min_loss_ratio"] == "0.4"
    rule = Rule.objects.get(code="A002")
    assert rule.current_version.note == "年度调整"
    assert rule.current_version.created_by == personas["hq_admin"]
    event = audited("rule_change")
    assert event.actor_label == "api" and event.user == personas["hq_admin"]


@pytest.mark.parametrize(
    ("params", "key", "text"),
    [
        ({"min_loss_amount": "-5"}, "min_loss_amount", "金额不能为负数"),
        ({"min_loss_ratio": "150%"}, "min_loss_ratio", "比例须在 0%–100% 之间"),
        ({"no_such": "1"}, "no_such", "未知参数 no_such"),
    ],
)
def test_patch_bad_value_is_400_per_param_in_chinese(client_for, params, key, text):
    response = client_for("hq_admin").patch(
        f"{URL}A002/", {"params": params}, content_type="application/json"
    )
    assert response.status_code == 400
    assert text in response.json()["errors"][key][0]
    assert versions("A002") == [1] and not AuditEvent.objects.filter(action="rule_change")


def test_patch_params_not_an_object_is_400(client_for):
    response = client_for("hq_admin").patch(
        f"{URL}A002/", {"params": "min_loss_amount=1"}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["errors"]["params"]
    assert versions("A002") == [1]


def test_patch_without_a_change_is_400(client_for):
    response = client_for("hq_admin").patch(
        f"{URL}A003/", {"params": {"min_age": 70}}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "参数没有变化" in response.json()["message"]
    assert versions("A003") == [1]


def test_patch_a_builtin_rules_description_is_400(client_for):
    response = client_for("hq_admin").patch(
        f"{URL}A003/", {"description": "改"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["description"] == ["内置规则的描述不能修改"]


def test_patch_with_a_stale_expected_version_is_409(client_for, personas):
    services.do_update_rule(
        Rule.objects.get(code="A003"), {"min_age": "75"}, actor=personas["hq_admin"]
    )
    response = client_for("hq_admin").patch(
        f"{URL}A003/",
        {"params": {"min_age": "80"}, "expected_version": 1},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict" and "v2" in response.json()["message"]
    assert versions("A003") == [1, 2]


def test_patch_with_the_current_expected_version_saves(client_for):
    response = client_for("hq_admin").patch(
        f"{URL}A003/",
        {"params": {"min_age": "80"}, "expected_version": 1},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["version"] == 2


def test_patch_is_403_for_a_manager_and_saves_nothing(client_for):
    response = client_for("manager_a").patch(
        f"{URL}A003/", {"params": {"min_age": "80"}}, content_type="application/json"
    )
    assert response.status_code == 403
    assert versions("A003") == [1]


def test_patch_an_unknown_rule_is_404(client_for):
    response = client_for("hq_admin").patch(
        f"{URL}Z999/", {"params": {"min_age": "80"}}, content_type="application/json"
    )
    assert response.status_code == 404


def test_patch_a_custom_rules_name_and_conditions(client_for, personas):
    rule = services.do_create_custom_rule(
        name="自定义", params={"conditions": _tree()}, actor=personas["hq_admin"]
    )
    tree = _tree(value="退休")
    response = client_for("hq_admin").patch(
        f"{URL}{rule.code}/",
        {"name": "退休客户", "params": {"conditions": tree}},
        content_type="application/json",
    )
    assert response.status_code == 200
    rule.refresh_from_db()
    assert rule.name == "退休客户" and rule.params["conditions"]["items"][0]["value"] == "退休"


# --- enable / disable -------------------------------------------------------------------


def test_disable_then_enable_audited(client_for, personas):
    client = client_for("hq_admin")
    response = client.post(f"{URL}A005/disable/")
    assert response.status_code == 200 and response.json()["enabled"] is False
    assert not Rule.objects.get(code="A005").enabled
    assert audited("rule_disable").actor_label == "api"
    assert client.post(f"{URL}A005/enable/").json()["enabled"] is True
    assert Rule.objects.get(code="A005").enabled
    assert audited("rule_enable").user == personas["hq_admin"]


def test_disable_is_403_for_a_manager_and_changes_nothing(client_for):
    assert client_for("manager_a").post(f"{URL}A005/disable/").status_code == 403
    assert Rule.objects.get(code="A005").enabled
    assert not AuditEvent.objects.filter(action="rule_disable").exists()


def test_enable_an_unknown_rule_is_404(client_for):
    assert client_for("hq_admin").post(f"{URL}Z999/enable/").status_code == 404


# --- custom rules -----------------------------------------------------------------------


def _tree(value="无业"):
    return {"op": "and", "items": [{"field": "occupation", "cmp": "eq", "value": value}]}


def test_create_custom_rule(client_for, personas):
    response = client_for("hq_admin").post(
        URL,
        {
            "name": "无业客户",
            "description": "自定义",
            "params": {"customer_types": ["natural"], "conditions": _tree()},
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["code"] == "B001" and body["kind"] == "custom" and body["version"] == 1
    rule = Rule.objects.get(code="B001")
    assert rule.params["customer_types"] == ["natural"]
    assert rule.params["conditions"] == _tree()
    event = audited("rule_create")
    assert event.actor_label == "api" and event.user == personas["hq_admin"]


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ({"params": {"conditions": _tree()}}, "name", "该字段是必填项"),
        ({"name": "X", "params": {"conditions": {"op": "xor"}}}, "conditions", "并且/或者"),
        ({"name": "X", "params": {}}, "conditions", ""),
        ({"name": "大额亏损客户", "params": {"conditions": _tree()}}, "name", "已有同名规则"),
    ],
)
def test_create_custom_rule_bad_body_is_400_in_chinese(client_for, body, field, text):
    response = client_for("hq_admin").post(URL, body, content_type="application/json")
    assert response.status_code == 400
    message = response.json()["errors"][field][0]
    assert text in message and any("\u4e00" <= ch <= "\u9fff" for ch in message)
    assert not Rule.objects.filter(kind="custom").exists()


def test_create_custom_rule_is_403_for_a_manager(client_for):
    response = client_for("manager_a").post(
        URL, {"name": "X", "params": {"conditions": _tree()}}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Rule.objects.filter(kind="custom").exists()
