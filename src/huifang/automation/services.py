"""Every write of 回访计划: saving a plan, running an occurrence, approving a run.

Pages, the ``huifang plan`` command and the worker's tick call these functions only. An
occurrence runs exactly as a person would by hand: ``rules.services.do_run_screening``
(frozen at once for an automatic plan) and ``callbacks.services.do_create_batch``, with
the same permission checks and audit rows, attributed to the person who pressed 执行 or
审核通过, or to the worker (``job:回访计划``) / the command (``command:plan``).
"""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from huifang.automation import schedule
from huifang.automation.audit_actions import AutomationAction
from huifang.automation.models import (
    CURRENT,
    Plan,
    PlanMode,
    PlanRun,
    PlanRunStatus,
    PlanTrigger,
    ReferenceKind,
)
from huifang.callbacks import distribution
from huifang.callbacks import services as callbacks_services
from huifang.core import audit, calendar, liveness
from huifang.core.actors import person_of
from huifang.core.permissions import require
from huifang.rules import engine
from huifang.rules import services as rules_services
from huifang.rules.completeness import data_gap
from huifang.rules.models import Rule, RuleVersion

log = logging.getLogger(__name__)

PLAN_FIELDS = [
    "name",
    "rules",
    "reference_kind",
    "fixed_date",
    "business_type",
    "run_time",
    "mode",
    "enabled",
    "auto_distribute",
]
SCHEDULE_FIELDS = ("reference_kind", "fixed_date", "run_time")
ABANDONED = "执行该计划的进程已中断（被强制结束、崩溃或服务器重启），没有完成；请重新执行"


# ---------------------------------------------------------------- plans


def clean_rules(entries) -> list[dict]:
    """The plan's rule list, checked: ``[{"code": "A001", "version": "current" | N}]``
    with known rules, existing version numbers and each rule once, in code order."""
    if not entries:
        raise ValidationError({"rules": ["请至少选择一条回访规则"]})
    cleaned: dict[str, dict] = {}
    for entry in entries:
        code = str(entry.get("code", "")).strip().upper()
        version = entry.get("version", CURRENT)
        if code in cleaned:
            raise ValidationError({"rules": [f"规则 {code} 只能选择一个版本"]})
        rule = Rule.objects.filter(code=code).first()
        if rule is None:
            raise ValidationError({"rules": [f"未知规则：{code}"]})
        if version != CURRENT:
            try:
                version = int(version)
            except (TypeError, ValueError):
                raise ValidationError({"rules": [f"规则 {code} 的版本“{version}”无效"]}) from None
            if not RuleVersion.objects.filter(rule=rule, number=version).exists():
                raise ValidationError({"rules": [f"规则 {code} 没有版本 v{version}"]})
        cleaned[code] = {"code": code, "version": version}
    return [cleaned[code] for code in sorted(cleaned)]


def _snapshot(plan: Plan) -> dict:
    values = audit.snapshot(
        plan, [f if f != "business_type" else "business_type_id" for f in PLAN_FIELDS]
    )
    values["notify"] = sorted(plan.notify.values_list("pk", flat=True)) if plan.pk else []
    return values


