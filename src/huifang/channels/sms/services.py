"""Writes of the SMS channel: templates, queueing messages (set-based for bulk sends),
the opt-out list and receipts. Each checks the actor's permission, runs in one
transaction and writes its audit row; sending happens after commit in the drain
(:mod:`huifang.channels.sms.sending`)."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from huifang.callbacks import task_values
from huifang.callbacks.choices import OPEN_STATUSES
from huifang.callbacks.models import CallbackTask
from huifang.channels.sms import rendering, window
from huifang.channels.sms.audit_actions import SmsAction
from huifang.channels.sms.models import (
    SmsMessage,
    SmsOptOut,
    SmsReceipt,
    SmsStatus,
    SmsTemplate,
)
from huifang.core import audit
from huifang.core.actors import as_actor
from huifang.core.fieldcrypt import blind_index
from huifang.core.permissions import require, scoped
from huifang.core.rows import insert_rows

# Why a customer got no message (the reasons a send reports, in this order).
NO_MOBILE = "无有效手机号"
OPTED_OUT = "已退订"
ALREADY_TODAY = "今日已发送该模板"
OVER_QUOTA = "超出每日限额"
TOO_LONG = "内容超过 500 字"
CLOSED = "任务已结束"
NO_LINK = "无可用问卷链接（未下发 H5 问卷）"
REASONS = [NO_MOBILE, OPTED_OUT, ALREADY_TODAY, NO_LINK, OVER_QUOTA, TOO_LONG, CLOSED]

TEMPLATE_FIELDS = [
    "code",
    "name",
    "text",
    "signature",
    "enabled",
    "aliyun_template_code",
    "aliyun_params",
    "tencent_template_id",
    "tencent_params",
]
CHUNK = 5000

# The variables a send fills from the task itself; the others come by name from the app
# that knows them (``callbacks.task_values``: 问卷链接 from surveys).
OWN_VARIABLES = {"客户名称", "营业部", "回访截止日期", "客服电话", "投资者代码"}


@dataclass
class QueueResult:
    """What a send did: messages queued to go now, held for the sending window, and the
    customers skipped by reason."""

    queued: int = 0
    held: int = 0
    skipped: Counter = field(default_factory=Counter)

    @property
    def skipped_count(self) -> int:
        return sum(self.skipped.values())

    def summary(self) -> str:
        text = f"已排队 {self.queued} 条，等待发送时段 {self.held} 条，跳过 {self.skipped_count} 条"
        if self.skipped:
            reasons = "，".join(f"{r} {self.skipped[r]}" for r in REASONS if self.skipped[r])
            text += f"（{reasons}）"
        return text


# -- templates -------------------------------------------------------------------------------


def check_template(data: dict) -> None:
    """ValidationError (Chinese, by field) for a template that cannot be sent."""
    errors: dict[str, list[str]] = {}
    text = (data.get("text") or "").strip()
    signature = (data.get("signature") or "").strip()
    if not text:
        errors.setdefault("text", []).append("请填写短信内容")
    unknown = rendering.unknown_variables(text)
    if unknown:
        errors.setdefault("text", []).append(
            "未知变量："
            + "、".join("{" + u + "}" for u in unknown)
            + "；可用变量："
            + "、".join("{" + v + "}" for v in rendering.VARIABLES)
        )
    if not (signature.startswith("【") and signature.endswith("】") and len(signature) > 2):
        errors.setdefault("signature", []).append("签名须写成【签名】的形式")
    if text and not unknown:
        length = rendering.length_of(signature, rendering.render(text, rendering.EXAMPLE))
        if length > rendering.MAX_LENGTH:
            errors.setdefault("text", []).append(
                f"按示例数据渲染后共 {length} 字，超过 {rendering.MAX_LENGTH} 字上限"
            )
    if not (data.get("code") or "").strip():
        errors.setdefault("code", []).append("请填写模板编号")
    if not (data.get("name") or "").strip():
        errors.setdefault("name", []).append("请填写模板名称")
    if errors:
        raise ValidationError(errors)


def do_save_template(template: SmsTemplate | None, data: dict, *, actor=None) -> SmsTemplate:
    """Create (``template`` None) or change a template with ``data`` (its fields)."""
    actor = as_actor(actor)
    creating = template is None
    require(
        actor,
        "sms.add_smstemplate" if creating else "sms.change_smstemplate",
        message="您没有维护短信模板的权限",
    )
    values = {k: data[k] for k in TEMPLATE_FIELDS if k in data}
    for key in ("code", "name", "text", "signature"):
        if key in values:
            values[key] = (values[key] or "").strip()
    merged = {**(audit.snapshot(template, TEMPLATE_FIELDS) if template else {}), **values}
    check_template(merged)
    clash = SmsTemplate.objects.filter(code=merged["code"])
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise ValidationError({"code": [f"模板编号 {merged['code']} 已存在"]})
    with transaction.atomic():
        if creating:
            template = SmsTemplate.objects.create(**values)
            audit.record(
                SmsAction.TEMPLATE_CREATE,
                template,
                after=audit.snapshot(template, TEMPLATE_FIELDS),
                actor=actor,
            )
            return template
        template = SmsTemplate.objects.select_for_update().get(pk=template.pk)
        before = audit.snapshot(template, TEMPLATE_FIELDS)
        for key, value in values.items():
            setattr(template, key, value)
        template.save()
        old, new = audit.diff(before, audit.snapshot(template, TEMPLATE_FIELDS))
        if new:
            audit.record(SmsAction.TEMPLATE_UPDATE, template, before=old, after=new, actor=actor)
    return template


def preview(text: str, signature: str) -> dict:
    """The preview a template page shows: rendered with example data, length, parts."""
    body = rendering.render(text, rendering.EXAMPLE)
    length = rendering.length_of(signature, body)
    return {
        "text": rendering.full_text(signature, body),
        "length": length,
        "parts": rendering.parts_of(length),
        "too_long": length > rendering.MAX_LENGTH,
        "unknown": rendering.unknown_variables(text),
    }


# -- sending ---------------------------------------------------------------------------------


def _tasks_queryset(tasks, actor) -> QuerySet:
    """The tasks to send to as a queryset; explicit tasks out of scope are refused."""
    if isinstance(tasks, CallbackTask):
        tasks = [tasks]
    if isinstance(tasks, QuerySet):
        return scoped(actor, tasks, "view")
    tasks = list(tasks)
    require(actor, "sms.add_smsmessage", tasks, action="view", message="您没有发送短信的权限")
    return CallbackTask.objects.filter(pk__in=[t.pk for t in tasks])


def _today(now: datetime.datetime) -> datetime.date:
    return timezone.localtime(now).date()


def do_queue(
    tasks, template: SmsTemplate, *, force: bool = False, actor=None, now=None, progress=None
) -> QueueResult:
    """Queue ``template`` to the customers of ``tasks`` (a task, a list, or a queryset —
    narrowed to the actor's scope), set-based: valid mainland mobile, opt-out honoured,
    one per customer per template per day unless ``force``, the daily quota, at most 500
    characters. Outside the sending window they are held (queued for its opening)."""
    actor = as_actor(actor)
    require(actor, "sms.add_smsmessage", message="您没有发送短信的权限")
    if not template.enabled:
        raise ValidationError(f"短信模板 {template} 已停用")
    rows = _tasks_queryset(tasks, actor)
    now = now or timezone.now()
    today = _today(now)
    send_at = window.next_opening(now)
    held = send_at > now
    provider = settings.SMS["PROVIDER"]
    service_phone = settings.SMS["SERVICE_PHONE"]
    result = QueueResult()
    values = rows.order_by("pk").values_list(
        "pk",
        "customer_id",
        "branch_id",
        "status",
        "deadline",
        "customer__name",
        "customer__investor_code",
        "customer__mobile",
        "branch__name",
    )
    opted_out = set(SmsOptOut.objects.values_list("mobile", flat=True))
    sent_today = (
        set()
        if force
        else set(
            SmsMessage.objects.filter(template=template, day=today, forced=False).values_list(
                "customer_id", flat=True
            )
        )
    )
    room = settings.SMS["DAILY_QUOTA"] - SmsMessage.objects.filter(day=today).count()
    # Variables another app provides by task (问卷链接 from surveys), asked a chunk at a time.
    looked_up = task_values.provided(
        [name for name in rendering.variables_in(template.text) if name not in OWN_VARIABLES]
    )
    own = {"客服电话": service_phone}
    constants = {
        "template": template.pk,
        "provider": provider,
        "day": today,
        "queued_at": now,
        "next_attempt_at": send_at,
        "forced": force,
        "created_by": actor.user.pk if actor.user else None,
    }
    seen: set[int] = set()
    done = 0
    with transaction.atomic():
        for chunk in _chunks(values.iterator(chunk_size=CHUNK)):
            extra = {
                name: task_values.values_for(name, [r[0] for r in chunk]) for name in looked_up
            }
            pending = []
            for row in chunk:
                (task_id, customer_id, branch_id, status, deadline, name, code, mobile, branch) = (
                    row
                )
                if status not in OPEN_STATUSES:
                    result.skipped[CLOSED] += 1
                    continue
                number = rendering.mainland_mobile(mobile)
                if number is None:
                    result.skipped[NO_MOBILE] += 1
                    continue
                if number in opted_out:
                    result.skipped[OPTED_OUT] += 1
                    continue
                if customer_id in sent_today or (not force and customer_id in seen):
                    result.skipped[ALREADY_TODAY] += 1
                    continue
                params = {
                    **own,
                    "客户名称": name,
                    "营业部": branch,
                    "回访截止日期": deadline.isoformat() if deadline else "",
                    "投资者代码": code,
                }
                for key in looked_up:
                    params[key] = extra[key].get(task_id, "")
                if any(not params[key] for key in looked_up):
                    result.skipped[NO_LINK] += 1
                    continue
                body = rendering.render(template.text, params)
                length = rendering.length_of(template.signature, body)
                if length > rendering.MAX_LENGTH:
                    result.skipped[TOO_LONG] += 1
                    continue
                if len(pending) + result.queued + result.held >= room:
                    result.skipped[OVER_QUOTA] += 1
                    continue
                seen.add(customer_id)
                pending.append(
                    (
                        customer_id,
                        task_id,
                        branch_id,
                        params,
                        rendering.full_text(template.signature, body),
                        rendering.parts_of(length),
                        number,
                        blind_index(number),
                    )
                )
            _flush(pending, constants, result, held)
            done += len(chunk)
            if progress:
                progress(done, None, f"已处理 {done} 条")
        audit.record(
            SmsAction.QUEUE,
            template,
            after={
                "template": template.code,
                "queued": result.queued,
                "held": result.held,
                "skipped": dict(result.skipped),
                "forced": force,
            },
            message=result.summary(),
            actor=actor,
        )
        if result.queued or result.held:
            from huifang.channels.sms.sending import start_drain

            transaction.on_commit(start_drain)
    return result


def _chunks(rows) -> Iterator[list]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# The message row's columns :func:`do_queue` fills per customer (the rest are the send's).
QUEUED_COLUMNS = [
    "customer", "task", "branch", "params", "text", "parts", "mobile", "mobile_bidx"
]  # fmt: skip


def _flush(pending: list[tuple], constants: dict, result: QueueResult, held: bool) -> None:
    if not pending:
        return
    try:
        with transaction.atomic():
            insert_rows(SmsMessage, QUEUED_COLUMNS, pending, constants)
    except IntegrityError as exc:  # the same text queued by someone else this instant
        raise ValidationError("有人同时向这些客户发送了同一模板的短信，请刷新后重试") from exc
    if held:
        result.held += len(pending)
    else:
        result.queued += len(pending)


# -- opt-out ---------------------------------------------------------------------------------


def do_opt_out(mobile: str, reason: str = "", *, actor=None) -> SmsOptOut:
    """Put a mobile number on the opt-out list (no more texts to it); idempotent."""
    actor = as_actor(actor)
    require(actor, "sms.add_smsoptout", message="您没有登记短信退订的权限")
    number = rendering.mainland_mobile(mobile)
    if number is None:
        raise ValidationError("请填写有效的手机号（中国大陆 11 位手机号）")
    reason = (reason or "").strip()[:200]
    with transaction.atomic():
        entry, created = SmsOptOut.objects.get_or_create(
            mobile_bidx=blind_index(number),
            defaults={
                "mobile": number,
                "reason": reason,
                "created_by": actor.user,
                "created_via": actor.label,
            },
        )
        if created:
            audit.record(
                SmsAction.OPT_OUT,
                entry,
                after={"mobile": number, "reason": reason},
                object_repr="退订",
                actor=actor,
            )
        # Messages to it that wait in the queue are not sent either.
        SmsMessage.objects.filter(mobile_bidx=blind_index(number), status=SmsStatus.QUEUED).update(
            status=SmsStatus.FAILED,
            provider_code="opt_out",
            provider_text="客户已退订，未发送",
            next_attempt_at=None,
        )
    return entry


def do_opt_in(entry: SmsOptOut, *, actor=None) -> None:
    """Take a number off the opt-out list (the customer asked for texts again)."""
    actor = as_actor(actor)
    require(actor, "sms.delete_smsoptout", message="您没有取消短信退订的权限")
    with transaction.atomic():
        audit.record(
            SmsAction.OPT_IN,
            entry,
            before={"mobile": entry.mobile, "reason": entry.reason},
            object_repr="退订",
            actor=actor,
        )
        entry.delete()


# -- receipts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """One delivery report, whatever the provider's format."""

    dedup_key: str
    provider_message_id: str
    delivered: bool
    code: str
    text: str
    at: datetime.datetime | None
    payload: dict
    mobile: str = ""
    message_id: int | None = None


def do_apply_receipts(provider: str, reports: list[Report], *, actor=None) -> dict:
    """Record each report once (its ``dedup_key``) and set its message 已送达 / 失败.
    Returns counts: applied, duplicate, unknown (no such message: kept, not applied)."""
    actor = as_actor(actor)
    require(actor, "sms.add_smsreceipt", message="您没有登记短信回执的权限")
    counts = Counter(applied=0, duplicate=0, unknown=0)
    keys = [r.dedup_key for r in reports]
    with transaction.atomic():
        known = set(
            SmsReceipt.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True)
        )
        for report in reports:
            if report.dedup_key in known:
                counts["duplicate"] += 1
                continue
            known.add(report.dedup_key)
            message = _message_for(provider, report)
            try:
                with transaction.atomic():
                    SmsReceipt.objects.create(
                        provider=provider,
                        dedup_key=report.dedup_key[:200],
                        message=message,
                        payload=report.payload,
                    )
            except IntegrityError:  # the same report delivered concurrently
                counts["duplicate"] += 1
                continue
            if message is None:
                counts["unknown"] += 1
                continue
            _apply(message, report)
            counts["applied"] += 1
        if counts["applied"] or counts["unknown"]:
            audit.record(
                SmsAction.RECEIPT,
                None,
                object_type="sms.smsreceipt",
                object_repr=f"{provider} 回执",
                after=dict(counts),
                message=f"{provider} 回执 {len(reports)} 条",
                actor=actor,
            )
    return dict(counts)


