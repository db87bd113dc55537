"""``/api/v1/screening-runs/`` and ``/api/v1/screening-hits/``: screening as a job, freeze,
export, what-if against the current parameters and the comparison, hits with evidence."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.utils import timezone

from huifang.core.models import AuditEvent, Job
from huifang.rules import services
from huifang.rules.models import Hit, Rule, RunStatus, ScreeningRun

D = datetime.date
AS_OF = D(2025, 12, 31)
URL = "/api/v1/screening-runs/"


@pytest.fixture
def world(make, branches):
    make(occupation="无业", name="北京客户", birth_date=D(1950, 1, 1))
    make(occupation="无业", name="上海客户", branch=branches["b1"])


@pytest.fixture
def run(world, personas):
    return services.do_run_screening(AS_OF, actor=personas["hq_admin"])


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


# --- list and detail --------------------------------------------------------------------


def test_runs_list_filters_by_status_as_the_page(client_for, run, personas):
    frozen = services.do_run_screening(AS_OF, freeze=True, actor=personas["hq_admin"])
    body = client_for("auditor").get(URL, {"status": "frozen"}).json()
    assert [r["id"] for r in body["results"]] == [frozen.pk]


def test_runs_list_bad_filter_is_400(client_for, run):
    response = client_for("auditor").get(URL, {"status": "whatif"})
    assert response.status_code == 400 and response.json()["errors"]["status"]


def test_run_detail_shows_rule_versions_and_counts(client_for, run):
    body = client_for("manager_a").get(f"{URL}{run.pk}/").json()
    rules = {r["code"]: r for r in body["rules"]}
    assert rules["A005"]["version"] == 1 and rules["A005"]["hit_count"] == 2
    assert body["status"] == "preview" and body["data_warning"] is None


def test_runs_are_403_for_an_agent(client_for, run):
    assert client_for("agent_a").get(f"{URL}{run.pk}/").status_code == 403


# --- POST: a screening job --------------------------------------------------------------


def test_post_starts_a_screening_job_202(client_for, world, personas, run_jobs):
    client = client_for("hq_admin")
    with run_jobs():
        response = post(
            client,
            URL,
            {
                "as_of": "2025-12-31",
                "rules": ["a005", "A003"],
                "overrides": {"a003": {"min_age": "80"}},
                "branch_codes": ["0101"],
            },
        )
    assert response.status_code == 202
    job = Job.objects.get()
    assert response.json()["url"].endswith(f"/api/v1/jobs/{job.pk}/")
    assert response["Location"] == response.json()["url"]
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    run = ScreeningRun.objects.get(pk=job.result["run"])
    assert run.status == RunStatus.PREVIEW and run.branch_codes == ["0101"]
    assert run.counts == {"A003": 0, "A005": 1}
    assert run.run_rules.get(code="A003").params["min_age"] == 80
    started = AuditEvent.objects.get(action="job_start")
    assert started.actor_label == "api" and started.user == personas["hq_admin"]
    assert AuditEvent.objects.get(action="screen").user == personas["hq_admin"]


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ({}, "as_of", "该字段是必填项"),
        ({"as_of": "2025-13-01"}, "as_of", "日期格式错误"),
        ({"as_of": "2025-12-31", "rules": ["Z999"]}, "rules", "没有这些启用的规则：Z999"),
        ({"as_of": "2025-12-31", "branch_codes": ["9999"]}, "branch_codes", "9999"),
        ({"as_of": "2025-12-31", "customer_types": ["alien"]}, "customer_types", "未知客户类型"),
        (
            {"as_of": "2025-12-31", "rules": ["A003"], "overrides": {"A003": {"min_age": "x"}}},
            "non_field_errors",
            "年龄须为 0–150 的整数",
        ),
        (
            {"as_of": "2025-12-31", "rules": ["A003"], "overrides": {"A002": {"x": "1"}}},
            "non_field_errors",
            "临时参数指向未选择的规则",
        ),
    ],
)
def test_post_bad_body_is_400_and_starts_nothing(client_for, personas, body, field, text):
    response = post(client_for("hq_admin"), URL, body)
    assert response.status_code == 400
    assert text in "".join(response.json()["errors"][field])
    assert not Job.objects.exists()


def test_post_a_disabled_rule_is_400(client_for, personas):
    services.do_set_rule_enabled(Rule.objects.get(code="A005"), False, actor=personas["hq_admin"])
    response = post(client_for("hq_admin"), URL, {"as_of": "2025-12-31", "rules": ["A005"]})
    assert response.status_code == 400 and response.json()["errors"]["rules"]


def test_post_is_403_for_a_manager(client_for, world):
    response = post(client_for("manager_a"), URL, {"as_of": "2025-12-31"})
    assert response.status_code == 403
    assert not Job.objects.exists() and not ScreeningRun.objects.exists()


# --- freeze -----------------------------------------------------------------------------


def test_freeze_audited_on_the_api_channel(client_for, run, personas):
    response = post(client_for("hq_admin"), f"{URL}{run.pk}/freeze/")
    assert response.status_code == 200 and response.json()["status"] == "frozen"
    run.refresh_from_db()
    assert run.is_frozen and run.frozen_by == personas["hq_admin"]
    event = AuditEvent.objects.get(action="run_freeze")
    assert event.actor_label == "api" and event.object_id == str(run.pk)


def test_freeze_twice_is_409(client_for, run):
    client = client_for("hq_admin")
    post(client, f"{URL}{run.pk}/freeze/")
    response = post(client, f"{URL}{run.pk}/freeze/")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert AuditEvent.objects.filter(action="run_freeze").count() == 1


def test_freeze_is_403_for_a_manager(client_for, run):
    assert post(client_for("manager_a"), f"{URL}{run.pk}/freeze/").status_code == 403
    run.refresh_from_db()
    assert run.status == RunStatus.PREVIEW


def test_freeze_unknown_run_is_404(client_for, run):
    assert post(client_for("hq_admin"), f"{URL}{run.pk + 99}/freeze/").status_code == 404


def test_freeze_incomplete_data_needs_the_confirmation(client_for, world, personas):
    later = timezone.localdate() + datetime.timedelta(days=30)
    run = services.do_run_screening(later, actor=personas["hq_admin"])
    client = client_for("hq_admin")
    detail = client.get(f"{URL}{run.pk}/").json()
    assert "晚于今天" in detail["data_warning"]
    refused = post(client, f"{URL}{run.pk}/freeze/")
    assert refused.status_code == 400
    assert "不完整" in refused.json()["errors"]["non_field_errors"][0]
    run.refresh_from_db()
    assert run.status == RunStatus.PREVIEW
    confirmed = post(client, f"{URL}{run.pk}/freeze/", {"allow_incomplete": True})
    assert confirmed.status_code == 200 and confirmed.json()["incomplete_confirmed"] is True


def test_freeze_bad_body_is_400(client_for, run):
    response = post(client_for("hq_admin"), f"{URL}{run.pk}/freeze/", {"allow_incomplete": "也许"})
    assert response.status_code == 400 and response.json()["errors"]["allow_incomplete"]
    run.refresh_from_db()
    assert run.status == RunStatus.PREVIEW


# --- export -----------------------------------------------------------------------------


def test_export_is_the_pages_file_scoped_and_audited(client_for, run, personas):
    response = client_for("manager_a").get(f"{URL}{run.pk}/export/", {"file_format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header, data = rows[0], rows[1:]
    assert "筛选理由" in header and "A005 职业" in header
    assert [r[header.index("投资者名称")] for r in data] == ["北京客户"]
    event = AuditEvent.objects.get(action="export")
    assert (event.object_type, event.object_id) == ("rules.screeningrun", str(run.pk))
    assert event.actor_label == "api" and event.user == personas["manager_a"]


def test_export_xlsx(client_for, run):
    response = client_for("hq_admin").get(f"{URL}{run.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_export_bad_format_is_400(client_for, run):
    response = client_for("hq_admin").get(f"{URL}{run.pk}/export/", {"file_format": "pdf"})
    assert response.status_code == 400 and response.json()["errors"]["file_format"]
    assert not AuditEvent.objects.filter(action="export").exists()


def test_export_is_403_for_an_agent(client_for, run):
    assert client_for("agent_a").get(f"{URL}{run.pk}/export/").status_code == 403


def test_export_unknown_run_is_404(client_for, run):
    assert client_for("hq_admin").get(f"{URL}{run.pk + 99}/export/").status_code == 404


# --- what-if and compare ----------------------------------------------------------------


def test_what_if_runs_the_current_params_as_a_job_and_compare_explains(
    client_for, world, personas, run_jobs
):
    base = services.do_run_screening(AS_OF, freeze=True, actor=personas["hq_admin"])
    services.do_update_rule(Rule.objects.get(code="A003"), {"min_age": "80"}, actor=None)
    client = client_for("hq_admin")
    with run_jobs():
        response = post(client, f"{URL}{base.pk}/what-if/")
    assert response.status_code == 202
    job = Job.objects.get()
    job.refresh_from_db()
    whatif = ScreeningRun.objects.get(pk=job.result["run"])
    assert whatif.status == RunStatus.WHATIF and whatif.counts["A003"] == 0
    assert ScreeningRun.objects.exclude(status=RunStatus.WHATIF).count() == 1
    assert AuditEvent.objects.get(action="job_start").actor_label == "api"

    body = client.get(f"{URL}compare/", {"old": base.pk, "new": whatif.pk}).json()
    assert body["counts"] == {"added": 0, "dropped": 0, "changed": 1}
    assert body["kind"] == "changed"
    [row] = body["rows"]
    assert row["name"] == "北京客户" and "不再命中：A003" in row["why"]
    [change] = [c for c in body["changes"] if c["code"] == "A003"]
    assert change["note"] == "版本 v1 → v2"
    assert change["rows"] == [{"label": "年龄不低于（周岁）", "old": "70", "new": "80"}]


def test_compare_counts_only_the_callers_branches(client_for, run, personas):
    services.do_update_rule(Rule.objects.get(code="A005"), {"values": ["退休"]}, actor=None)
    whatif = services.rerun_current(run, actor=personas["hq_admin"])
    query = {"old": run.pk, "new": whatif.pk}
    # 上海客户 (branch B) drops out; 北京客户 still hits A003, so only her reasons change.
    everyone = client_for("hq_admin").get(f"{URL}compare/", query).json()
    assert everyone["counts"] == {"added": 0, "dropped": 1, "changed": 1}
    body = client_for("manager_a").get(f"{URL}compare/", query).json()
    assert body["counts"] == {"added": 0, "dropped": 0, "changed": 1}
    assert [r["name"] for r in body["rows"]] == ["北京客户"]


def test_what_if_is_403_for_a_manager(client_for, run):
    assert post(client_for("manager_a"), f"{URL}{run.pk}/what-if/").status_code == 403
    assert not Job.objects.exists()


def test_what_if_of_a_what_if_is_404(client_for, run, personas):
    whatif = services.rerun_current(run, actor=personas["hq_admin"])
    assert post(client_for("hq_admin"), f"{URL}{whatif.pk}/what-if/").status_code == 404
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("query", "field"), [({}, "old"), ({"old": "x", "new": "1"}, "old"), ({"old": "1"}, "new")]
)
def test_compare_bad_query_is_400(client_for, run, query, field):
    response = client_for("auditor").get(f"{URL}compare/", query)
    assert response.status_code == 400 and response.json()["errors"][field]


def test_compare_unknown_run_is_404(client_for, run):
    response = client_for("auditor").get(f"{URL}compare/", {"old": run.pk, "new": run.pk + 99})
    assert response.status_code == 404


def test_compare_is_403_for_an_agent(client_for, run):
    query = {"old": run.pk, "new": run.pk}
    assert client_for("agent_a").get(f"{URL}compare/", query).status_code == 403


# --- hits -------------------------------------------------------------------------------


def test_hits_carry_their_evidence(client_for, run):
    body = client_for("manager_a").get("/api/v1/screening-hits/", {"run": run.pk}).json()
    [hit] = body["results"]
    assert hit["name"] == "北京客户" and hit["codes"] == ["A003", "A005"]
    by_code = {e["code"]: e for e in hit["evidence"]}
    assert by_code["A003"]["name"] == Rule.objects.get(code="A003").name
    ages = {v["key"]: v["value"] for v in by_code["A003"]["values"]}
    assert ages["age"] == "75"
    assert "职业 无业" in by_code["A005"]["summary"]


def test_hit_detail_carries_its_evidence(client_for, run):
    hit = Hit.objects.get(run=run, name="北京客户")
    body = client_for("auditor").get(f"/api/v1/screening-hits/{hit.pk}/").json()
    assert {e["code"] for e in body["evidence"]} == {"A003", "A005"}


def test_a_hit_out_of_scope_is_404(client_for, run):
    hit = Hit.objects.get(run=run, name="上海客户")
    assert client_for("manager_a").get(f"/api/v1/screening-hits/{hit.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/rules/"),
        ("patch", "/api/v1/rules/A003/"),
        ("get", "/api/v1/rules/A003/versions/"),
        ("post", "/api/v1/rules/A003/disable/"),
        ("post", URL),
        ("post", f"{URL}1/freeze/"),
        ("get", f"{URL}1/export/"),
        ("post", f"{URL}1/what-if/"),
        ("get", f"{URL}compare/?old=1&new=1"),
    ],
)
def test_anonymous_is_401(client, db, method, path):
    response = getattr(client, method)(path, {}, content_type="application/json")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_hits_are_paged_by_cursor_in_investor_code_order(client_for, run):
    """A big run's hits page by keyset (no COUNT, no OFFSET): page_size=1 walks them all."""
    client = client_for("hq_admin")
    url = f"/api/v1/screening-hits/?run={run.pk}&page_size=1"
    seen = []
    while url:
        body = client.get(url).json()
        assert "count" not in body and len(body["results"]) <= 1
        seen += [hit["investor_code"] for hit in body["results"]]
        url = body["next"]
    expected = list(run.hits.order_by("investor_code").values_list("investor_code", flat=True))
    assert seen == expected and len(seen) > 1