def do_save_plan(instance: Plan | None, data: dict, *, actor) -> Plan:
    """Create (``instance`` None) or change a plan from ``data`` (the keys of
    :data:`PLAN_FIELDS`, and ``notify``: users); audited with the diff.

    The schedule counts from now when the plan is created, re-enabled or rescheduled, so
    saving never makes past occurrences due. The worker's tick is (re)scheduled on commit.
    """
    require(
        actor,
        f"automation.{'change' if instance else 'add'}_plan",
        message="您没有维护回访计划的权限",
    )
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=instance.pk) if instance else Plan()
        before = _snapshot(plan) if instance else {}
        was_enabled = plan.enabled if instance else False
        for name in PLAN_FIELDS:
            if name in data:
                setattr(plan, name, data[name])
        plan.rules = clean_rules(plan.rules)
        if plan.reference_kind != ReferenceKind.FIXED:
            plan.fixed_date = None
        now = timezone.now()
        rescheduled = any(
            before.get(f) != audit.jsonable(getattr(plan, f)) for f in SCHEDULE_FIELDS
        )
        if instance is None or rescheduled or (plan.enabled and not was_enabled):
            plan.active_since = now
        if instance is None:
            plan.created_by = person_of(actor)
            plan.created_at = now
        plan.updated_by = person_of(actor)
        plan.full_clean(exclude=["notify"])
        if (
            plan.reference_kind == ReferenceKind.FIXED
            and (instance is None or rescheduled)
            and schedule.moment(plan, plan.fixed_date) <= now
        ):
            raise ValidationError(
                {"fixed_date": ["固定日期及执行时间已过，计划不会再自动执行；请选择以后的日期"]}
            )
        plan.save()
        if "notify" in data:
            plan.notify.set(data["notify"] or [])
        old, new = audit.diff(before, _snapshot(plan))
        audit.record(
            AutomationAction.PLAN_CHANGE if instance else AutomationAction.PLAN_CREATE,
            plan,
            before=old,
            after=new,
            message=f"回访计划“{plan.name}”：{plan.schedule_text}，{plan.rules_text}",
            actor=actor,
        )
        transaction.on_commit(_ensure_tick)
    return plan


def _ensure_tick() -> None:
    from huifang.automation.tasks import ensure_notice_tick, ensure_tick

    try:
        ensure_tick()
    except Exception:  # scheduling the tick must never undo or hide a saved plan
        log.exception("无法安排回访计划的定时检查")
    try:
        ensure_notice_tick()
    except Exception:
        log.exception("无法安排站内消息的定时检查")


# ---------------------------------------------------------------- running an occurrence


def screening_rules(plan: Plan) -> list:
    """What ``do_run_screening`` gets as ``rules``: the codes, as the screening page and
    ``huifang screen --rules`` pass them, when every rule is at its current version; else
    one engine spec per rule, the pinned ones with their saved version's parameters."""
    entries = plan.rules
    if all(e["version"] == CURRENT for e in entries):
        return [e["code"] for e in entries]
    following = [e["code"] for e in entries if e["version"] == CURRENT]
    # resolve_rules refuses unknown and switched-off rules, as for a screening by hand.
    current = {spec.code: spec for spec in engine.resolve_rules(following)} if following else {}
    specs = []
    for entry in entries:
        code, version = entry["code"], entry["version"]
        if version == CURRENT:
            specs.append(current[code])
            continue
        saved = RuleVersion.objects.select_related("rule").filter(rule__code=code, number=version)
        saved = saved.first()
        if saved is None:
            raise ValidationError(f"规则 {code} 没有版本 v{version}")
        if not saved.rule.enabled:
            raise ValidationError(f"规则已停用：{code}")
        specs.append(
            engine.RuleSpec(code, saved.name, saved.rule.rule_type, dict(saved.params), saved.pk)
        )
    return specs


def _claim(plan: Plan, on: datetime.date, actor, *, trigger: str, again: bool) -> PlanRun | None:
    """Take the occurrence ``on`` of ``plan``: insert its row (committed at once, so every
    other worker sees it taken). With ``again``, an occurrence that failed, or whose
    approval lost its screening, is taken again by a guarded UPDATE. None: someone else
    holds it."""
    now = timezone.now()
    values = dict(
        status=PlanRunStatus.RUNNING,
        trigger=trigger,
        started_at=now,
        started_by=person_of(actor),
        runner=liveness.mark(),
    )
    try:
        with transaction.atomic():
            return PlanRun.objects.create(plan=plan, occurrence=on, **values)
    except IntegrityError:
        pass
    if not again:
        return None
    retryable = Q(status=PlanRunStatus.FAILED) | Q(
        status=PlanRunStatus.PENDING, screening_run__isnull=True
    )
    taken = (
        PlanRun.objects.filter(plan=plan, occurrence=on)
        .filter(retryable)
        .update(
            **values,
            screening_run=None,
            batch=None,
            error="",
            finished_at=None,
            approved_at=None,
            approved_by=None,
        )
    )
    if not taken:
        return None
    claimed = PlanRun.objects.get(plan=plan, occurrence=on)
    PlanRun.objects.filter(pk=claimed.pk).update(attempts=claimed.attempts + 1)
    claimed.attempts += 1
    return claimed


