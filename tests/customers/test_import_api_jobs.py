"""POST /api/v1/imports/<dataset>/ with a large file: 202 and the job's address, where
the progress and then the import's answer are read (GET /api/v1/jobs/<id>/)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from huifang.customers import import_api
from huifang.customers.models import Customer, ImportRecord
from tests.customers.conftest import CUSTOMER_HEADER, CUSTOMER_ROWS, csv_bytes


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(import_api, "SYNCHRONOUS_BYTES", 100)


def _post(client, rows, run_jobs):
    upload = SimpleUploadedFile("客户.csv", csv_bytes(CUSTOMER_HEADER, rows, "utf-8"))
    with run_jobs():
        return client.post("/api/v1/imports/customers/", {"file": upload})


def test_a_large_file_is_answered_202_with_the_jobs_address(client_for, run_jobs, small_limit):
    client = client_for("hq_admin")
    response = _post(client, CUSTOMER_ROWS, run_jobs)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["url"] == f"http://testserver/api/v1/jobs/{body['job']}/"
    assert response["Location"] == body["url"]
    job = client.get(body["url"]).json()
    assert (job["status"], job["rejected"], job["done"], job["total"]) == ("succeeded", False, 3, 3)
    record = ImportRecord.objects.get()
    assert job["result"]["record"] == record.pk
    assert (job["result"]["ok"], job["result"]["created"]) == (True, 3)
    assert record.source == f"job:{body['job']}" and Customer.objects.count() == 3


def test_a_large_refused_file_reports_its_rows_on_the_job(client_for, run_jobs, small_limit):
    rows = [list(r) for r in CUSTOMER_ROWS]
    rows[1][11] = "1381234567"  # ten digits: refused, shown masked as a mobile number is
    client = client_for("hq_admin")
    response = client.get(_post(client, rows, run_jobs).json()["url"])
    assert "1381234567" not in response.content.decode()
    job = response.json()
    assert (job["status"], job["rejected"], job["result"]["ok"]) == ("failed", True, False)
    assert job["result"]["report"] == [
        {
            "row": 3,
            "column": "手机号",
            "value": "138*****67",
            "reason": "手机号须为11位大陆手机号码",
        }
    ]
    assert job["result"]["error_count"] == 1
    assert job["result"]["errors"] == {
        "file": ["第 3 行 手机号（138*****67）：手机号须为11位大陆手机号码"]
    }
    assert not Customer.objects.exists()


def test_a_small_file_is_still_answered_at_once(client_for, run_jobs):
    response = _post(client_for("hq_admin"), CUSTOMER_ROWS, run_jobs)
    assert response.status_code == 200
    assert response.json()["created"] == 3


def test_another_users_job_is_404(client_for, run_jobs, small_limit):
    url = _post(client_for("hq_admin"), CUSTOMER_ROWS, run_jobs).json()["url"]
    assert client_for("agent_a").get(url).status_code == 404
