"""``/api/v1/sms-templates/``: read by everyone who sends; written by HQ through
``do_save_template`` with the template page's checks."""

from __future__ import annotations

import pytest

from huifang.channels.sms.models import SmsTemplate
from huifang.core.models import AuditEvent

URL = "/api/v1/sms-templates/"
NEW = {
    "code": "NOTICE",
    "name": "通知",
    "signature": "【惠访期货】",
    "text": "{客户名称}您好，请留意回访来电。",
}


def test_agent_reads_templates(template, api_for):
    rows = api_for("agent_a").get(URL).json()["results"]
    assert [(r["code"], r["enabled"]) for r in rows] == [("REMIND", True)]
    assert api_for("agent_a").get(f"{URL}{template.pk}/").json()["signature"] == "【惠访期货】"


def test_unknown_template_is_404(api_for, db):
    assert api_for("agent_a").get(f"{URL}999999/").status_code == 404


def test_hq_creates_a_template(api_for, personas, db):
    response = api_for("hq_admin").post(URL, NEW, format="json")
    assert response.status_code == 201, response.json()
    assert SmsTemplate.objects.get(code="NOTICE").enabled is True
    assert AuditEvent.objects.filter(
        action="sms_template_create", user=personas["hq_admin"], actor_label="api"
    ).exists()


def test_hq_patches_a_template(template, api_for, personas):
    response = api_for("hq_admin").patch(f"{URL}{template.pk}/", {"enabled": False}, format="json")
    assert response.status_code == 200, response.json()
    template.refresh_from_db()
    assert template.enabled is False
    assert AuditEvent.objects.filter(
        action="sms_template_update", user=personas["hq_admin"], actor_label="api"
    ).exists()


def test_manager_cannot_write_templates(template, api_for):
    assert api_for("manager_a").post(URL, NEW, format="json").status_code == 403
    response = api_for("manager_a").patch(f"{URL}{template.pk}/", {"name": "x"}, format="json")
    assert response.status_code == 403
    template.refresh_from_db()
    assert template.name == "回访提醒" and not SmsTemplate.objects.filter(code="NOTICE").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"signature": "惠访期货"}, "signature", "签名须写成【签名】的形式"),
        ({"code": "REMIND"}, "code", "模板编号 REMIND 已存在"),
        ({"name": ""}, "name", "该字段不能为空。"),
    ],
)
def test_bad_template_is_400_nothing_written(template, api_for, changes, field, message):
    response = api_for("hq_admin").post(URL, {**NEW, **changes}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][field] == [message]
    assert SmsTemplate.objects.count() == 1


def test_unknown_variable_is_refused_on_patch(template, api_for):
    response = api_for("hq_admin").patch(
        f"{URL}{template.pk}/", {"text": "{不存在}您好"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["text"][0].startswith("未知变量：{不存在}")
    template.refresh_from_db()
    assert template.text.startswith("{客户名称}")
