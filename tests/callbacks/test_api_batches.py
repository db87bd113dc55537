"""``POST /api/v1/callback-batches/``: 加入回访名单 from a frozen run, as the page does it —
a background job (202 and its address); the same run and type again answers the existing
batch; a run not frozen is 409; HQ only."""

from __future__ import annotations

import pytest

from huifang.callbacks.models import Batch, BusinessType, CallbackTask
from huifang.core.models import AuditEvent, Job
from tests.callbacks.conftest import make_customer, make_run

pytestmark = pytest.mark.django_db

URL = "/api/v1/callback-batches/"


@pytest.fixture
def run(branches):
    a1 = [make_customer(branches["a1"]) for _ in range(2)]
    return make_run({a1[0]: ["A003"], a1[1]: ["A002"]})


def test_hq_creates_a_batch_as_a_job(run, annual, api_for, personas, run_jobs):
    with run_jobs():
        response = api_for("hq_admin").post(
            URL, {"run": run.pk, "business_type": annual.name}, format="json"
        )
    assert response.status_code == 202, response.json()
    body = response.json()
    job = Job.objects.get(pk=body["job"])
    assert body["url"].endswith(f"/api/v1/jobs/{job.pk}/") and response["Location"] == body["url"]
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    batch = Batch.objects.get(run=run, business_type=annual)
    assert job.result["batch"] == batch.number
    assert CallbackTask.objects.filter(batch=batch).count() == 2
    start = AuditEvent.objects.get(action="job_start", object_id=str(job.pk))
    assert (start.user, start.actor_label) == (personas["hq_admin"], "api")
    assert AuditEvent.objects.filter(action="batch_create", object_id=str(batch.pk)).exists()


def test_the_same_run_and_type_again_answers_the_existing_batch(run, annual, api_for, run_jobs):
    client = api_for("hq_admin")
    with run_jobs():
        client.post(URL, {"run": run.pk, "business_type": annual.name}, format="json")
    batch = Batch.objects.get()
    jobs = Job.objects.count()
    response = client.post(URL, {"run": run.pk, "business_type": annual.name}, format="json")
    assert response.status_code == 200
    assert response.json()["number"] == batch.number
    assert (Batch.objects.count(), Job.objects.count()) == (1, jobs)


def test_a_run_not_frozen_is_409(branches, annual, api_for):
    draft = make_run({make_customer(branches["a1"]): ["A003"]}, freeze=False)
    response = api_for("hq_admin").post(
        URL, {"run": draft.pk, "business_type": annual.name}, format="json"
    )
    assert response.status_code == 409
    assert "数据落地" in response.json()["message"]
    assert not Job.objects.exists() and not Batch.objects.exists()


def test_a_branch_manager_may_not_create_a_batch(run, annual, api_for):
    response = api_for("manager_a").post(
        URL, {"run": run.pk, "business_type": annual.name}, format="json"
    )
    assert response.status_code == 403
    assert not Job.objects.exists() and not Batch.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"run": None, "business_type": "年度适当性回访"}, "run", "请选择已落地的筛选"),
        ({"run": 999999, "business_type": "年度适当性回访"}, "run", "筛选记录 #999999 不存在"),
        ({"business_type": "无此类型"}, "business_type", "回访业务类型“无此类型”不存在"),
    ],
)
def test_a_bad_body_is_400(run, api_for, body, field, message):
    body.setdefault("run", run.pk)
    if body["run"] is None:
        del body["run"]
    response = api_for("hq_admin").post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][field] == [message]
    assert not Job.objects.exists() and not Batch.objects.exists()


def test_an_inactive_business_type_is_400(run, annual, api_for):
    BusinessType.objects.filter(pk=annual.pk).update(is_active=False)
    response = api_for("hq_admin").post(
        URL, {"run": run.pk, "business_type": annual.name}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["business_type"] == [f"回访业务类型“{annual.name}”已停用"]
    assert not Job.objects.exists()