def may_run_again(plan_run: PlanRun | None) -> bool:
    """Whether 执行 may take this occurrence again: it failed, or it waits for an approval
    whose screening is gone (a person's old previews are cleaned away)."""
    if plan_run is None:
        return True
    return plan_run.status == PlanRunStatus.FAILED or (
        plan_run.status == PlanRunStatus.PENDING and plan_run.screening_run_id is None
    )


def taken_message(plan: Plan, on: datetime.date) -> str:
    existing = PlanRun.objects.filter(plan=plan, occurrence=on).first()
    status = existing.get_status_display() if existing else "执行中"
    return f"回访计划“{plan.name}”基准日 {on:%Y-%m-%d} 已执行（{status}），不会重复执行"


def check_reference_date(plan: Plan, on: datetime.date) -> None:
    """Refuse (``ValidationError``) a date that is not one of the plan's reference dates:
    an occurrence of a 每个交易日 plan is a trading day, of a month-end plan the month's last
    trading day, of a fixed-date plan its date (a screening of any other date is 筛选's)."""
    try:
        if schedule.is_reference_date(plan, on):
            return
    except calendar.CalendarMissing:
        raise ValidationError(
            f"没有 {on.year} 年的交易日历，无法确定 {on:%Y-%m-%d} 是否为回访计划“{plan.name}”的"
            "回访基准日；请先在 系统管理 → 交易日历 中维护",
            code="not_reference_date",
        ) from None
    if plan.reference_kind == ReferenceKind.FIXED and plan.fixed_date:
        hint = f"该计划只在固定日期 {plan.fixed_date:%Y-%m-%d} 执行"
    else:
        previous = schedule.previous_reference_date(plan, on)
        hint = f"此前最近的回访基准日为 {previous:%Y-%m-%d}" if previous else ""
    raise ValidationError(
        f"{on:%Y-%m-%d} 不是回访计划“{plan.name}”的回访基准日"
        f"（{plan.get_reference_kind_display()}）" + (f"；{hint}" if hint else ""),
        code="not_reference_date",
    )


def do_run_plan(
    plan: Plan,
    *,
    on: datetime.date,
    actor,
    trigger: str = PlanTrigger.MANUAL,
) -> PlanRun | None:
    """Run the occurrence ``on`` (reference date D) of ``plan`` once: screen as of D with
    the plan's rules, then (automatic plan) freeze and create the batch, or (approval
    plan) stop at 待审核 with the screening kept as a preview.

    The claim is the insert of the (plan, D) row, committed before the work starts, so
    call this outside any transaction in production. A D that is not one of the plan's
    reference dates is refused (:func:`check_reference_date`). By hand (``trigger`` manual) a D
    already run is refused (``ValidationError``) unless its run failed, which is then run
    again; for the schedule a taken D returns None. A failure of the work itself is kept
    on the row (失败, with the message) and audited; the row is returned either way.
    """
    # What the occurrence will do (screen; freeze and create the batch) is checked up front,
    # so a refusal claims nothing.
    needed = ("automation.add_planrun", "rules.add_screeningrun")
    if plan.mode == PlanMode.AUTO:
        needed += ("rules.change_screeningrun", "callbacks.add_batch")
    require(actor, needed, message="您没有执行回访计划的权限")
    check_reference_date(plan, on)
    manual = trigger == PlanTrigger.MANUAL
    claimed = _claim(plan, on, actor, trigger=trigger, again=manual)
    if claimed is None:
        if manual:
            raise ValidationError(taken_message(plan, on))
        return None
    return _execute(claimed, actor)


