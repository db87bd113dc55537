"""The page matrix's world: the API matrix's (``tests.api_world``, branch 010101) plus, in
each of the two sibling 营业部 (a1 北京 and b1 上海), one open task of its agent with
everything hanging from it, and the shared things HQ keeps (plans, partners, a draft)."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.callbacks.conftest import make_customer, make_run

SIDES = {"a": ("a1", "agent_a"), "b": ("b1", "agent_b")}
# Each side's customer, by a code and a name found nowhere else on a page.
CODES = {"a": "91000001", "b": "92000002"}
NAMES = {"a": "北京甲客户", "b": "上海乙客户"}
CALLS = {"a": "CALL-A-7", "b": "CALL-B-7"}


def build(personas: dict, branches: dict) -> dict:
    """``{"a": {...}, "b": {...}, "shared": {...}}``: objects by name."""
    from huifang.callbacks import services as callbacks
    from huifang.callbacks.models import BusinessType, CallbackTask
    from tests.api_world import build as api_world

    hq = personas["hq_admin"]
    shared = api_world(personas, branches)
    customers = {
        side: make_customer(
            branches[branch],
            CODES[side],
            mobile=f"1390000000{n}",
            id_number=f"11010119600101{n:04d}",
            name=NAMES[side],
        )
        for n, (side, (branch, _)) in enumerate(SIDES.items(), start=1)
    }
    run = make_run({customer: ["A001"] for customer in customers.values()})
    business_type = BusinessType.objects.get(name="新开户回访")
    batch = callbacks.do_create_batch(run, business_type, actor=hq).batch
    world = {"shared": {**shared, **_shared(personas, run, batch)}}
    world["shared"]["version"] = shared["invitation"].version
    for side, (branch, agent) in SIDES.items():
        task = CallbackTask.objects.get(batch=batch, customer=customers[side])
        callbacks.do_assign([task.pk], personas[agent], actor=hq)
        world[side] = _side(
            side, task, personas, branches[branch], personas[agent], shared, run=run
        )
    # Both tasks overdue: a compliance check (逾期未完成) finds them.
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    CallbackTask.objects.filter(pk__in=[world[s]["task"].pk for s in SIDES]).update(
        deadline=yesterday
    )
    world["a"]["push"] = _push(world["a"]["task"], personas["manager_a"])
    world["b"]["push"] = _push(world["b"]["task"], hq)
    return world


def _side(side: str, task, personas, branch, agent, shared, *, run) -> dict:
    """An open task of ``agent`` with a failed attempt (its file and a feedback), an H5
    questionnaire answered abnormally, a text, a call, a measure with its file, the hit,
    the agent's finished job, an import by the agent, a message to the agent and the
    agent's 离岗 next year."""
    from huifang.callbacks.distribution import do_add_absence
    from huifang.callbacks.records import services as records
    from huifang.callbacks.records.models import FailureReason
    from huifang.channels.calls.services import _refs, do_ingest_call
    from huifang.channels.sms.models import SmsMessage
    from huifang.channels.sms.services import do_queue
    from huifang.core.actors import Actor
    from huifang.core.models import Job
    from huifang.customers.models import ImportRecord
    from huifang.reports import services as reports
    from huifang.reports.models import MeasureType
    from huifang.rules.models import Hit
    from huifang.surveys import sending
    from huifang.surveys.models import Invitation
    from huifang.surveys.writeback import do_submit_response

    hq = personas["hq_admin"]
    questionnaire = shared["invitation"].version.questionnaire
    sending.do_invite([task.pk], channel="h5", questionnaire=questionnaire, actor=hq)
    invitation = Invitation.objects.get(task=task)
    answers = [{"question": "identity", "options": ["no"], "note": "家人代开"}]
    response = do_submit_response(invitation, {"answers": answers}, channel="h5", actor=None)
    do_queue(task, shared["template"], actor=hq)
    call, _ = do_ingest_call(
        {
            "event_id": f"E-{side}",
            "call_id": CALLS[side],
            "task_ref": _refs([task.pk])[task.pk],
            "started_at": (timezone.now() - datetime.timedelta(hours=3)).isoformat(),
            "duration_seconds": 20,
            "attempt": 1,
            "result": "busy",
            "agent": "坐席007",
            "recording": None,
            "ivr": None,
        },
        source="webhook",
        actor=Actor.partner("外呼平台"),
    )
    record = records.do_create_record(
        task,
        {
            "status": "failure",
            "failure_reason": FailureReason.objects.get(name="无人接听"),
            "method": "phone",
            "called_at": timezone.now() - datetime.timedelta(hours=1),
            "duration_seconds": "00:30",
            "mobile_used": task.customer.mobile,
            "remark": "",
        },
        actor=agent,
        attachments=[records.AttachmentInput(file=SimpleUploadedFile("录音.txt", b"rec"))],
        feedback="客户电话无人接听，请营业部核实联系方式",
    )
    measure = reports.do_create_measure(
        task.customer,
        MeasureType.objects.get(name="面谈"),
        "回访中客户表示不了解风险",
        task=task,
        attachments=[SimpleUploadedFile("面谈记录.txt", b"interview")],
        actor=hq,
    )
    job = Job.objects.create(
        kind="customers.import",
        title=f"导入客户 {side}",
        status=Job.Status.SUCCEEDED,
        result_file=_file(f"jobs/{side}/result.csv", b"a,b\n"),
        created_by=agent,
    )
    imported = ImportRecord.objects.create(
        dataset="customers",
        user=agent,
        branch=branch,
        status="rejected",
        total_rows=1,
        rejected=1,
        error_count=1,
        errors=[[2, "投资者代码", "", "投资者代码不能为空"]],
    )
    task.refresh_from_db()
    return {
        "branch": branch,
        "customer": task.customer,
        "task": task,
        "record": record,
        "attachment": record.attachments.get(),
        "feedback": record.feedbacks.get(),
        "invitation": invitation,
        "response": response,
        "sms": SmsMessage.objects.get(task=task),
        "call": call,
        "measure": measure,
        "measure_attachment": measure.attachments.get(),
        "hit": Hit.objects.get(run=run, customer=task.customer),
        "job": job,
        "import": imported,
        "user": agent,
        "notification": _message(agent, task),
        "absence": do_add_absence(
            agent, datetime.date(2099, 1, 4), datetime.date(2099, 1, 8), "年假", actor=hq
        ),
    }


