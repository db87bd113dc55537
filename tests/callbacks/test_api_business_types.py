"""``/api/v1/business-types/``: read by everyone who sees the callback list; POST and PATCH
by HQ through the page's form and ``do_save_business_type``, audited."""

from __future__ import annotations

import pytest

from huifang.callbacks.models import BusinessType
from huifang.core.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/business-types/"


def events(action: str):
    return AuditEvent.objects.filter(object_type="callbacks.businesstype", action=action)


def test_hq_creates_a_business_type_with_the_pages_defaults(api_for, personas):
    response = api_for("hq_admin").post(
        URL, {"name": "大额亏损回访", "deadline_days": 10}, format="json"
    )
    assert response.status_code == 201, response.json()
    created = BusinessType.objects.get(name="大额亏损回访")
    assert response.json()["id"] == created.pk
    assert (created.deadline_days, created.max_unanswered_attempts) == (10, 3)
    event = events("create").get(object_id=str(created.pk))
    assert (event.user, event.actor_label) == (personas["hq_admin"], "api")


def test_hq_patches_only_what_it_sends(api_for, annual, personas):
    days = annual.deadline_days
    response = api_for("hq_admin").patch(
        f"{URL}{annual.pk}/", {"max_unanswered_attempts": 5}, format="json"
    )
    assert response.status_code == 200, response.json()
    annual.refresh_from_db()
    assert (annual.max_unanswered_attempts, annual.deadline_days) == (5, days)
    event = events("change").get(object_id=str(annual.pk))
    assert event.after == {"max_unanswered_attempts": 5} and event.actor_label == "api"


def test_a_branch_manager_may_not_create_or_change(api_for, annual):
    client = api_for("manager_a")
    assert client.post(URL, {"name": "新类型"}, format="json").status_code == 403
    response = client.patch(f"{URL}{annual.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 403
    annual.refresh_from_db()
    assert annual.is_active and not BusinessType.objects.filter(name="新类型").exists()
    assert not events("create").exists() and not events("change").exists()


def test_patching_an_unknown_type_is_404(api_for):
    assert api_for("hq_admin").patch(f"{URL}999999/", {"is_active": False}).status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"name": "生日规则", "deadline_rule": "birthday_month_end", "event_age": 0},
            "event_age",
            "按生日规则时请填写事件年龄",
        ),
        ({"name": "天数", "deadline_days": 300}, "deadline_days", "交易日数应在 1–250 之间"),
        ({"description": "无名"}, "name", "该字段是必填项。"),
    ],
)
def test_a_bad_body_is_400_with_the_pages_messages(api_for, body, field, message):
    count = BusinessType.objects.count()
    response = api_for("hq_admin").post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][field] == [message]
    assert BusinessType.objects.count() == count and not events("create").exists()


def test_put_and_delete_are_not_offered(api_for, annual):
    client = api_for("hq_admin")
    assert client.put(f"{URL}{annual.pk}/", {"name": "x"}, format="json").status_code == 405
    assert client.delete(f"{URL}{annual.pk}/").status_code in (403, 405)
    assert BusinessType.objects.filter(pk=annual.pk, name=annual.name).exists()


def test_the_list_uses_the_pages_filter(api_for, annual):
    BusinessType.objects.filter(pk=annual.pk).update(is_active=False)
    rows = api_for("agent_a").get(URL, {"is_active": "false"}).json()["results"]
    assert [row["name"] for row in rows] == [annual.name]
