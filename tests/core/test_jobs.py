import pytest

from huifang.core import audit, jobs
from huifang.core.audit_actions import CoreAction
from huifang.core.models import Job


@jobs.job_handler("test.count")
def count_handler(ctx):
    total = ctx.params["n"]
    for i in range(total):
        ctx.progress(i + 1, total)
    audit_row = audit.record(CoreAction.DOWNLOAD, object_type="test")
    return {"summary": f"counted {total}", "data": {"audit": audit_row.actor_label}}


@jobs.job_handler("test.fail")
def failing_handler(ctx):
    raise jobs.JobFailed("文件格式不正确")


def test_a_job_runs_to_success_with_its_progress_and_result(personas, run_jobs):
    with run_jobs():
        job = jobs.start_job("test.count", "计数", {"n": 3}, user=personas["hq_admin"])
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert (job.done, job.total) == (3, 3)
    assert job.percent() == 100


def test_writes_inside_a_job_are_attributed_to_the_job(personas, run_jobs):
    with run_jobs():
        job = jobs.start_job("test.count", "计数", {"n": 1}, user=personas["hq_admin"])
    job.refresh_from_db()
    assert job.result["audit"] == f"job:{job.pk}"


def test_an_expected_failure_is_recorded_with_its_message(personas, run_jobs):
    with run_jobs():
        job = jobs.start_job("test.fail", "失败", {}, user=personas["hq_admin"])
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == "文件格式不正确"


def test_unknown_job_kinds_are_refused(personas):
    with pytest.raises(KeyError):
        jobs.start_job("nope", "x", {})


def test_the_progress_partial_polls_until_finished(client_for, personas):
    job = Job.objects.create(kind="test.count", title="t", created_by=personas["agent_a"])
    body = client_for("agent_a").get(f"/system/jobs/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in body


def test_other_peoples_jobs_are_404_for_an_agent(client_for, personas):
    job = Job.objects.create(kind="test.count", title="t", created_by=personas["agent_b"])
    assert client_for("agent_a").get(f"/system/jobs/{job.pk}/").status_code == 404


def test_hq_admin_sees_every_job(client_for, personas):
    job = Job.objects.create(kind="test.count", title="t", created_by=personas["agent_b"])
    assert client_for("hq_admin").get(f"/system/jobs/{job.pk}/").status_code == 200


def test_a_finished_job_shows_its_summary_once(client_for, personas, run_jobs):
    with run_jobs():
        job = jobs.start_job("test.count", "计数", {"n": 1}, user=personas["agent_a"])
    job.refresh_from_db()
    Job.objects.filter(pk=job.pk).update(message="counted 1")
    body = client_for("agent_a").get(f"/system/jobs/{job.pk}/progress/").content.decode()
    assert body.count("counted 1") == 1


def test_a_running_job_is_never_shown_complete(personas):
    job = Job.objects.create(
        kind="test.count", title="t", status=Job.Status.RUNNING, done=5, total=5
    )
    assert job.percent() == 99
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED)
    job.refresh_from_db()
    assert job.percent() == 100


@jobs.job_handler("test.crash")
def crashing_handler(ctx):
    raise ValueError("division by zero")


def _error_alert(body: str) -> str:
    start = body.index('data-testid="job-error"')
    return body[start : body.index("</div>", start)]


def test_a_refused_job_says_why_in_plain_text_not_a_code_block(client_for, personas, run_jobs):
    with run_jobs():
        job = jobs.start_job("test.fail", "失败", {}, user=personas["agent_a"])
    body = client_for("agent_a").get(f"/system/jobs/{job.pk}/progress/").content.decode()
    alert = _error_alert(body)
    assert "文件格式不正确" in alert
    assert "<pre" not in alert and "<details" not in alert


def test_a_crashed_job_shows_its_traceback_only_folded_away(client_for, personas, run_jobs):
    with run_jobs():
        job = jobs.start_job("test.crash", "崩溃", {}, user=personas["agent_a"])
    body = client_for("agent_a").get(f"/system/jobs/{job.pk}/progress/").content.decode()
    alert = _error_alert(body)
    shown, _, folded = alert.partition("<details")
    assert "内部错误：division by zero" in shown and "Traceback" not in shown
    assert "<summary>技术详情（供系统管理员排查）</summary>" in folded and "Traceback" in folded
