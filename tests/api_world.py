"""A small world for the API's persona matrix and fuzzing: one of each object in branch
010101 (北京营业部), built through the services where they exist."""

from __future__ import annotations

import datetime

from django.utils import timezone

from tests.callbacks.conftest import make_customer, make_run


def build(personas: dict, branches: dict) -> dict:
    from huifang.callbacks import services as callbacks
    from huifang.callbacks.models import BusinessType, CallbackTask
    from huifang.callbacks.records import services as records
    from huifang.core.models import Job
    from huifang.customers.importers import import_rows

    hq = personas["hq_admin"]
    customer = make_customer(branches["a1"], mobile="13812345678", id_number="110101195001011234")
    run = make_run({customer: ["A001"]})
    business_type, _ = BusinessType.objects.get_or_create(
        name="新开户回访", defaults={"max_unanswered_attempts": 3}
    )
    batch = callbacks.do_create_batch(run, business_type, actor=hq).batch
    task = CallbackTask.objects.get(batch=batch)
    callbacks.do_assign([task.pk], personas["agent_a"], actor=hq)
    outreach = _outreach(task, hq)
    record = records.do_create_record(
        task,
        {
            "status": "success",
            "failure_reason": None,
            "method": "phone",
            "called_at": timezone.now() - datetime.timedelta(hours=1),
            "duration_seconds": "01:35",
            "mobile_used": "13812345678",
            "remark": "",
        },
        actor=personas["agent_a"],
    )
    feedback = records.do_feedback(task, "客户投诉手续费", actor=personas["agent_a"], record=record)
    imported = import_rows(
        "branches",
        [{"部门代码": "010101", "部门名称": "期货北京营业部", "上级部门代码": "0101"}],
        actor=hq,
    )
    job = Job.objects.create(kind="customers.import", title="导入客户", created_by=hq)
    measure, package = _reports(personas, customer, task)
    from huifang.callbacks import distribution

    day = datetime.date(2030, 1, 7)
    absence = distribution.do_add_absence(personas["agent_a"], day, day, "培训", actor=hq)
    plan, plan_run = _plan(business_type, hq)
    return {
        "import": imported.record,
        "job": job,
        "customer": customer,
        "run": run,
        "batch": batch,
        "task": task,
        "record": record,
        "feedback": feedback,
        **outreach,
        "measure": measure,
        "evidence_package": package,
        "absence": absence,
        "plan": plan,
        "plan_run": plan_run,
        # Path parameters that are names from a fixed list, not objects of a list.
        "enums": {"dataset": "customers", "attachment": str(measure.attachments.get().pk)},
    }


def _plan(business_type, hq):
    """A 回访计划 and a failed run of it (failed: approving it is a 409, not a job)."""
    from huifang.automation import services as plans
    from huifang.automation.models import PlanRun, PlanRunStatus

    plan = plans.do_save_plan(
        None,
        {
            "name": "年末回访计划",
            "rules": [{"code": "A003", "version": "current"}],
            "reference_kind": "year_end",
            "fixed_date": None,
            "business_type": business_type,
            "run_time": datetime.time(20, 0),
            "mode": "approval",
            "enabled": True,
        },
        actor=hq,
    )
    run = PlanRun.objects.create(
        plan=plan, occurrence=datetime.date(2025, 12, 31), status=PlanRunStatus.FAILED
    )
    return plan, run


def _outreach(task, hq) -> dict:
    """A published questionnaire, an H5 invitation of ``task`` answered (an abnormal
    answer: a record 其他, the task stays open), a text and a call attempt."""
    from huifang.channels.calls.services import _refs, do_ingest_call
    from huifang.channels.sms.services import do_queue, do_save_template
    from huifang.core.actors import Actor
    from huifang.surveys import sending, services
    from huifang.surveys.models import Invitation
    from huifang.surveys.writeback import do_submit_response
    from tests.surveys.conftest import file_data

    version = services.do_import_file(file_data(), publish=True, actor=hq).version
    sending.do_invite([task.pk], channel="h5", questionnaire=version.questionnaire, actor=hq)
    invitation = Invitation.objects.get(task=task)
    answers = [{"question": "identity", "options": ["no"], "note": "家人代开"}]
    response = do_submit_response(invitation, {"answers": answers}, channel="h5", actor=None)
    template = do_save_template(
        None,
        {
            "code": "REMIND",
            "name": "回访提醒",
            "signature": "【惠访期货】",
            "text": "{客户名称}您好",
        },
        actor=hq,
    )
    do_queue(task, template, actor=hq)
    payload = {
        "event_id": "E1",
        "call_id": "C1",
        "task_ref": _refs([task.pk])[task.pk],
        "started_at": (timezone.now() - datetime.timedelta(hours=2)).isoformat(),
        "duration_seconds": 35,
        "attempt": 1,
        "result": "busy",
        "agent": "坐席007",
        "recording": None,
        "ivr": None,
    }
    attempt, _ = do_ingest_call(payload, source="webhook", actor=Actor.partner("外呼平台"))
    return {"invitation": invitation, "response": response, "template": template, "call": attempt}


def _reports(personas: dict, customer, task):
    """A measure with an attachment, and a generated evidence package (its job and file)."""
    from pathlib import Path

    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile

    from huifang.core.models import Job
    from huifang.reports import jobs, services
    from huifang.reports.models import MeasureType

    measure = services.do_create_measure(
        customer,
        MeasureType.objects.get(name="面谈"),
        "回访中客户表示不了解风险",
        task=task,
        attachments=[SimpleUploadedFile("面谈记录.txt", b"interview")],
        actor=personas["manager_a"],
    )
    relative = Path(jobs.FOLDER) / "world" / "evidence.zip"
    (Path(settings.MEDIA_ROOT) / relative).parent.mkdir(parents=True, exist_ok=True)
    (Path(settings.MEDIA_ROOT) / relative).write_bytes(b"PK\x05\x06" + bytes(18))
    package = Job.objects.create(
        kind=jobs.EVIDENCE,
        title=f"证据包：客户 {customer.investor_code}",
        params={"customer": customer.investor_code},
        status=Job.Status.SUCCEEDED,
        result={"summary": "证据包", "sections": {}, "files": 0, "sha256": ""},
        result_file=str(relative),
        created_by=personas["hq_admin"],
    )
    return measure, package
