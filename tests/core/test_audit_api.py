"""``/api/v1/audit-events/``: read-only, for HQ and auditors; the audit page's filters, keyset
pages newest first, the page's labelled values (masked as stored), export audited."""

from __future__ import annotations

import pytest

from huifang.core.audit import action_label
from huifang.core.audit_display import source_label, type_label
from huifang.core.models import AuditEvent
from huifang.org import services

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit-events/"


@pytest.fixture
def wang(personas):
    return services.do_create_user(
        username="wang",
        password=None,
        branch=personas["agent_a"].branch,
        role="agent",
        mobile="13812345678",
        actor=personas["hq_admin"],
    )


@pytest.mark.parametrize("persona", ["hq_admin", "auditor"])
def test_hq_and_auditors_read_the_log_newest_first(wang, client_for, persona):
    answer = client_for(persona).get(URL)
    assert answer.status_code == 200
    results = answer.json()["results"]
    expected = list(AuditEvent.objects.order_by("-time", "-id").values_list("pk", flat=True))
    assert [r["id"] for r in results] == expected[: len(results)]


@pytest.mark.parametrize("persona", ["manager_a", "agent_a"])
def test_others_are_refused(wang, client_for, persona):
    assert client_for(persona).get(URL).status_code == 403


def test_values_are_labelled_and_masked_as_the_page_shows_them(wang, client_for):
    answer = client_for("auditor").get(URL, {"object_type": "org.user", "q": "wang"})
    (row,) = answer.json()["results"]
    event = AuditEvent.objects.get(pk=row["id"])
    assert row["action_code"] == "create" and row["action"] == action_label("create")
    assert row["object_type_code"] == "org.user"
    assert row["object_type"] == type_label("org.user")
    assert row["source"] == source_label(event.actor_label)
    assert row["username"] == "hq_admin"
    assert row["after"]["mobile"] == "138****5678"
    assert "138****5678" in row["changes"]
    assert "13812345678" not in answer.content.decode()


def test_the_pages_filters_apply(wang, client_for):
    answer = client_for("hq_admin").get(URL, {"user__username": "hq_admin", "action": "create"})
    assert {r["object_repr"] for r in answer.json()["results"]} == {str(wang)}


def test_a_bad_filter_is_a_400(wang, client_for):
    answer = client_for("hq_admin").get(URL, {"action": "no_such_action"})
    assert answer.status_code == 400
    assert "action" in answer.json()["errors"]


def test_keyset_pages_follow_each_other(wang, client_for):
    client = client_for("hq_admin")
    first = client.get(URL, {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    seen = [r["id"] for r in first["results"] + second["results"]]
    expected = list(AuditEvent.objects.order_by("-time", "-id").values_list("pk", flat=True))
    assert seen == expected[: len(seen)]


def test_an_unknown_event_is_404(wang, client_for):
    assert client_for("hq_admin").get(f"{URL}999999/").status_code == 404


def test_the_log_is_read_only(wang, client_for):
    client = client_for("hq_admin")  # the login is audited: counted from here
    before = AuditEvent.objects.count()
    answer = client.post(URL, {"action": "create"}, content_type="application/json")
    assert answer.status_code in (403, 405)
    assert AuditEvent.objects.count() == before


def test_export_is_itself_audited(wang, client_for):
    answer = client_for("auditor").get(f"{URL}export/", {"file_format": "csv", "q": "wang"})
    assert answer.status_code == 200
    body = b"".join(answer.streaming_content if answer.streaming else [answer.content])
    assert "138****5678" in body.decode("utf-8-sig")
    exported = AuditEvent.objects.get(action="export")
    assert exported.user.username == "auditor" and exported.actor_label == "api"
