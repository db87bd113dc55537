"""The demo's SMS, outbound calls and management measures, through the real services, so
短信记录, 外呼记录, 合规核查 and 管理措施 have something to show after ``make run``:

- an SMS template and a reminder queued to a few open tasks (the ``file`` provider writes
  what would be sent; outside the sending hours they wait in the queue);
- a call-center partner, a call list pushed and some results posted as the platform would
  (no answer, busy, then connected with the customer's key press: a 成功 record);
- measures on customers the 70+ check finds (面谈 to do, 加强回访 under way, a 风险提示 done).

Each part runs once (the template, the partner, a measure mark it done); a database that
already has messages, calls or measures keeps them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils import timezone

from huifang.callbacks.models import CallbackTask
from huifang.channels.calls import services as calls
from huifang.channels.calls.models import CallAttempt
from huifang.channels.sms import sending
from huifang.channels.sms import services as sms
from huifang.channels.sms.models import SmsMessage, SmsTemplate
from huifang.core.actors import Actor
from huifang.org.models import User
from huifang.partners import services as partner_services
from huifang.partners.models import Partner
from huifang.reports import compliance
from huifang.reports import services as reports
from huifang.reports.choices import MeasureStatus
from huifang.reports.models import Measure, MeasureType

CALL_PARTNER = "演示外呼平台"
TEXTED = 20
CALLED = 8


def _open_tasks(count: int, offset: int = 0) -> list[CallbackTask]:
    tasks = CallbackTask.objects.filter(status__in=("new", "in_progress"), assignee__isnull=False)
    return list(tasks.order_by("-pk")[offset : offset + count])


def ensure_outreach(say: Callable[[str], None]) -> None:
    admin = User.objects.get(username="hq_admin")
    _texts(admin, say)
    _calls(admin, say)
    _measures(admin, say)


def _texts(admin, say) -> None:
    if SmsMessage.objects.exists() or SmsTemplate.objects.filter(code="REMIND").exists():
        return
    tasks = _open_tasks(TEXTED)
    if not tasks:
        return
    template = sms.do_save_template(
        None,
        {
            "code": "REMIND",
            "name": "回访提醒",
            "signature": "【惠访期货】",
            "text": "{客户名称}您好，{营业部}将于{回访截止日期}前与您联系回访，请留意来电。",
            "enabled": True,
        },
        actor=admin,
    )
    result = sms.do_queue(tasks, template, actor=admin)
    sent = sending.drain()
    say(f"演示短信 {template.code}：{result.summary()}；已发送 {sent} 条")


def _calls(admin, say) -> None:
    if CallAttempt.objects.exists() or Partner.objects.filter(name=CALL_PARTNER).exists():
        return
    tasks = _open_tasks(CALLED, offset=TEXTED)
    if not tasks:
        return
    partner_services.do_create_partner(CALL_PARTNER, "callcenter", actor=admin)
    chosen = CallbackTask.objects.filter(pk__in=[t.pk for t in tasks])
    push = calls.do_push(chosen, actor=admin, filters="演示")
    refs = {row["task_ref"]: row for row in calls.push_rows(chosen)}
    platform = Actor.partner(CALL_PARTNER)
    started = timezone.now() - datetime.timedelta(hours=3)
    written = 0
    for n, ref in enumerate(sorted(refs)):
        # Every task: 无人接听 first; every other one then 接通 with the key press (成功).
        results = ["no_answer", "connected"] if n % 2 == 0 else ["no_answer", "busy"]
        for attempt, result in enumerate(results, start=1):
            payload = {
                "event_id": f"demo-{ref}-{attempt}",
                "call_id": f"DEMO{n:04d}",
                "task_ref": ref,
                "started_at": (started + datetime.timedelta(minutes=30 * attempt)).isoformat(),
                "duration_seconds": 95 if result == "connected" else 0,
                "attempt": attempt,
                "result": result,
                "agent": "IVR01",
                "recording": None,
                "ivr": {"confirm": "1"} if result == "connected" else None,
            }
            try:
                calls.do_ingest_call(payload, actor=platform)
                written += 1
            except ValidationError as exc:
                say(f"演示外呼结果 {ref} 未能登记：{'；'.join(exc.messages)}")
    say(f"演示外呼：推送 {push.count} 个任务，收到 {written} 条拨打结果")


def _measures(admin, say) -> None:
    if Measure.objects.exists():
        return
    findings = compliance.get("elderly_without_callback").findings(None, compliance.Period())[:3]
    plans = [
        ("面谈", MeasureStatus.PENDING, ""),
        ("加强回访", MeasureStatus.ACTIVE, ""),
        ("风险提示", MeasureStatus.DONE, "已电话提示交易风险，客户表示理解"),
    ]
    today = timezone.localdate()
    made = 0
    for finding, (kind, status, result) in zip(findings, plans, strict=False):
        task = CallbackTask.objects.filter(pk=finding.task_id).first()
        customer = task.customer if task else None
        if customer is None:
            from huifang.customers.models import Customer

            customer = Customer.objects.get(investor_code=finding.investor_code)
        measure = reports.do_create_measure(
            customer,
            MeasureType.objects.get(name=kind),
            f"合规核查：{finding.note}",
            due_date=today + datetime.timedelta(days=10),
            responsible=admin,
            task=task,
            finding=finding.key,
            actor=admin,
        )
        if status in (MeasureStatus.ACTIVE, MeasureStatus.DONE):
            reports.do_change_status(measure, MeasureStatus.ACTIVE, actor=admin)
        if status == MeasureStatus.DONE:
            reports.do_change_status(measure, MeasureStatus.DONE, actor=admin, result=result)
        made += 1
    say(f"演示管理措施：{made} 条（来自合规核查“70 周岁以上客户未按期回访”）")
