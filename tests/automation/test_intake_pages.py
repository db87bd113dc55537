"""The 自动导入 page: HQ and auditors see the drop folders and the runs; branch managers and
agents are refused; the menu entry sits beside 回访计划."""

from __future__ import annotations

import pytest
from django.urls import reverse

from huifang.automation import intake
from huifang.core import audit

from .test_intake import BRANCH_HEADER, drop, root  # noqa: F401  (fixtures)

URL = reverse("automation:intake")


@pytest.mark.parametrize("persona", ["hq_admin", "auditor"])
def test_hq_and_auditors_see_the_folders_and_the_runs(persona, client_for, root, drop):  # noqa: F811
    drop("branches", "20251231.csv", [BRANCH_HEADER, "010102,期货北京第二营业部,0101"])
    with audit.acting(label="job:自动导入"):
        [run] = intake.run_pass()

    response = client_for(persona).get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert str(root) in page and str(root / "daily") in page and "failed/" in page
    assert f'data-run="{run.pk}"' in page and "20251231.csv" in page and "已导入" in page
    assert reverse("imports:record_detail", args=[run.import_record_id]) in page
    assert "branches/done/20251231.csv" in page


def test_the_page_says_when_intake_is_off(client_for, settings):
    settings.INTAKE_DIR = None

    response = client_for("hq_admin").get(URL)

    assert 'id="intake-off"' in response.content.decode()


@pytest.mark.parametrize("persona", ["agent_a", "manager_a"])
def test_agents_and_managers_are_refused(persona, client_for, root):  # noqa: F811
    assert client_for(persona).get(URL).status_code == 403


def test_the_runs_export(client_for, root, drop):  # noqa: F811
    drop("branches", "a.csv", [BRANCH_HEADER, "010102,期货北京第二营业部,0101"])
    intake.run_pass()

    response = client_for("auditor").get(URL, {"_export": "csv"})

    assert response.status_code == 200
    assert "a.csv" in b"".join(response.streaming_content).decode("utf-8-sig")


def test_the_menu_shows_it_beside_the_plans(client_for):
    assert URL in client_for("hq_admin").get(reverse("automation:plan_list")).content.decode()
    assert URL not in client_for("agent_a").get("/").content.decode()