def _execute(plan_run: PlanRun, actor) -> PlanRun:
    plan, on = plan_run.plan, plan_run.occurrence
    auto = plan.mode == PlanMode.AUTO
    run = batch = None
    error = ""
    try:
        run = rules_services.do_run_screening(
            on,
            rules=screening_rules(plan),
            freeze=auto,
            note=f"回访计划“{plan.name}” 基准日 {on:%Y-%m-%d}"[:200],
            actor=actor,
        )
        if auto:
            batch = callbacks_services.do_create_batch(run, plan.business_type, actor=actor).batch
            plan_run.distribution = _distribute(plan, batch, actor)
    except ValidationError as exc:
        error = _refusal(exc, on)
    except PermissionDenied as exc:
        error = str(exc)
    except Exception as exc:  # a bug: kept on the row for HQ, the trace for the operator
        log.exception("回访计划 %s 基准日 %s 执行出错", plan.pk, on)
        error = f"内部错误：{exc}"
    if error:
        status = PlanRunStatus.FAILED
    else:
        status = PlanRunStatus.DONE if auto else PlanRunStatus.PENDING
    with transaction.atomic():
        plan_run.screening_run = run
        plan_run.batch = batch
        plan_run.status = status
        plan_run.error = error
        plan_run.finished_at = timezone.now()
        plan_run.runner = ""
        plan_run.save(
            update_fields=[
                *("screening_run", "batch", "status", "error", "finished_at", "runner"),
                "distribution",
            ]
        )
        audit.record(
            AutomationAction.PLAN_RUN_FAILED if error else AutomationAction.PLAN_RUN,
            plan_run,
            after={
                "plan": plan.name,
                "occurrence": on,
                "trigger": plan_run.trigger,
                "status": status,
                "run": run.pk if run else None,
                "batch": batch.number if batch else None,
                "distribution": plan_run.distribution,
            },
            message=outcome(plan_run),
            actor=actor,
        )
        transaction.on_commit(lambda: _notify_run(plan_run))
    return plan_run


def _refusal(exc: ValidationError, on: datetime.date) -> str:
    """Why the occurrence was refused, for the run's row: the data of D not in yet says
    so without the page's checkbox advice (a plan cannot tick it: run it again later)."""
    if getattr(exc, "code", None) == "incomplete_data":
        gap = data_gap(on)
        if gap is not None:
            return f"{gap.message}。请在该日数据导入完整后重新执行"
    return "；".join(exc.messages)


def _distribute(plan: Plan, batch, actor) -> str:
    """自动分配 of the new batch for a plan that asks for it: what happened, in words.
    A refusal does not undo the batch (it is made); the tasks wait to be assigned by hand."""
    if not plan.auto_distribute or batch is None:
        return ""
    try:
        done = distribution.do_distribute_batch(batch, actor=actor)
    except (ValidationError, PermissionDenied) as exc:
        why = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return f"未能自动分配：{why}"[:300]
    return distribution.batch_summary(done)


def _notify_run(plan_run: PlanRun) -> None:
    """站内消息 of a finished run (after its commit): 待审核 / 失败 to HQ and the plan's 通知
    people, 已完成 to the 通知 people (``reminders.plan_run_messages``)."""
    from huifang.automation.receivers import notify_plan_run

    notify_plan_run(plan_run)


def outcome(plan_run: PlanRun) -> str:
    head = f"回访计划“{plan_run.plan.name}”基准日 {plan_run.occurrence:%Y-%m-%d}"
    if plan_run.status == PlanRunStatus.FAILED:
        return f"{head} 执行失败：{plan_run.error}"[:1000]
    return f"{head}：{produced(plan_run)}"


def produced(plan_run: PlanRun) -> str:
    """What a run that did not fail made: its screening, and the batch or 待审核."""
    run = plan_run.screening_run
    hits = f"筛选 #{run.pk} 命中 {run.hit_count} 位客户" if run else ""
    if plan_run.status == PlanRunStatus.PENDING:
        return f"{hits}，待审核"
    made = f"{hits}，批次 {plan_run.batch.number}"
    return f"{made}，{plan_run.distribution}" if plan_run.distribution else made


