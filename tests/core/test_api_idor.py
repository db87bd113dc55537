"""Another branch's ids in request bodies, filters and exports are refused (issue 20's
IDOR cells): a manager of 上海 (010201) names 北京's objects (the world is in 010101) and
nothing is written, nothing of 北京 is shown."""

from __future__ import annotations

import pytest

from huifang.core.models import AuditEvent


@pytest.fixture
def world(personas, branches):
    from tests.api_world import build

    return build(personas, branches)


@pytest.fixture
def shanghai(client, branches, world):
    from huifang.org.models import Role
    from huifang.org.services import do_create_user
    from tests.conftest import PASSWORD

    manager = do_create_user(
        username="manager_b", password=PASSWORD, branch=branches["b"], role=Role.BRANCH_MANAGER
    )
    client.force_login(manager)
    return client


BODIES = [
    (
        "/api/v1/callback-records/",
        lambda w: {
            "task": w["task"].pk,
            "status": "成功",
            "method": "电话",
            "called_at": "2026-01-05T10:00:00+08:00",
        },
    ),
    ("/api/v1/callback-tasks/distribute/", lambda w: {"tasks": [w["task"].pk]}),
    ("/api/v1/branch-feedback/", lambda w: {"task": w["task"].pk, "message": "越权"}),
    ("/api/v1/sms-messages/", lambda w: {"task": w["task"].pk, "template": w["template"].pk}),
    ("/api/v1/survey-invitations/", lambda w: {"channel": "h5", "tasks": [w["task"].pk]}),
    (
        "/api/v1/measures/",
        lambda w: {"task": w["task"].pk, "measure_type": "限制开仓", "reason": "越权"},
    ),
]


@pytest.mark.parametrize(("url", "body"), BODIES, ids=[u for u, _ in BODIES])
def test_another_branchs_ids_in_a_body_are_refused_and_nothing_is_written(
    shanghai, world, url, body
):
    before = AuditEvent.objects.count()
    response = shanghai.post(url, body(world), content_type="application/json")
    assert response.status_code in (400, 403, 404), response.content[:300]
    assert AuditEvent.objects.count() == before


ACTIONS = [
    lambda w: f"/api/v1/callback-tasks/{w['task'].pk}/assign/",
    lambda w: f"/api/v1/callback-tasks/{w['task'].pk}/cancel/",
    lambda w: f"/api/v1/callback-tasks/{w['task'].pk}/close-unreachable/",
]


@pytest.mark.parametrize("url", ACTIONS, ids=["assign", "cancel", "close"])
def test_another_branchs_task_in_an_action_is_404_and_nothing_is_written(shanghai, world, url):
    before = AuditEvent.objects.count()
    body = {"assignee": "agent_b", "reason": "越权"}
    response = shanghai.post(url(world), body, content_type="application/json")
    assert response.status_code == 404, response.content[:300]
    assert AuditEvent.objects.count() == before


def test_another_branchs_record_history_is_404(shanghai, world):
    response = shanghai.get(f"/api/v1/callback-records/{world['record'].pk}/history/")
    assert response.status_code == 404


FILTERS = [
    ("/api/v1/callback-tasks/?branch={a1}", "results"),
    ("/api/v1/callback-records/?task={task}", "results"),
    ("/api/v1/customers/?q={code}", "results"),
    ("/api/v1/screening-hits/?run={run}", "results"),
]


@pytest.mark.parametrize(("url", "key"), FILTERS, ids=[u for u, _ in FILTERS])
def test_filtering_on_another_branchs_ids_shows_nothing_of_it(shanghai, world, branches, url, key):
    url = url.format(
        a1=branches["a1"].pk,
        task=world["task"].pk,
        code=world["customer"].investor_code,
        run=world["run"].pk,
    )
    response = shanghai.get(url)
    if response.status_code == 400:  # an id outside the caller's choices: refused
        return
    assert response.status_code == 200
    assert response.json()[key] == []


EXPORTS = [
    "/api/v1/callback-tasks/export/?file_format=csv&branch={a1}",
    "/api/v1/callback-records/export/?file_format=csv&task={task}",
    "/api/v1/customers/export/?file_format=csv&q={code}",
]


@pytest.mark.parametrize("url", EXPORTS)
def test_an_export_filtered_on_another_branch_holds_no_row_of_it(shanghai, world, branches, url):
    url = url.format(
        a1=branches["a1"].pk, task=world["task"].pk, code=world["customer"].investor_code
    )
    response = shanghai.get(url)
    if response.status_code == 400:
        return
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert world["customer"].investor_code.encode() not in body
    assert len(body.decode("utf-8-sig").strip().splitlines()) == 1  # the header alone
