"""A seeded world for the 证据包 tests (unit and browser): one frozen run with three hits
(北京 customer ``ca`` with a task, 上海 ``cb`` with a task, 北京 ``cx`` hit but given none),
its batch, a second run and batch merging rule A003 into ``ca``'s task, and around ``ca``'s
task every kind of row a package holds: a record corrected once (two versions) with a
scan and a recording reference, questionnaire answers, a text, a call with its recording,
a follow-up, a measure with an attachment. ``cb``'s task has a record of its own."""

from __future__ import annotations

import datetime
import hashlib
import itertools
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from huifang.callbacks.audit_actions import CallbackAction
from huifang.callbacks.models import Batch, BusinessType, CallbackTask, TaskBatch, TaskRule
from huifang.callbacks.records import services as records
from huifang.callbacks.records.models import FailureReason
from huifang.channels.calls.models import CallAttempt, ref_for
from huifang.channels.sms.models import SmsMessage, SmsTemplate
from huifang.core import audit
from huifang.reports import services as measures
from huifang.reports.models import MeasureType
from huifang.rules.models import Hit, HitReason, Rule, RunRule, ScreeningRun
from huifang.surveys.models import Invitation, QuestionnaireVersion, Response, ResponseAnswer
from tests.customers import factories

SCAN = b"%PDF-1.4 scanned questionnaire"
MEASURE_NOTE = b"signed risk notice"
MOBILE = "13812345678"
_numbers = itertools.count(1)


def _run(as_of: datetime.date, code: str, customers: list) -> ScreeningRun:
    rule = Rule.objects.get(code=code)
    run = ScreeningRun.objects.create(as_of=as_of, status="preview")
    RunRule.objects.create(
        run=run,
        version=rule.current_version,
        code=code,
        name=rule.name,
        rule_type=rule.rule_type,
        params=rule.params,
        hit_count=len(customers),
    )
    for customer in customers:
        Hit.objects.create(
            run=run,
            customer=customer,
            branch=customer.branch,
            investor_code=customer.investor_code,
            name=customer.name,
            customer_type=customer.customer_type,
            open_date=customer.open_date,
            status=customer.status,
            rule_codes=f",{code},",
            reasons=rule.name,
        )
        HitReason.objects.create(
            run=run,
            customer=customer,
            branch=customer.branch,
            rule_code=code,
            ev_date=customer.open_date,
        )
    run.status = "frozen"
    run.frozen_at = timezone.now()
    run.save()
    return run


def _batch(run: ScreeningRun, business_type: BusinessType) -> Batch:
    return Batch.objects.create(
        number=str(2_700_000_000 + next(_numbers)),
        run=run,
        business_type=business_type,
        as_of=run.as_of,
        deadline=run.as_of + datetime.timedelta(days=30),
    )


def _task(batch: Batch, customer, code: str) -> CallbackTask:
    task = CallbackTask.objects.create(
        customer=customer,
        branch=customer.branch,
        business_type=batch.business_type,
        batch=batch,
        rule_codes=f",{code},",
        reasons="证据包测试",
        deadline=batch.deadline,
    )
    TaskBatch.objects.create(task=task, batch=batch, kind="created", rule_codes=task.rule_codes)
    TaskRule.objects.create(task=task, code=code, name=code, batch=batch)
    audit.record(CallbackAction.BATCH_CREATE, task, after={"status": "new"})
    return task


def _content(**overrides) -> dict:
    reason = FailureReason.objects.filter(is_active=True, remark_required=False).first()
    called_at = (timezone.now() - datetime.timedelta(hours=2)).replace(microsecond=0)
    return {
        "status": "failure",
        "failure_reason": reason,
        "method": "phone",
        "called_at": called_at,
        "duration_seconds": "30",
        "mobile_used": MOBILE,
        "remark": "",
        **overrides,
    }


