"""``/api/v1/evidence-packages/``: POST starts the page's background job (202 and the job's
address), the list and detail follow it, ``download/`` hands over the zip; the page's
permission (生成证据包), its scope checks and its Chinese form errors."""

from __future__ import annotations

import io
import zipfile

import pytest

from huifang.core.models import AuditEvent, Job
from huifang.reports.evidence.scope import NO_SCOPE
from tests.reports import evidence_world

URL = "/api/v1/evidence-packages/"


@pytest.fixture
def w(branches, personas):
    return evidence_world.build(branches, personas)


def post(client, body):
    return client.post(URL, body, content_type="application/json")


def test_a_package_is_generated_as_a_job_and_downloaded(w, client_for, run_jobs):
    client = client_for("auditor")
    with run_jobs():
        answer = post(client, {"kind": "customer", "customer": w.ca.investor_code})
    assert answer.status_code == 202, answer.json()
    job = Job.objects.get(kind="reports.evidence")
    assert answer.json()["job"] == job.pk
    assert answer["Location"].endswith(f"/api/v1/jobs/{job.pk}/")
    assert job.status == "succeeded", job.error
    detail = client.get(f"{URL}{job.pk}/").json()
    assert detail["status"] == "succeeded"
    assert detail["scope"]["customer"] == w.ca.investor_code
    assert detail["file_name"].endswith(".zip")
    assert detail["download_url"].endswith(f"{URL}{job.pk}/download/")
    assert [p["id"] for p in client.get(URL).json()["results"]] == [job.pk]
    download = client.get(f"{URL}{job.pk}/download/")
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert "manifest.csv" in archive.namelist()
    generated = AuditEvent.objects.get(action="evidence")
    assert generated.user.username == "auditor"
    assert AuditEvent.objects.filter(action="download", actor_label="api").count() == 1
    assert AuditEvent.objects.filter(action="job_start", actor_label="api").count() == 1


def test_an_agent_may_not_generate(w, client_for):
    answer = post(client_for("agent_a"), {"kind": "customer", "customer": w.ca.investor_code})
    assert answer.status_code == 403
    assert answer.json()["message"] == "您没有生成证据包的权限"
    assert not Job.objects.exists()


def test_an_agent_lists_no_packages_and_may_not_download_one(w, client_for):
    post(client_for("hq_admin"), {"kind": "customer", "customer": w.ca.investor_code})
    job = Job.objects.get(kind="reports.evidence")
    client = client_for("agent_a")
    answer = client.get(URL)
    assert answer.status_code == 200 and answer.json()["results"] == []
    assert client.get(f"{URL}{job.pk}/download/").status_code == 403


def test_another_branchs_customer_is_a_400_for_a_branch_user(w, client_for):
    answer = post(client_for("manager_a"), {"kind": "customer", "customer": w.cb.investor_code})
    assert answer.status_code == 400
    assert "不在您的权限范围内" in answer.json()["errors"]["non_field_errors"][0]
    assert not Job.objects.exists()


def test_a_missing_scope_is_a_400_in_chinese(w, client_for):
    answer = post(client_for("hq_admin"), {"kind": "batch", "batch": ""})
    assert answer.status_code == 400
    assert answer.json()["errors"]["non_field_errors"] == [NO_SCOPE]
    assert not Job.objects.exists()


def test_an_unknown_kind_is_a_400(w, client_for):
    answer = post(client_for("hq_admin"), {"kind": "everything"})
    assert answer.status_code == 400
    assert "kind" in answer.json()["errors"]


def test_a_branch_scope_is_named_by_code(w, client_for):
    answer = post(
        client_for("manager_a"),
        {"kind": "branch", "branch": "0101", "start": "2026-01-01", "end": "2026-12-31"},
    )
    assert answer.status_code == 202, answer.json()
    assert Job.objects.get(kind="reports.evidence").params["branch"] == "0101"


def test_someone_elses_package_is_404_for_a_branch_user(w, client_for):
    post(client_for("hq_admin"), {"kind": "customer", "customer": w.ca.investor_code})
    job = Job.objects.get(kind="reports.evidence")
    client = client_for("manager_a")
    assert client.get(f"{URL}{job.pk}/").status_code == 404
    assert client.get(f"{URL}{job.pk}/download/").status_code == 404


def test_a_package_not_yet_generated_is_a_409(w, client_for):
    client = client_for("hq_admin")
    post(client, {"kind": "customer", "customer": w.ca.investor_code})  # not run: queued
    job = Job.objects.get(kind="reports.evidence")
    answer = client.get(f"{URL}{job.pk}/download/")
    assert answer.status_code == 409
    assert answer.json()["message"] == "证据包尚未生成完成，请稍后再下载"
    assert not AuditEvent.objects.filter(action="download").exists()