def do_approve(plan_run: PlanRun, *, actor) -> PlanRun:
    """审核通过: freeze the 待审核 run's screening and create its batch, as 数据落地 and
    加入回访名单 do by hand. All or nothing: on a refusal (``ValidationError``: the data
    of D still incomplete, the business type switched off …) the run stays 待审核.
    Approving twice is refused; two approvals racing create one batch."""
    require(
        actor,
        ("automation.change_planrun", "rules.change_screeningrun", "callbacks.add_batch"),
        message="您没有审核回访计划执行的权限",
    )
    with transaction.atomic():
        # The guarded UPDATE is the claim: a second approval finds no 待审核 row.
        claimed = PlanRun.objects.filter(pk=plan_run.pk, status=PlanRunStatus.PENDING).update(
            status=PlanRunStatus.RUNNING
        )
        if not claimed:
            current = PlanRun.objects.filter(pk=plan_run.pk).first()
            state = current.get_status_display() if current else "不存在"
            raise ValidationError(f"该次执行不是待审核状态（{state}），无需审核")
        plan_run = PlanRun.objects.select_related("plan", "screening_run").get(pk=plan_run.pk)
        run = plan_run.screening_run
        if run is None:
            raise ValidationError(
                "该次执行的筛选结果已被清理（预览筛选只保留最近几次），请重新执行"
            )
        run = plan_run.screening_run = rules_services.do_freeze_run(run, actor=actor)
        batch = callbacks_services.do_create_batch(
            run, plan_run.plan.business_type, actor=actor
        ).batch
        now = timezone.now()
        plan_run.batch = batch
        plan_run.distribution = _distribute(plan_run.plan, batch, actor)
        plan_run.status = PlanRunStatus.DONE
        plan_run.approved_at = now
        plan_run.approved_by = person_of(actor)
        plan_run.finished_at = now
        plan_run.save(
            update_fields=[
                *("batch", "status", "approved_at", "approved_by", "finished_at"),
                "distribution",
            ]
        )
        audit.record(
            AutomationAction.PLAN_APPROVE,
            plan_run,
            before={"status": PlanRunStatus.PENDING},
            after={
                "status": PlanRunStatus.DONE,
                "run": run.pk,
                "batch": batch.number,
                "distribution": plan_run.distribution,
            },
            message=f"审核通过：{outcome(plan_run)}",
            actor=actor,
        )
        transaction.on_commit(lambda: _notify_run(plan_run))
    return plan_run


# ---------------------------------------------------------------- the schedule


def tick(now: datetime.datetime | None = None) -> list[PlanRun]:
    """Run every due occurrence of every enabled plan, oldest first per plan; the ones
    another worker took meanwhile are skipped. Returns the runs this call made."""
    now = now or timezone.now()
    made = []
    for plan in Plan.objects.filter(enabled=True).select_related("business_type").order_by("pk"):
        for day in schedule.due_occurrences(plan, now):
            plan_run = do_run_plan(plan, on=day, actor=None, trigger=PlanTrigger.SCHEDULE)
            if plan_run is not None:
                made.append(plan_run)
    return made


def recover_abandoned(is_dead) -> int:
    """Fail the runs left 执行中 by a process that is gone (``core.liveness``: the worker
    calls this when it starts), so they can be run again; and make sure the schedule's
    tick is queued, since the worker is starting."""
    running = PlanRun.objects.filter(status=PlanRunStatus.RUNNING).exclude(runner="")
    dead = [pk for pk, runner in running.values_list("pk", "runner") if is_dead(runner)]
    settled = 0
    if dead:
        settled = PlanRun.objects.filter(pk__in=dead, status=PlanRunStatus.RUNNING).update(
            status=PlanRunStatus.FAILED, error=ABANDONED, finished_at=timezone.now(), runner=""
        )
    _ensure_tick()
    return settled


liveness.register_recovery(recover_abandoned)
