"""``POST /api/v1/rules/preview/``: a custom rule's hits as of a date before it is saved
(the custom rule page's 预览命中数), through ``rules.preview`` as the page."""

from __future__ import annotations

import datetime

from django.urls import reverse

from huifang.core.models import AuditEvent
from huifang.rules.models import Rule, ScreeningRun

from .conftest import daily, refresh

D = datetime.date
URL = "/api/v1/rules/preview/"
JOBLESS = {"op": "and", "items": [{"field": "occupation", "cmp": "eq", "value": "无业"}]}


def _post(client, body):
    return client.post(URL, body, content_type="application/json")


def test_preview_counts_the_hits_and_lists_the_first_by_investor_code(client_for, make):
    make(investor_code="00000002", occupation="无业")
    make(investor_code="00000001", occupation="无业", name="张三")
    make(investor_code="00000003", occupation="教师")
    response = _post(
        client_for("hq_admin"), {"params": {"conditions": JOBLESS}, "as_of": "2025-12-31"}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["as_of"], body["count"]) == ("2025-12-31", 2)
    assert [h["investor_code"] for h in body["sample"]] == ["00000001", "00000002"]
    first = body["sample"][0]
    assert (first["name"], first["branch_code"]) == ("张三", "010101")
    assert "无业" in body["meaning"]


def test_the_sample_carries_the_evidence_of_period_figures(client_for, make):
    loser = make(investor_code="00000001")
    daily(loser, D(2025, 6, 2), prev="100000", close="-60000", vol=12)
    refresh()
    tree = {"op": "and", "items": [{"field": "loss", "cmp": "ge", "value": "50000"}]}
    body = _post(
        client_for("hq_admin"), {"params": {"conditions": tree}, "as_of": "2025-12-31"}
    ).json()
    values = {v["key"]: v["value"] for v in body["sample"][0]["values"]}
    assert (values["loss"], values["volume"]) == ("60000.00", "12")
    assert "期间亏损金额 60,000.00 元" in body["sample"][0]["summary"]


def test_sample_size_limits_the_sample_not_the_count(client_for, make):
    for _ in range(3):
        make(occupation="无业")
    body = _post(
        client_for("hq_admin"), {"params": {"conditions": JOBLESS}, "sample_size": 1}
    ).json()
    assert (body["count"], len(body["sample"])) == (3, 1)


def test_a_sample_size_of_zero_still_counts(client_for, make):
    make(occupation="无业")
    body = _post(
        client_for("hq_admin"), {"params": {"conditions": JOBLESS}, "sample_size": 0}
    ).json()
    assert (body["count"], body["sample"]) == (1, [])


def test_preview_stores_nothing_and_audits_nothing(client_for, make):
    make(occupation="无业")
    client = client_for("hq_admin")
    before = AuditEvent.objects.exclude(action="login").count()
    _post(client, {"name": "无业客户", "params": {"conditions": JOBLESS}})
    assert not Rule.objects.filter(kind="custom").exists()
    assert not ScreeningRun.objects.exists()
    assert AuditEvent.objects.exclude(action="login").count() == before


def test_preview_counts_only_the_callers_branches(personas, branches, client, make):
    from huifang.org.models import Role
    from huifang.org.services import do_create_user

    make(occupation="无业")  # 北京
    make(occupation="无业", branch=branches["b1"], investor_code="00000099")  # 上海
    shanghai_hq = do_create_user(
        username="hq_shanghai", password=None, branch=branches["b"], role=Role.HQ_ADMIN
    )
    client.force_login(shanghai_hq)
    body = _post(client, {"params": {"conditions": JOBLESS}}).json()
    assert body["count"] == 1
    assert [h["investor_code"] for h in body["sample"]] == ["00000099"]


def test_bad_conditions_are_400_by_parameter_in_chinese(client_for):
    bad = {"op": "and", "items": [{"field": "age", "cmp": "ge", "value": "老"}]}
    response = _post(client_for("hq_admin"), {"params": {"conditions": bad}})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "整数" in body["errors"]["conditions"][0]


def test_a_reference_date_out_of_range_is_400(client_for):
    response = _post(
        client_for("hq_admin"), {"params": {"conditions": JOBLESS}, "as_of": "1800-01-01"}
    )
    assert response.status_code == 400
    assert "日期须在" in response.json()["errors"]["as_of"][0]


def test_preview_needs_the_permission_to_create_a_rule(client_for):
    response = _post(client_for("manager_a"), {"params": {"conditions": JOBLESS}})
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_the_page_and_the_api_give_the_same_preview(client_for, make):
    make(investor_code="00000001", occupation="无业", name="张三")
    client = client_for("hq_admin")
    page = client.post(
        reverse("rules:custom_preview"),
        {"name": "", "op": "and", "group_op": "or"}
        | {"c0_field": "occupation", "c0_cmp": "eq", "c0_value": "无业"},
    ).content.decode()
    api = _post(client, {"params": {"conditions": JOBLESS}}).json()
    assert f"命中 <strong>{api['count']}</strong>" in page
    assert "00000001" in page and "张三" in page


def _page_preview(client, **extra):
    data = {"name": "", "op": "and", "group_op": "or", "c0_field": "age", "c0_cmp": "ge"}
    return client.post(reverse("rules:custom_preview"), {"c0_value": "80", **data, **extra})


def test_the_page_previews_on_the_reference_date_chosen(client_for, make):
    make(birth_date=D(1945, 6, 1))  # 80 on 2025-06-01, 79 the day before
    client = client_for("hq_admin")
    before = _page_preview(client, preview_as_of="2025-05-31").content.decode()
    on = _page_preview(client, preview_as_of="2025-06-01").content.decode()
    assert "以 2025-05-31 为基准日，命中 <strong>0</strong>" in before
    assert "以 2025-06-01 为基准日，命中 <strong>1</strong>" in on


def test_the_page_refuses_a_reference_date_out_of_range_in_chinese(client_for):
    page = _page_preview(client_for("hq_admin"), preview_as_of="1800-01-01").content.decode()
    assert "日期须在" in page and "命中 <strong>" not in page