def _message(agent, task):
    from huifang.automation.models import Notification, NotificationKind
    from huifang.automation.notifications import Message, notify

    link = f"/callbacks/tasks/{task.pk}/"
    notify(
        [Message(agent.pk, NotificationKind.TASK_ASSIGNED, f"task:{task.pk}", "新任务", link=link)]
    )
    return Notification.objects.get(recipient=agent, dedupe_key=f"task:{task.pk}")


def _push(task, actor):
    from huifang.callbacks.models import CallbackTask
    from huifang.channels.calls.services import do_push

    return do_push(CallbackTask.objects.filter(pk=task.pk), actor=actor)


def _shared(personas, run, batch) -> dict:
    """What HQ keeps for everyone: a plan with a run waiting for approval, a partner with
    a failed delivery, an opt-out, a draft of the questionnaire, the dictionaries."""
    from huifang.automation import services as plans
    from huifang.automation.models import PlanMode, PlanRun, PlanRunStatus, ReferenceKind
    from huifang.callbacks.models import BusinessType
    from huifang.callbacks.records.models import FailureReason
    from huifang.channels.calls.models import ResultMapping
    from huifang.channels.sms.services import do_opt_out
    from huifang.core.models import CalendarHoliday
    from huifang.partners.models import Delivery, DeliveryStatus
    from huifang.partners.services import do_create_partner
    from huifang.reports.models import MeasureType
    from huifang.surveys import services as surveys
    from huifang.surveys.models import Questionnaire

    hq = personas["hq_admin"]
    annual = BusinessType.objects.get(name="年度适当性回访")
    plan = plans.do_save_plan(
        None,
        {
            "name": "年度老年客户回访",
            "rules": [{"code": "A003", "version": "current"}],
            "reference_kind": ReferenceKind.TRADING_DAY,
            "fixed_date": None,
            "business_type": annual,
            "run_time": datetime.time(20, 0),
            "mode": PlanMode.APPROVAL,
            "enabled": True,
        },
        actor=hq,
    )
    plan_run = PlanRun.objects.create(
        plan=plan,
        occurrence=datetime.date(2025, 12, 31),
        status=PlanRunStatus.PENDING,
        screening_run=run,
    )
    partner, _ = do_create_partner("掌厅", "apphall", "https://apphall.example/push", actor=hq)
    delivery = Delivery.objects.create(
        partner=partner,
        topic="invitation",
        ref="1",
        event_id="EV1",
        payload={},
        status=DeliveryStatus.FAILED,
        next_attempt_at=timezone.now(),
        created_at=timezone.now(),
    )
    questionnaire = Questionnaire.objects.get(code="QN-TEST")
    surveys.do_new_draft(questionnaire, actor=hq)
    # An edited draft: publishing an unchanged one is refused before its confirmation.
    surveys.do_save_draft(questionnaire, title="测试问卷（修订）", actor=hq)
    holiday = CalendarHoliday.objects.filter(calendar_year__year=2026).earliest("date")
    return {
        "plan": plan,
        "plan_run": plan_run,
        "partner": partner,
        "delivery": delivery,
        "questionnaire": questionnaire,
        "optout": do_opt_out("13900009999", "客户要求", actor=hq),
        "mapping": ResultMapping.objects.earliest("pk"),
        "reason": FailureReason.objects.earliest("pk"),
        "business_type": annual,
        "measure_type": MeasureType.objects.earliest("pk"),
        "holiday": holiday,
        "run_ab": run,
        "batch_ab": batch,
    }


def _file(relative: str, content: bytes) -> str:
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return relative
