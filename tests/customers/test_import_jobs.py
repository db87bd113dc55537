"""An import running as a background job: its progress can be read while it runs, the
rest of the system writes on meanwhile, and a refused import says so in red."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from huifang.core import jobs
from huifang.core.models import Job
from huifang.customers import services
from huifang.customers.importers import parallel
from huifang.customers.models import Customer
from huifang.org.models import Role
from huifang.org.services import do_create_user
from tests.conftest import PASSWORD
from tests.customers.conftest import CUSTOMER_HEADER, CUSTOMER_ROWS, csv_bytes

WAIT = 30  # seconds an event may take before the test gives up (never slept)


class PausedImport:
    """An import job run by a thread of its own, like the task worker, that stops after
    its second checked row until ``release``."""

    def __init__(self, monkeypatch, user, rows=CUSTOMER_ROWS):
        self.arrived, self.released = threading.Event(), threading.Event()
        self.failure: BaseException | None = None
        monkeypatch.setattr(parallel, "CHUNK", 1)  # report progress after every row
        progress = jobs.JobContext.progress

        def pausing(ctx, done, total=None, message=None):
            progress(ctx, done, total, message)
            if (message or "").startswith("已校验") and done == 2 and not self.arrived.is_set():
                self.arrived.set()
                self.released.wait(WAIT)

        monkeypatch.setattr(jobs.JobContext, "progress", pausing)
        upload = SimpleUploadedFile("客户.csv", csv_bytes(CUSTOMER_HEADER, rows, "utf-8"))
        relative = services.save_upload(upload, actor=user)
        self.job = services.do_start_import(
            "customers", relative, file_name="客户.csv", skip_invalid=False, actor=user
        )
        self.thread = threading.Thread(target=self._run)

    def _run(self):
        try:
            jobs.execute(self.job.pk)
        except BaseException as exc:  # reported by the test
            self.failure = exc
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.arrived.wait(WAIT), "the import never reached its second row"
        return self

    def __exit__(self, *exc):
        self.released.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive()
        assert self.failure is None, self.failure
        self.job.refresh_from_db()
        return False


@pytest.fixture
def queued_jobs(settings):
    """Jobs wait in the queue (the test runs them in a thread of its own)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.mark.django_db(transaction=True)
def test_progress_can_be_read_while_an_import_runs(personas, client_for, queued_jobs, monkeypatch):
    client = client_for("hq_admin")
    with PausedImport(monkeypatch, personas["hq_admin"]) as running:
        card = client.get(f"/system/jobs/{running.job.pk}/progress/")
        html = card.content.decode()
        assert card.status_code == 200
        assert 'data-job-status="running"' in html and "运行中" in html
        assert "已校验 2 行" in html
    assert running.job.status == Job.Status.SUCCEEDED
    assert Customer.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_logins_and_saves_go_on_while_an_import_checks_its_file(
    personas, client, queued_jobs, monkeypatch
):
    """A long import used to hold SQLite's one write lock from its first row to its
    commit: every login and save waited (up to the 30 s busy timeout, then failed)."""
    with PausedImport(monkeypatch, personas["hq_admin"]) as running:
        started = time.monotonic()
        signed_in = client.post("/login/", {"username": "agent_a", "password": PASSWORD})
        assert signed_in.status_code == 302 and signed_in.url == "/"
        user = do_create_user(
            username="new_agent",
            password=None,
            branch=personas["agent_a"].branch,
            role=Role.AGENT,
            actor=personas["hq_admin"],
        )
        assert time.monotonic() - started < 5
        assert not running.job.is_finished
    assert running.job.status == Job.Status.SUCCEEDED
    assert user.pk and Customer.objects.count() == 3


def _import_with_a_bad_row(user, run_jobs, *, skip_invalid: bool) -> Job:
    """The customers file with a wrong check digit in its first row, imported as a job."""
    rows = [list(r) for r in CUSTOMER_ROWS]
    rows[0][5] = "110105194912310021"
    relative = services.save_upload(
        SimpleUploadedFile("客户.csv", csv_bytes(CUSTOMER_HEADER, rows, "utf-8")), actor=user
    )
    with run_jobs():
        job = services.do_start_import(
            "customers", relative, file_name="客户.csv", skip_invalid=skip_invalid, actor=user
        )
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_a_refused_import_job_is_shown_as_refused_as_a_warning(personas, client_for, run_jobs):
    job = _import_with_a_bad_row(personas["hq_admin"], run_jobs, skip_invalid=False)
    assert job.status == Job.Status.FAILED and job.is_rejected
    html = client_for("hq_admin").get(f"/system/jobs/{job.pk}/progress/").content.decode()
    assert (
        'class="badge bg-yellow-lt" data-job-status="failed" data-job-rejected>已拒绝</span>'
        in html
    )
    assert "alert-warning" in html and "alert-danger" not in html
    assert "已完成" not in html
    # the file is the row-by-row error report, named as on the import's own page
    assert "导入被拒绝" in html and "下载错误报告" in html and "查看结果" in html
    assert "下载结果文件" not in html


@pytest.mark.django_db
def test_the_job_list_shows_a_refused_import_as_refused_apart_from_failures(
    personas, client_for, run_jobs
):
    refused = _import_with_a_bad_row(personas["hq_admin"], run_jobs, skip_invalid=False)
    broken = Job.objects.create(
        kind=refused.kind, title="出错的导入", status=Job.Status.FAILED, error="内部错误：x"
    )
    client = client_for("hq_admin")
    html = client.get("/system/jobs/").content.decode()
    assert '<span class="badge bg-yellow-lt" data-job-status="rejected">已拒绝</span>' in html
    assert '<span class="badge bg-red-lt" data-job-status="failed">失败</span>' in html
    only_refused = client.get("/system/jobs/", {"status": "rejected"}).context["table"]
    assert [row.record.pk for row in only_refused.rows] == [refused.pk]
    only_failed = client.get("/system/jobs/", {"status": "failed"}).context["table"]
    assert [row.record.pk for row in only_failed.rows] == [broken.pk]


@pytest.mark.django_db
def test_the_api_keeps_a_refused_import_failed_and_says_it_was_rejected(
    personas, api_for, run_jobs
):
    refused = _import_with_a_bad_row(personas["hq_admin"], run_jobs, skip_invalid=False)
    body = api_for("hq_admin").get(f"/api/v1/jobs/{refused.pk}/").json()
    assert (body["status"], body["rejected"]) == ("failed", True)


@pytest.mark.django_db
def test_an_import_skipping_invalid_rows_offers_its_error_report_by_that_name(
    personas, client_for, run_jobs
):
    job = _import_with_a_bad_row(personas["hq_admin"], run_jobs, skip_invalid=True)
    assert job.status == Job.Status.SUCCEEDED and job.result_file
    html = client_for("hq_admin").get(f"/system/jobs/{job.pk}/progress/").content.decode()
    assert "下载错误报告" in html and "下载结果文件" not in html


@pytest.mark.django_db
def test_a_job_that_counted_nothing_shows_no_bare_zero(personas, client_for):
    from huifang.core.models import Job

    job = Job.objects.create(
        kind="customers.import", status=Job.Status.FAILED, error="导入被拒绝：文件没有表头行"
    )
    html = client_for("hq_admin").get(f"/system/jobs/{job.pk}/progress/").content.decode()
    assert 'text-secondary">0</div>' not in html and "data-job-count" not in html
    Job.objects.filter(pk=job.pk).update(done=5, total=10)
    html = client_for("hq_admin").get(f"/system/jobs/{job.pk}/progress/").content.decode()
    assert "data-job-count>5 / 10</div>" in html
