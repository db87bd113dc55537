"""``/api/v1/distribution-settings/`` and ``/api/v1/agent-absences/``: 分配设置 through the
API, with the page's checks (managers and HQ in their scope; the auditor only reads)."""

from __future__ import annotations

import datetime

import pytest

from huifang.callbacks.models import AgentAbsence, BranchDistribution
from huifang.core.models import AuditEvent

pytestmark = pytest.mark.django_db

SETTINGS = "/api/v1/distribution-settings/"
ABSENCES = "/api/v1/agent-absences/"


def test_a_manager_lists_the_modes_of_their_branches(api_for, branches):
    BranchDistribution.objects.create(branch=branches["a1"], mode="round_robin")

    rows = api_for("manager_a").get(SETTINGS).json()["results"]

    assert [(r["branch"], r["mode"]) for r in rows] == [
        ("0101", "least_loaded"),
        ("010101", "round_robin"),
    ]
    assert rows[1]["mode_label"] == "轮流分配"


def test_a_manager_patches_their_office_s_mode_audited_on_the_api_channel(api_for, branches):
    response = api_for("manager_a").patch(
        f"{SETTINGS}010101/", {"mode": "round_robin"}, format="json"
    )

    assert response.status_code == 200 and response.json()["mode"] == "round_robin"
    assert BranchDistribution.objects.get(branch=branches["a1"]).mode == "round_robin"
    assert AuditEvent.objects.get(action="distribution_mode").actor_label == "api"


def test_another_branch_s_mode_is_out_of_scope(api_for):
    response = api_for("manager_a").patch(
        f"{SETTINGS}010201/", {"mode": "round_robin"}, format="json"
    )

    assert response.status_code == 404
    assert not BranchDistribution.objects.exists()


def test_an_unknown_mode_is_a_400_in_chinese(api_for):
    response = api_for("manager_a").patch(f"{SETTINGS}010101/", {"mode": "random"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["mode"]
    assert not BranchDistribution.objects.exists()


def test_the_auditor_cannot_change_a_mode(api_for):
    response = api_for("auditor").patch(
        f"{SETTINGS}010101/", {"mode": "round_robin"}, format="json"
    )

    assert response.status_code == 403
    assert not BranchDistribution.objects.exists()


def test_a_manager_registers_and_ends_an_absence(api_for, personas):
    day = datetime.date(2030, 5, 6)
    client = api_for("manager_a")

    created = client.post(
        ABSENCES,
        {"agent": "agent_a", "starts_on": "2030-05-06", "ends_on": "2030-05-08", "reason": "年假"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["agent_name"] == "agent_a"
    assert client.get(ABSENCES, {"on": "2030-05-07"}).json()["count"] == 1

    ended = client.delete(f"{ABSENCES}{created.json()['id']}/")

    assert ended.status_code == 204
    assert not AgentAbsence.objects.filter(starts_on=day).exists()
    assert AuditEvent.objects.filter(action__in=["absence_add", "absence_end"]).count() == 2


def test_an_absence_for_another_branch_s_agent_is_refused(api_for):
    response = api_for("manager_a").post(
        ABSENCES,
        {"agent": "agent_b", "starts_on": "2030-05-06", "ends_on": "2030-05-06"},
        format="json",
    )

    assert response.status_code == 400
    assert "不在您的权限范围内" in response.json()["errors"]["agent"][0]
    assert not AgentAbsence.objects.exists()


def test_an_absence_ending_before_it_starts_is_a_400(api_for):
    response = api_for("manager_a").post(
        ABSENCES,
        {"agent": "agent_a", "starts_on": "2030-05-06", "ends_on": "2030-05-05"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"]["ends_on"] == ["结束日期不能早于开始日期"]


def test_an_agent_cannot_register_an_absence(api_for):
    response = api_for("agent_a").post(
        ABSENCES,
        {"agent": "agent_a", "starts_on": "2030-05-06", "ends_on": "2030-05-06"},
        format="json",
    )

    assert response.status_code == 403
    assert not AgentAbsence.objects.exists()