def _message_for(provider: str, report: Report) -> SmsMessage | None:
    if report.message_id is not None:
        found = SmsMessage.objects.filter(pk=report.message_id).first()
        if found is not None:
            return found
    if not report.provider_message_id:
        return None
    rows = SmsMessage.objects.filter(
        provider=provider, provider_message_id=report.provider_message_id
    )
    if report.mobile:
        number = rendering.mainland_mobile(report.mobile)
        if number:
            rows = rows.filter(mobile_bidx=blind_index(number))
    return rows.order_by("-pk").first()


def _apply(message: SmsMessage, report: Report) -> None:
    at = report.at or timezone.now()
    status = SmsStatus.DELIVERED if report.delivered else SmsStatus.FAILED
    changes = {
        "status": status,
        "provider_code": report.code[:60],
        "provider_text": report.text[:300],
        "next_attempt_at": None,
    }
    if report.delivered:
        changes["delivered_at"] = at
    # A late 失败 never overrides 已送达 (a repeat of an earlier attempt's report).
    SmsMessage.objects.filter(pk=message.pk).exclude(status=SmsStatus.DELIVERED).update(**changes)


def task_messages(user, task: CallbackTask) -> models.QuerySet:
    """The messages of ``task`` the user may see, newest first (the task page's list)."""
    return (
        SmsMessage.objects.restrict(user, "view")
        .filter(task=task)
        .select_related("template", "created_by")
        .order_by("-queued_at", "-id")
    )
