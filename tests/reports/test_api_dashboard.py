"""``/api/v1/dashboard/`` and ``/api/v1/compliance/``: the 汇总统计 page's figures (those
``huifang report progress`` prints), the compliance checks and their findings, with the
pages' filters and scope; 403 without the right, 400 with Chinese errors by field."""

from __future__ import annotations

import pytest

from huifang.core.models import AuditEvent
from huifang.reports import compliance, figures

pytestmark = pytest.mark.django_db

DASHBOARD = "/api/v1/dashboard/"
COMPLIANCE = "/api/v1/compliance/"


@pytest.fixture
def nobody(client_for, db):
    """A logged-in user with no role (no permission at all)."""
    from huifang.org.models import User

    client = client_for("agent_a")
    client.force_login(User.objects.create_user("nobody", password="x-Huifang-2026"))
    return client


def test_the_dashboard_gives_the_report_progress_figures(world, client_for, personas):
    answer = client_for("hq_admin").get(DASHBOARD)
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"]["figures"]["total"] == 7
    expected = figures.progress_rows(personas["hq_admin"], figures.Filters())
    got = [
        [r["code"]]
        + [r["figures"][key] for key, _, _ in figures.TASK_COLUMNS]
        + [
            figures.rate_text(None if v is None else figures.Decimal(v))
            for v in (r["completion_rate"], r["success_rate"])
        ]
        for r in body["by_branch"]
    ]
    assert got == expected
    assert body["records"]["channels"]
    assert [c["name"] for c in body["compliance"]] == list(compliance.REGISTRY)


def test_a_branch_user_sees_only_their_branches(world, client_for):
    body = client_for("manager_a").get(DASHBOARD).json()
    assert body["total"]["figures"]["total"] == 5
    assert {r["code"] for r in body["by_branch"]} <= {"0101", "010101"}


def test_the_filters_are_the_pages(world, client_for):
    client = client_for("hq_admin")
    body = client.get(DASHBOARD, {"batch": world.other.number}).json()
    assert body["total"]["figures"]["total"] == 2
    assert body["filters"]["batch"] == world.other.number
    assert body["burndown"]["batch"] == world.other.number
    assert body["burndown"]["open_now"] == 1
    by_branch = client.get(DASHBOARD, {"branch": "010101"}).json()
    assert by_branch["total"]["figures"]["total"] == 5
    assert by_branch["filters"]["branch"] == "010101"


def test_an_unknown_batch_is_a_400_in_chinese(world, client_for):
    answer = client_for("hq_admin").get(DASHBOARD, {"batch": "9999"})
    assert answer.status_code == 400
    assert answer.json()["errors"]["batch"] == ["批次号“9999”不存在"]


def test_a_reversed_period_is_a_400(world, client_for):
    answer = client_for("hq_admin").get(
        DASHBOARD, {"date_from": "2026-03-31", "date_to": "2026-03-01"}
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["non_field_errors"] == ["统计期间的开始日期不能晚于结束日期"]


def test_a_branch_out_of_scope_is_refused_as_a_filter(world, client_for):
    answer = client_for("manager_a").get(DASHBOARD, {"branch": "0102"})
    assert answer.status_code == 400
    assert "branch" in answer.json()["errors"]


def test_the_dashboard_needs_the_right_to_see_tasks(world, nobody):
    assert nobody.get(DASHBOARD).status_code == 403


# -- compliance ------------------------------------------------------------------------------


def test_the_checks_with_their_counts(world, client_for, personas):
    answer = client_for("hq_admin").get(COMPLIANCE)
    assert answer.status_code == 200
    expected = {c["name"]: c["count"] for c in compliance.counts(personas["hq_admin"])}
    assert {c["name"]: c["count"] for c in answer.json()} == expected
    assert all(c["description"] for c in answer.json())


def test_one_checks_findings_are_scoped(world, client_for):
    hq = client_for("hq_admin").get(f"{COMPLIANCE}overdue_tasks/").json()
    assert {f["task"] for f in hq["results"]} == {world.a_late.pk, world.b_late.pk}
    assert hq["count"] == 2
    manager = client_for("manager_a").get(f"{COMPLIANCE}overdue_tasks/").json()
    assert [f["task"] for f in manager["results"]] == [world.a_late.pk]
    assert manager["results"][0]["key"] == f"overdue_tasks:{world.a_late.pk}"


def test_findings_take_the_pages_filters(world, client_for):
    client = client_for("hq_admin")
    shanghai = client.get(f"{COMPLIANCE}overdue_tasks/", {"branch": "0102"}).json()
    assert [f["task"] for f in shanghai["results"]] == [world.b_late.pk]
    code = world.a_late.customer.investor_code
    by_code = client.get(f"{COMPLIANCE}overdue_tasks/", {"q": code}).json()
    assert [f["investor_code"] for f in by_code["results"]] == [code]


def test_an_unknown_check_is_404(world, client_for):
    answer = client_for("hq_admin").get(f"{COMPLIANCE}no_such_check/")
    assert answer.status_code == 404
    assert answer.json()["message"] == "没有该检查项"


def test_a_reversed_period_of_findings_is_400(world, client_for):
    answer = client_for("hq_admin").get(
        f"{COMPLIANCE}overdue_tasks/", {"start": "2026-03-31", "end": "2026-03-01"}
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["non_field_errors"] == ["期间的开始日期不能晚于结束日期"]


def test_another_branch_as_a_filter_is_400(world, client_for):
    answer = client_for("manager_a").get(f"{COMPLIANCE}overdue_tasks/", {"branch": "0102"})
    assert answer.status_code == 400
    assert "branch" in answer.json()["errors"]


def test_findings_export_is_audited(world, client_for):
    answer = client_for("manager_a").get(
        f"{COMPLIANCE}overdue_tasks/export/", {"file_format": "csv"}
    )
    assert answer.status_code == 200
    body = b"".join(answer.streaming_content if answer.streaming else [answer.content])
    text = body.decode("utf-8-sig")
    assert world.a_late.customer.investor_code in text
    assert world.b_late.customer.investor_code not in text
    assert AuditEvent.objects.filter(action="export", actor_label="api").count() == 1


def test_findings_export_has_the_check_pages_columns(world, client_for):
    """The API's export is the check page's: 投资者名称 and 部门 beside the code."""
    query = {"q": world.a_late.customer.investor_code}
    api = client_for("manager_a").get(
        f"{COMPLIANCE}overdue_tasks/export/", {**query, "file_format": "csv"}
    )
    page = client_for("manager_a").get(
        "/reports/compliance/overdue_tasks/", {**query, "_export": "csv"}
    )
    rows = [b"".join(r.streaming_content).decode("utf-8-sig").splitlines() for r in (api, page)]
    assert rows[0] == rows[1]
    assert rows[0][0] == "检查项,投资者代码,投资者名称,部门,任务,说明"


def test_a_bad_export_format_is_400(world, client_for):
    answer = client_for("hq_admin").get(
        f"{COMPLIANCE}overdue_tasks/export/", {"file_format": "pdf"}
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["file_format"] == ["文件格式须为 xlsx 或 csv"]
    assert not AuditEvent.objects.filter(action="export").exists()


def test_compliance_needs_the_right_to_see_tasks(world, nobody):
    assert nobody.get(COMPLIANCE).status_code == 403
    assert nobody.get(f"{COMPLIANCE}overdue_tasks/").status_code == 403
