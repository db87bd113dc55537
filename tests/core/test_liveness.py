"""Work left "running" by a process that is gone is failed, saying so (issue 19: a worker
killed mid-job left the job "running" forever); the subprocess kill tests are in
test_kill_recovery.py."""

from __future__ import annotations

import pytest

from huifang.core import jobs, liveness
from huifang.core.models import Job
from huifang.customers.importers.engine import ABANDONED as IMPORT_ABANDONED
from huifang.customers.models import ImportRecord


@pytest.fixture
def run_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return liveness.run_dir()


@pytest.fixture
def dead_mark(run_dir) -> str:
    """The mark of a process that ended without cleaning up: its lock file, unlocked."""
    name = liveness.SEPARATOR.join((liveness._host(), "999999", "dead"))
    (run_dir / f"{name}.lock").touch()
    (run_dir / f"{name}.d" / "import-x").mkdir(parents=True)
    return name


def _running_job(runner: str) -> Job:
    return Job.objects.create(kind="test", title="任务", status=Job.Status.RUNNING, runner=runner)


def test_this_process_is_alive_and_a_dead_mark_is_not(dead_mark):
    assert liveness.is_alive(liveness.mark())
    assert not liveness.is_alive(dead_mark)


def test_a_missing_mark_of_this_machine_is_dead_of_another_unknown(run_dir):
    here = liveness.SEPARATOR.join((liveness._host(), "1", "gone"))
    assert not liveness.is_alive(here)
    assert liveness.is_alive(liveness.SEPARATOR.join(("other-host", "1", "gone")))


def test_recover_fails_a_job_of_a_dead_process_and_keeps_a_live_ones(db, dead_mark, run_dir):
    abandoned, live = _running_job(dead_mark), _running_job(liveness.mark())
    assert liveness.recover() >= 1
    abandoned.refresh_from_db(), live.refresh_from_db()
    assert abandoned.status == Job.Status.FAILED and abandoned.finished_at is not None
    assert abandoned.error.startswith("执行该任务的进程已中断")
    assert live.status == Job.Status.RUNNING
    assert not (run_dir / f"{dead_mark}.lock").exists()
    assert not (run_dir / f"{dead_mark}.d").exists()


def test_recover_fails_an_import_of_a_dead_process(db, dead_mark):
    record = ImportRecord.objects.create(dataset="daily", runner=dead_mark)
    liveness.recover()
    record.refresh_from_db()
    assert (record.status, record.message) == (ImportRecord.Status.FAILED, IMPORT_ABANDONED)


def test_the_job_page_says_the_process_was_interrupted(client_for, personas, dead_mark):
    job = _running_job(dead_mark)
    Job.objects.filter(pk=job.pk).update(created_by=personas["hq_admin"])
    body = client_for("hq_admin").get(f"/system/jobs/{job.pk}/").content.decode()
    assert "执行该任务的进程已中断" in body
    assert Job.objects.get(pk=job.pk).status == Job.Status.FAILED


def test_the_progress_poll_stops_on_an_interrupted_job(client_for, personas, dead_mark):
    job = _running_job(dead_mark)
    Job.objects.filter(pk=job.pk).update(created_by=personas["hq_admin"])
    body = client_for("hq_admin").get(f"/system/jobs/{job.pk}/progress/").content.decode()
    assert "执行该任务的进程已中断" in body


def test_a_job_run_records_its_process(db, run_jobs):
    @jobs.job_handler("test.runner")
    def handler(ctx):
        return {}

    with run_jobs():
        job = jobs.start_job("test.runner", "任务", {})
    job.refresh_from_db()
    assert job.runner == liveness.mark() and job.status == Job.Status.SUCCEEDED
