"""``/api/v1/survey-responses/``: scoped like the results page, answers on the detail,
export of all answers of a version (audited), by persona."""

from __future__ import annotations

import csv
import io

import pytest

from huifang.core.models import AuditEvent
from tests.surveys import results_world

URL = "/api/v1/survey-responses/"


@pytest.fixture
def world(branches, published):
    return results_world.build(branches)


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_list_is_scoped_to_the_branch(world, api_for):
    rows = api_for("agent_a").get(URL).json()["results"]
    assert {r["id"] for r in rows} == {world.normal.pk, world.abnormal.pk}
    assert len(api_for("hq_admin").get(URL).json()["results"]) == 3


def test_list_filters_like_the_results_page(world, api_for, published):
    client = api_for("hq_admin")
    rows = client.get(URL, {"batch": world.batch_b.number}).json()["results"]
    assert [r["id"] for r in rows] == [world.other_branch.pk]
    rows = client.get(URL, {"version": published.pk, "channel": "apphall"}).json()["results"]
    assert rows == []


def test_detail_has_the_answers_with_abnormal_marked(world, api_for):
    body = api_for("agent_a").get(f"{URL}{world.abnormal.pk}/").json()
    assert body["abnormal"] is True
    assert body["abnormal_questions"] == ["第 1 题 您是本人吗？"]
    first = body["answers"][0]
    assert (first["answer"], first["note"], first["abnormal"]) == ("不是本人", "家人代开", True)
    assert body["investor_code"] == world.abnormal.customer.investor_code
    assert "mobile" not in body


def test_detail_out_of_scope_is_404(world, api_for):
    assert api_for("agent_a").get(f"{URL}{world.other_branch.pk}/").status_code == 404


def test_a_role_without_the_permission_is_403(world, personas, api_for):
    from django.contrib.auth.models import Group

    user = personas["agent_a"]
    user.groups.set(Group.objects.none())
    assert api_for("agent_a").get(URL).status_code == 403


def test_export_writes_all_answers_of_the_version_audited(world, api_for, personas, published):
    response = api_for("manager_a").get(
        f"{URL}export/", {"version": published.pk, "file_format": "csv"}
    )
    assert response.status_code == 200
    header, *rows = _csv(response)
    assert header[:4] == ["问卷编号", "问卷名称", "版本", "邀请编号"]
    assert len(rows) == 2  # the branch's own two responses only
    assert AuditEvent.objects.filter(
        action="export", user=personas["manager_a"], actor_label="api"
    ).exists()


def test_export_without_a_version_is_400(world, api_for):
    response = api_for("hq_admin").get(f"{URL}export/", {"file_format": "csv"})
    assert response.status_code == 400
    assert response.json()["errors"]["version"] == ["请指定已发布的问卷版本编号"]
    assert not AuditEvent.objects.filter(action="export").exists()