def build(branches, personas) -> SimpleNamespace:
    w = SimpleNamespace()
    w.business_type, _ = BusinessType.objects.get_or_create(name="证据包测试回访")
    w.ca = factories.customer(f"0700{next(_numbers):06d}", branches["a1"])
    w.cb = factories.customer(f"0700{next(_numbers):06d}", branches["b1"])
    w.cx = factories.customer(f"0700{next(_numbers):06d}", branches["a1"])
    w.run = _run(datetime.date(2026, 2, 27), "A001", [w.ca, w.cb, w.cx])
    w.batch = _batch(w.run, w.business_type)
    w.ta = _task(w.batch, w.ca, "A001")
    w.tb = _task(w.batch, w.cb, "A001")
    # A later run hits ca for A003: its batch merges the reason into ca's open task.
    w.run2 = _run(datetime.date(2026, 3, 6), "A003", [w.ca])
    w.batch2 = _batch(w.run2, w.business_type)
    TaskBatch.objects.create(task=w.ta, batch=w.batch2, kind="merged", rule_codes=",A003,")
    audit.record(CallbackAction.TASK_MERGE, w.ta, after={"rule_codes": ",A001,A003,"})

    agent_a, agent_b = personas["agent_a"], personas["agent_b"]
    w.record = records.do_create_record(w.ta, _content(), actor=agent_a)
    w.record = records.do_update_record(
        w.record,
        _content(remark="客户要求改天再联系", called_at=w.record.called_at),
        actor=agent_a,
        expected_version=1,
        reason="补充备注",
    )
    records.do_add_attachment(
        w.record,
        records.AttachmentInput(file=SimpleUploadedFile("问卷扫描.pdf", SCAN)),
        actor=agent_a,
    )
    w.recording_sha = hashlib.sha256(b"recording").hexdigest()
    records.do_add_attachment(
        w.record,
        records.AttachmentInput(
            reference="rec://pbx/2026/0001.wav", sha256=w.recording_sha, name="通话录音"
        ),
        actor=agent_a,
    )
    w.record_b = records.do_create_record(w.tb, _content(), actor=agent_b)
    w.feedback = records.do_feedback(w.ta, "客户对产品风险有疑问", actor=agent_a, record=w.record)

    version = QuestionnaireVersion.objects.published().order_by("pk").first()
    questions = version.questions[:2]
    w.invitation = Invitation.objects.create(
        task=w.ta,
        customer=w.ca,
        branch=w.ca.branch,
        business_type=w.ta.business_type,
        channel="h5",
        version=version,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    w.response = Response.objects.create(
        invitation=w.invitation,
        submission_id="H5-EVIDENCE-1",
        channel="h5",
        version=version,
        customer=w.ca,
        branch=w.ca.branch,
        task=w.ta,
        answers=[],
        abnormal=[questions[0]["id"]],
        submitted_at=timezone.now(),
        record=w.record,
    )
    for q in questions:
        options = q.get("options") or []
        ResponseAnswer.objects.create(
            response=w.response,
            version=version,
            question=q["id"],
            option=options[0]["id"] if options else "",
            text="" if options else "文字答案",
        )

    template = SmsTemplate.objects.create(
        code="EVID", name="回访提醒", signature="【惠访】", text="{客户名称}您好"
    )
    w.sms = SmsMessage.objects.create(
        customer=w.ca,
        task=w.ta,
        branch=w.ca.branch,
        template=template,
        text="张三您好",
        mobile=MOBILE,
        provider="file",
        day=timezone.localdate(),
    )
    w.call_sha = hashlib.sha256(b"call recording").hexdigest()
    w.call = CallAttempt.objects.create(
        call_id="C-EVIDENCE-1",
        attempt=1,
        task_ref=ref_for(w.ta.pk),
        task=w.ta,
        customer=w.ca,
        branch=w.ca.branch,
        started_at=timezone.now(),
        duration_seconds=65,
        result="connected",
        recording_url="https://rec.example.com/C-EVIDENCE-1.wav",
        recording_sha256=w.call_sha,
        source="webhook",
    )
    w.measure = measures.do_create_measure(
        w.ca,
        MeasureType.objects.get(name="风险提示"),
        "回访中客户对风险认识不足",
        task=w.ta,
        attachments=[SimpleUploadedFile("风险提示书.pdf", MEASURE_NOTE)],
        actor=personas["hq_admin"],
    )
    return w
