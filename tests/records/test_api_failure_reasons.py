"""``/api/v1/failure-reasons/``: the dictionary for everyone who reads records; POST and
PATCH by HQ through the page's form and ``do_save_failure_reason``, audited."""

from __future__ import annotations

import pytest

from huifang.callbacks.records.models import FailureReason
from huifang.core.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/failure-reasons/"


def events(action: str):
    return AuditEvent.objects.filter(object_type="records.failurereason", action=action)


def test_everyone_reading_records_lists_the_dictionary(api_for):
    for name in ("agent_a", "manager_a", "auditor"):
        rows = api_for(name).get(URL).json()["results"]
        assert "占线" in [row["name"] for row in rows]


def test_the_list_uses_the_pages_filter(api_for, reason):
    FailureReason.objects.filter(name="占线").update(is_active=False)
    rows = api_for("agent_a").get(URL, {"is_active": "false"}).json()["results"]
    assert [row["name"] for row in rows] == ["占线"]


def test_hq_adds_a_reason(api_for, personas):
    response = api_for("hq_admin").post(URL, {"name": "号码停机", "is_final": True}, format="json")
    assert response.status_code == 201, response.json()
    created = FailureReason.objects.get(name="号码停机")
    assert response.json()["id"] == created.pk and created.is_final and created.is_active
    event = events("create").get(object_id=str(created.pk))
    assert (event.user, event.actor_label) == (personas["hq_admin"], "api")


def test_hq_patches_a_reason(api_for, reason, personas):
    busy = reason("占线")
    flag = busy.counts_as_unanswered
    response = api_for("hq_admin").patch(
        f"{URL}{busy.pk}/", {"counts_as_unanswered": not flag}, format="json"
    )
    assert response.status_code == 200, response.json()
    busy.refresh_from_db()
    assert busy.counts_as_unanswered is (not flag) and busy.name == "占线"
    event = events("change").get(object_id=str(busy.pk))
    assert event.after == {"counts_as_unanswered": not flag} and event.actor_label == "api"


def test_a_branch_manager_may_not_maintain_the_dictionary(api_for, reason):
    client = api_for("manager_a")
    assert client.post(URL, {"name": "新原因"}, format="json").status_code == 403
    busy = reason("占线")
    assert client.patch(f"{URL}{busy.pk}/", {"is_active": False}, format="json").status_code == 403
    busy.refresh_from_db()
    assert busy.is_active and not FailureReason.objects.filter(name="新原因").exists()
    assert not events("create").exists() and not events("change").exists()


def test_patching_an_unknown_reason_is_404(api_for):
    assert api_for("hq_admin").patch(f"{URL}999999/", {"is_active": False}).status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [({}, "该字段是必填项。"), ({"name": "占线"}, "具有 失败原因 的 回访失败原因 已存在。")],
)
def test_a_bad_body_is_400_with_the_pages_messages(api_for, body, message):
    count = FailureReason.objects.count()
    response = api_for("hq_admin").post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["name"] == [message]
    assert FailureReason.objects.count() == count and not events("create").exists()
