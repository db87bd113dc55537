"""Every write of the callback list: business types, batches (with the merge), assignment
and the task workflow. Pages, the API, commands and jobs call these functions only.

Task status changes go through :data:`TRANSITIONS` and nothing else: each is one UPDATE
guarded by the allowed source statuses (a stale page cannot complete a cancelled task)
and leaves one audit row per task.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from huifang.callbacks import deadlines, merge
from huifang.callbacks.audit_actions import CallbackAction
from huifang.callbacks.choices import CLOSED_CUSTOMER_REASON, OPEN_STATUSES, TaskStatus
from huifang.callbacks.models import Batch, BusinessType, CallbackTask, Counter
from huifang.callbacks.signals import tasks_assigned
from huifang.core import audit, calendar
from huifang.core.actors import person_of
from huifang.core.chunks import in_chunks
from huifang.core.maintained import save_entry
from huifang.core.permissions import acting_user, is_system, require, scoped
from huifang.core.scoping import has_model_perm
from huifang.customers.audit_actions import CustomerAction
from huifang.org.models import Branch, Role, User
from huifang.rules.models import RunStatus, ScreeningRun

BATCH_COUNTER = "batch_number"
FIRST_BATCH_NUMBER = 1_000_000_001
BUSINESS_TYPE_FIELDS = [
    "name",
    "description",
    "deadline_rule",
    "deadline_days",
    "event_age",
    "max_unanswered_attempts",
    "questionnaire_required",
    "required_record_fields",
    "sample_percent",
    "is_active",
    "sort_order",
]


# ---------------------------------------------------------------- business types


def do_save_business_type(instance: BusinessType | None, data: dict, *, actor) -> BusinessType:
    """Create (``instance`` None) or change a business type; audited with the diff."""
    require(
        actor,
        f"callbacks.{'change' if instance else 'add'}_businesstype",
        message="您没有维护回访业务类型的权限",
    )
    return save_entry(
        BusinessType,
        instance,
        data,
        BUSINESS_TYPE_FIELDS,
        actor=actor,
        created=CallbackAction.CREATE,
        changed=CallbackAction.CHANGE,
    )


# ---------------------------------------------------------------- batches


@dataclass
class BatchResult:
    batch: Batch
    created: bool  # False: this run was already turned into a batch of this type


class _AlreadyDone(Exception):
    def __init__(self, batch: Batch):
        self.batch = batch


def next_batch_number() -> str:
    """Take the next batch number. The counter row's UPDATE holds a write lock until the
    caller's transaction ends, so concurrent batch creations run one after the other and
    a rolled-back batch gives its number back."""
    updated = Counter.objects.filter(name=BATCH_COUNTER).update(value=F("value") + 1)
    if not updated:
        Counter.objects.create(name=BATCH_COUNTER, value=FIRST_BATCH_NUMBER)
        return str(FIRST_BATCH_NUMBER)
    return str(Counter.objects.get(name=BATCH_COUNTER).value)


def check_can_create_batch(run: ScreeningRun, business_type: BusinessType) -> None:
    """Refuse early (before a job starts) what :func:`do_create_batch` would refuse."""
    if run.status != RunStatus.FROZEN:
        raise ValidationError("只有已落地的筛选结果才能加入回访名单，请先执行“数据落地”")
    if not business_type.is_active:
        raise ValidationError(f"回访业务类型“{business_type.name}”已停用")
    deadlines.plan(business_type, timezone.localdate())  # CalendarMissing → refused


def existing_batch(run: ScreeningRun, business_type: BusinessType) -> Batch | None:
    """The batch already made of ``run`` under ``business_type`` (making it again returns it)."""
    return Batch.objects.filter(run=run, business_type=business_type).first()


def do_create_batch(
    run: ScreeningRun,
    business_type: BusinessType,
    *,
    actor,
    progress: Callable[[int, int, str], None] | None = None,
) -> BatchResult:
    """加入回访名单: turn a frozen run into a batch of tasks under ``business_type``.

    One transaction: a failure leaves no batch, no task and no link. The same run and
    business type a second time returns the existing batch (``created=False``).
    """
    require(actor, "callbacks.add_batch", message="您没有创建回访批次的权限")
    existing = existing_batch(run, business_type)
    if existing is not None:
        return BatchResult(existing, created=False)
    run.refresh_from_db(fields=["status"])
    check_can_create_batch(run, business_type)
    report = progress or (lambda done, total, message: None)
    started = time.monotonic()
    today = timezone.localdate()
    try:
        with transaction.atomic():
            number = next_batch_number()  # first write: serialises concurrent batches
            again = Batch.objects.filter(run=run, business_type=business_type).first()
            if again is not None:
                raise _AlreadyDone(again)
            plan = deadlines.plan(business_type, today, merge.youngest_birth(run.pk))
            batch = Batch.objects.create(
                number=number,
                run=run,
                business_type=business_type,
                as_of=run.as_of,
                hit_count=run.hits.count(),
                sample_percent=business_type.sample_percent,
                deadline=plan.fallback,
                deadline_provisional=plan.provisional,
                created_at=timezone.now(),  # its local date is the day deadlines count from
                created_by=person_of(actor),
            )
            counts = merge.merge_run(batch, plan, lambda step, message: report(step, 5, message))
            batch.created_count = counts.created
            batch.merged_count = counts.merged
            batch.skipped_count = batch.hit_count - counts.created - counts.merged
            batch.candidate_count = counts.candidates
            batch.sampled_count = counts.created
            batch.seconds = round(time.monotonic() - started, 3)
            batch.save(
                update_fields=[
                    "created_count",
                    "merged_count",
                    "skipped_count",
                    "candidate_count",
                    "sampled_count",
                    "seconds",
                ]
            )
            report(5, 5, "完成")
            audit.record(
                CallbackAction.BATCH_CREATE,
                batch,
                after={
                    "run": run.pk,
                    "business_type": business_type.name,
                    "hits": batch.hit_count,
                    "created": batch.created_count,
                    "merged": batch.merged_count,
                    "skipped": batch.skipped_count,
                    "sample_percent": batch.sample_percent,
                    "candidates": batch.candidate_count,
                    "sampled": batch.sampled_count,
                },
                message=f"加入回访名单：筛选 #{run.pk} → 批次 {number}（{business_type.name}，"
                f"{batch.sample_text}）",
                actor=actor,
            )
    except _AlreadyDone as done:
        return BatchResult(done.batch, created=False)
    except IntegrityError as exc:
        # Another creation of the same run and type won the race after our first check.
        again = Batch.objects.filter(run=run, business_type=business_type).first()
        if again is not None:
            return BatchResult(again, created=False)
        raise ValidationError(f"加入回访名单失败：{exc}") from exc
    return BatchResult(batch, created=True)


def _record_many(rows: list[dict], actor) -> None:
    """Bulk audit rows attributed to ``actor`` (``audit.record_many`` reads the context)."""
    audit.record_many(rows, actor=actor)


# ---------------------------------------------------------------- scope helpers


WORK_TASKS = "callbacks.change_callbacktask"  # and the task in the actor's "change" scope
MANAGE_TASKS = (WORK_TASKS, "callbacks.manage_callbacktask")  # HQ admins, branch managers


def may_manage_tasks(user) -> bool:
    """Assigning, distributing and cancelling tasks (``callbacks.manage_callbacktask``:
    HQ admins and branch managers by ``org.roles``; agents only work their tasks)."""
    if not has_model_perm(user, CallbackTask, "change"):
        return False
    return user.has_perm("callbacks.manage_callbacktask")


Selection = Iterable[int] | QuerySet


def tasks_for_change(ids: Selection, actor, *, expected: int | None = None) -> list[CallbackTask]:
    """The tasks ``ids`` locked for change; any id out of the actor's scope refuses all.

    ``ids`` may also be a queryset of tasks — "every task matching the list's filter":
    then the tasks are those of it in the actor's scope, and ``expected`` (the number the
    user confirmed) must still be their number, else nothing is done."""
    if isinstance(ids, QuerySet):
        return _matching_for_change(ids, actor, expected)
    wanted = {int(i) for i in ids}
    if not wanted:
        raise ValidationError("请先选择回访任务")
    tasks = list(
        scoped(actor, CallbackTask.objects.all(), "change")
        .select_related("branch")
        .select_for_update(of=("self",))
        .filter(pk__in=wanted)
        .order_by("pk")
    )
    if len(tasks) != len(wanted):
        raise PermissionDenied("所选任务中有不在您权限范围内或不存在的任务，未做任何修改")
    if expected is not None and len(tasks) != expected:
        raise ValidationError(
            f"所选任务为 {len(tasks)} 条，与确认的 {expected} 条不符，未做任何修改"
        )
    return tasks


def _matching_for_change(matching: QuerySet, actor, expected: int | None) -> list[CallbackTask]:
    tasks = list(
        scoped(actor, CallbackTask.objects.all(), "change")
        .filter(pk__in=matching.order_by().values("pk"))
        .select_related("branch")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    if not tasks:
        raise ValidationError("没有符合筛选条件的回访任务")
    if expected is not None and len(tasks) != expected:
        raise ValidationError(
            f"符合筛选条件的任务已由确认时的 {expected} 条变为 {len(tasks)} 条，"
            "未做任何修改，请重新确认"
        )
    return tasks


def require_open(tasks: list[CallbackTask]) -> None:
    closed = [t for t in tasks if not t.is_open]
    if closed:
        labels = "、".join(f"#{t.pk}（{t.get_status_display()}）" for t in closed[:5])
        raise ValidationError(f"只能处理未处理或处理中的任务：{labels}")


def agents_in_scope(actor, branch: Branch | None = None):
    """Active agents the actor may see, optionally within ``branch``'s subtree."""
    agents = scoped(actor, User.objects.all(), "view").filter(role=Role.AGENT, is_active=True)
    if branch is not None:
        agents = agents.filter(branch__path__startswith=branch.path)
    return agents.select_related("branch").order_by("username")


# ---------------------------------------------------------------- whose task it is


def held_by_other(task: CallbackTask) -> str:
    name = task.assignee.display_name if task.assignee_id else ""
    return (
        f"该任务已分配给{name}，只有该任务的回访专员或营业部负责人可以处理"
        if name
        else "该任务已分配给其他回访专员，只有该任务的回访专员或营业部负责人可以处理"
    )


def work_refusal(actor, task: CallbackTask) -> str | None:
    """Why ``actor`` may not work ``task`` (登记回访记录, 录入线下问卷, 下发问卷; correcting its
    records and attaching to them, ``records.services.check_editable``), or None.

    An agent works the tasks assigned to them (docs/users.md: 处理分配给自己的任务), not a
    colleague's; a task not yet assigned is open to the agents of its branch (scope), as
    before the branch manager distributes them. Branch managers and HQ
    (``callbacks.manage_callbacktask``) work every task in their scope,
    and a machine (a partner, a command or job started by no one) is trusted at its entry.
    Scope and the Django permissions are :func:`~huifang.core.permissions.require`'s."""
    if is_system(actor):
        return None
    user = acting_user(actor)
    if user is None or may_manage_tasks(user):
        return None
    if task.assignee_id is None or task.assignee_id == user.pk:
        return None
    return held_by_other(task)


def require_own_task(actor, task: CallbackTask) -> None:
    """Refuse (PermissionDenied, :func:`work_refusal`'s Chinese reason) unless ``actor``
    may work ``task``."""
    refusal = work_refusal(actor, task)
    if refusal is not None:
        raise PermissionDenied(refusal)


def require_own_tasks(actor, tasks: QuerySet) -> None:
    """:func:`require_own_task` for every task of ``tasks`` (one query): an agent's
    selection holds only tasks assigned to them."""
    if is_system(actor):
        return
    user = acting_user(actor)
    if user is None or may_manage_tasks(user):
        return
    others = tasks.exclude(assignee_id=user.pk).exclude(assignee_id__isnull=True)
    first = others.select_related("assignee").order_by("pk").first()
    if first is not None:
        reason = work_refusal(actor, first)
        raise PermissionDenied(f"任务 #{first.pk}：{reason}")


def agent_sees(agent: User, task: CallbackTask) -> bool:
    return agent.branch is not None and task.branch.path.startswith(agent.branch.path)


# ---------------------------------------------------------------- 显示号码


def may_reveal_numbers(user, task: CallbackTask) -> bool:
    """Only the agent assigned to an open task, while it is in their scope, may read its
    customer's numbers in full to dial them (without the general reveal permission)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if not task.is_open or task.assignee_id != user.pk:
        return False
    return CallbackTask.objects.restrict(user, "view").filter(pk=task.pk).exists()


def do_reveal_numbers(task: CallbackTask, *, actor) -> dict[str, str]:
    """The task customer's mobile and phone in full for ``actor``, with the reveal's audit
    row on the customer (as the customer page's reveal). Refused (PermissionDenied) to
    anyone but the assigned agent of an open task; the rate limit is the caller's
    (``callbacks.numbers.RevealThrottle``)."""
    only_agent = "只有该任务的回访专员可以在任务处理完成前查看号码"
    require(actor, "callbacks.view_callbacktask", task, message=only_agent)
    if not is_system(actor) and not may_reveal_numbers(acting_user(actor), task):
        raise PermissionDenied(only_agent)
    customer = task.customer
    audit.record(
        CustomerAction.REVEAL,
        customer,
        message=f"回访任务 #{task.pk}：显示号码（手机号、联系电话）以便拨打",
        actor=actor,
    )
    return {"mobile": customer.mobile, "phone": customer.phone}


# ---------------------------------------------------------------- assignment


def record_assignments(
    tasks: list[CallbackTask], new: dict[int, User], action: CallbackAction, actor
) -> None:
    # The username is kept beside the id on both sides: the log reads the same after the
    # user is renamed, and a reassignment says whose task it was (one query for them all).
    previous = {t.assignee_id for t in tasks if t.assignee_id}
    names = dict(User.objects.filter(pk__in=previous).values_list("pk", "username"))
    _record_many(
        [
            {
                "action": action,
                "object_type": CallbackTask._meta.label_lower,
                "object_id": t.pk,
                "object_repr": str(t),
                "before": {"assignee": t.assignee_id, "assignee_name": names.get(t.assignee_id)},
                "after": {"assignee": new[t.pk].pk, "assignee_name": new[t.pk].username},
            }
            for t in tasks
        ],
        actor,
    )


def apply_assignments(new: dict[int, User]) -> None:
    # One moment for the whole assignment, to the second: the 分配时间 filter (and the
    # agent's 站内消息 link) finds exactly this assignment's tasks by it.
    now = timezone.now().replace(microsecond=0)
    by_agent: dict[int, list[int]] = defaultdict(list)
    for task_id, agent in new.items():
        by_agent[agent.pk].append(task_id)
    for agent_id, ids in by_agent.items():
        for chunk in in_chunks(ids):
            CallbackTask.objects.filter(pk__in=chunk).update(
                assignee_id=agent_id, assigned_at=now, updated_at=now
            )
    assignments = {task_id: agent.pk for task_id, agent in new.items()}
    transaction.on_commit(
        lambda: tasks_assigned.send_robust(CallbackTask, assignments=assignments, at=now)
    )


@dataclass(frozen=True)
class Assigned:
    """What :func:`do_assign` did: ``changed`` tasks now the agent's, ``unchanged`` ones
    that already were (left as they were: no history row, no new 分配时间, no message)."""

    changed: int
    unchanged: int


def do_assign(task_ids: Selection, agent: User, *, actor, expected: int | None = None) -> Assigned:
    """Assign tasks to one agent (an active agent in the actor's scope who can see them);
    the tasks the agent already holds stay as they are."""
    require(actor, MANAGE_TASKS, message="您没有分配回访任务的权限")
    with transaction.atomic():
        if not agents_in_scope(actor).filter(pk=agent.pk).exists():
            raise PermissionDenied("只能分配给您权限范围内启用的回访专员")
        tasks = tasks_for_change(task_ids, actor, expected=expected)
        require_open(tasks)
        outside = [t for t in tasks if not agent_sees(agent, t)]
        if outside:
            raise ValidationError(
                f"回访专员 {agent.display_name} 看不到任务 #{outside[0].pk}（"
                f"{outside[0].branch.name}），未做任何修改"
            )
        moving = [t for t in tasks if t.assignee_id != agent.pk]
        new = {t.pk: agent for t in moving}
        if new:
            apply_assignments(new)
            record_assignments(moving, new, CallbackAction.ASSIGN, actor)
    return Assigned(len(moving), len(tasks) - len(moving))


# ---------------------------------------------------------------- workflow


@dataclass(frozen=True)
class Transition:
    label: str
    sources: tuple[str, ...]
    target: str


TRANSITIONS: dict[str, Transition] = {
    "start": Transition("开始处理", (TaskStatus.NEW,), TaskStatus.IN_PROGRESS),
    "complete": Transition("完成", OPEN_STATUSES, TaskStatus.COMPLETED),
    "unreachable": Transition("无法联系", OPEN_STATUSES, TaskStatus.UNREACHABLE),
    "cancel": Transition("取消", OPEN_STATUSES, TaskStatus.CANCELLED),
}


def _refuse_wrong_source(tasks: list[CallbackTask], move: Transition) -> None:
    wrong = [t for t in tasks if t.status not in move.sources]
    if wrong:
        t = wrong[0]
        raise ValidationError(
            f"任务 #{t.pk} 当前为“{t.get_status_display()}”，不能执行“{move.label}”"
        )


def _moved_values(move: Transition, now, reason: str, extra: dict | None = None) -> dict:
    values = {"status": move.target, "updated_at": now, **(extra or {})}
    if move.target not in OPEN_STATUSES:
        values.update(closed_at=now, close_reason=reason[:200])
    return values


def _moved_row(task: CallbackTask, name: str, move: Transition, reason: str, message: str):
    return {
        "action": CallbackAction(f"task_{name}"),
        "object_type": CallbackTask._meta.label_lower,
        "object_id": task.pk,
        "object_repr": str(task),
        "before": {"status": task.status},
        "after": {"status": str(move.target), **({"reason": reason} if reason else {})},
        "message": message or move.label,
    }


def _transition(
    tasks: list[CallbackTask],
    name: str,
    *,
    actor=None,
    reason: str = "",
    message: str = "",
    extra: dict | None = None,
) -> int:
    """Move ``tasks`` along transition ``name`` in one guarded UPDATE, audited per task.
    Any task not in an allowed source status refuses the whole call."""
    move = TRANSITIONS[name]
    _refuse_wrong_source(tasks, move)
    values = _moved_values(move, timezone.now(), reason, extra)
    ids = [t.pk for t in tasks]
    changed = 0
    for chunk in in_chunks(ids):
        changed += CallbackTask.objects.filter(pk__in=chunk, status__in=move.sources).update(
            **values
        )
    if changed != len(ids):  # changed under our feet: refuse rather than half-apply
        raise ValidationError("任务状态已被他人修改，请刷新后重试")
    _record_many([_moved_row(t, name, move, reason, message) for t in tasks], actor)
    return changed


def planned_transition(
    locked: CallbackTask, name: str, *, actor, now, message: str = ""
) -> tuple[dict, dict]:
    """Moving ``locked`` (a task whose row lock the caller holds in its transaction) along
    ``name``: the column values to write and the audit row, for a service that folds them
    into its own UPDATE of the task and its own audit rows — the records service, which
    completes or starts the task it is counting an attempt on. The same permission and
    source-status checks as :func:`do_start` / :func:`do_complete`; writes nothing."""
    require(actor, WORK_TASKS, message="您没有处理回访任务的权限")
    move = TRANSITIONS[name]
    _refuse_wrong_source([locked], move)
    return _moved_values(move, now, ""), _moved_row(locked, name, move, "", message)


def do_start(task: CallbackTask, *, actor) -> CallbackTask:
    """未处理 → 处理中 (the agent begins working the task)."""
    require(actor, WORK_TASKS, message="您没有处理回访任务的权限")
    with transaction.atomic():
        (locked,) = tasks_for_change([task.pk], actor)
        _transition([locked], "start", actor=actor)
    task.refresh_from_db()
    return task


def do_complete(task: CallbackTask, record, *, actor) -> CallbackTask:
    """→ 已完成, only with a successful callback record of this very task.

    ``record`` is the callback record (next step): it must belong to ``task`` and report
    success (``record.is_success``). There is deliberately no other way to complete.
    """
    require(actor, WORK_TASKS, message="您没有处理回访任务的权限")
    if record is None or getattr(record, "task_id", None) != task.pk:
        raise ValidationError("完成回访任务需要该任务的一条回访记录")
    if not getattr(record, "is_success", False):
        raise ValidationError("只有“成功”的回访记录才能完成回访任务")
    with transaction.atomic():
        (locked,) = tasks_for_change([task.pk], actor)
        _transition([locked], "complete", actor=actor, message=f"回访成功（记录 #{record.pk}）")
    task.refresh_from_db()
    return task


def do_mark_unreachable(task: CallbackTask, *, actor, reason: str = "") -> CallbackTask:
    """→ 无法联系, only once the unanswered attempts reached the business type's cap."""
    require(actor, WORK_TASKS, message="您没有处理回访任务的权限")
    with transaction.atomic():
        (locked,) = tasks_for_change([task.pk], actor)
        cap = locked.business_type.max_unanswered_attempts
        if locked.unanswered_count < cap:
            raise ValidationError(
                f"未接通 {locked.unanswered_count} 次，达到 {cap} 次后才能关闭为“无法联系”"
            )
        _transition([locked], "unreachable", actor=actor, reason=reason or f"未接通 {cap} 次")
    task.refresh_from_db()
    return task


def do_cancel(task_ids: Selection, reason: str, *, actor, expected: int | None = None) -> int:
    """Cancel open tasks with a reason (HQ admins and branch managers); all or nothing."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写取消原因")
    require(actor, MANAGE_TASKS, message="您没有取消回访任务的权限")
    with transaction.atomic():
        tasks = tasks_for_change(task_ids, actor, expected=expected)
        return _transition(tasks, "cancel", actor=actor, reason=reason, message=f"取消：{reason}")


def cancel_for_closed_customers(customer_ids: Iterable[int]) -> int:
    """Cancel the open tasks of customers that became 销户 (reason 客户已销户), audited.

    Called by the ``customers_closed`` signal after an import committed; the actor is the
    one of the surrounding context (the import command, job or page).
    """
    ids = list({int(i) for i in customer_ids})
    if not ids:
        return 0
    changed = 0
    with transaction.atomic():
        for chunk in in_chunks(ids):
            tasks = list(
                CallbackTask.objects.select_for_update()
                .filter(customer_id__in=chunk, status__in=OPEN_STATUSES)
                .order_by("pk")
            )
            if tasks:
                changed += _transition(
                    tasks,
                    "cancel",
                    reason=CLOSED_CUSTOMER_REASON,
                    message=f"取消：{CLOSED_CUSTOMER_REASON}",
                )
    return changed


# ---------------------------------------------------------------- provisional deadlines


def prepare_deadline_recompute(year: int, *, actor=None) -> Callable[[], str] | None:
    """Before HQ maintains ``year`` (``core.calendar.year_maintaining``): what to recompute.

    The open tasks and the batches whose deadline is 暂定 and whose span (batch day …
    deadline) touches ``year`` are found, and the trading days each deadline stands for are
    counted on the calendar it was computed on (``year`` provisional). The returned
    function, called once the year
    has changed (same transaction), moves each to that many trading days after its batch
    day on the new calendar, keeps 暂定 only where another provisional year is still
    involved, audits every task and batch it changes (``deadline_recompute``) and says
    what it did, in Chinese. None when nothing depends on ``year``.
    """
    batches = {
        batch.pk: batch
        for batch in Batch.objects.filter(
            Q(deadline_provisional=True)
            | Q(
                pk__in=CallbackTask.objects.filter(
                    open_flag=True, deadline_provisional=True
                ).values("batch_id")
            )
        ).only("pk", "number", "created_at", "deadline", "deadline_provisional")
    }
    day = {pk: timezone.localdate(batch.created_at) for pk, batch in batches.items()}
    task_keys = list(
        CallbackTask.objects.filter(open_flag=True, deadline_provisional=True)
        .exclude(deadline=None)
        .values_list("batch_id", "deadline")
        .distinct()
    )
    spans = {(day[pk], deadline) for pk, deadline in task_keys}
    spans |= {
        (day[pk], b.deadline) for pk, b in batches.items() if b.deadline_provisional and b.deadline
    }
    spans = {(s, e) for s, e in spans if min(s, e).year <= year <= max(s, e).year}
    if not spans:
        return None
    # Counted as they were computed: with ``year`` provisional (it may already be maintained
    # when a straggler computed with a stale calendar is recomputed).
    counts = {span: calendar.trading_days_between(*span, provisional={year}) for span in spans}

    def recompute() -> str:
        moved = {}
        for (start, old), n in counts.items():
            new = calendar.add_trading_days(start, n)
            moved[(start, old)] = (new, calendar.provisional_between(start, new), n)
        now = timezone.now()
        rows: list[dict] = []

        def note(old, new, still, n) -> str:
            return (
                f"{year} 年交易日历已维护：暂定截止日期 {old:%Y-%m-%d} 重算为 {new:%Y-%m-%d}"
                f"（批次创建后第 {n} 个交易日{'，仍为暂定' if still else ''}）"
            )

        for batch_id, old in task_keys:
            span = (day[batch_id], old)
            if span not in moved or moved[span][:2] == (old, True):
                continue
            new, still, n = moved[span]
            ids = list(
                CallbackTask.objects.select_for_update()
                .filter(batch_id=batch_id, deadline=old, deadline_provisional=True, open_flag=True)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            for chunk in in_chunks(ids):
                CallbackTask.objects.filter(pk__in=chunk).update(
                    deadline=new, deadline_provisional=still, updated_at=now
                )
            rows += [
                {
                    "action": CallbackAction.DEADLINE_RECOMPUTE,
                    "object_type": CallbackTask._meta.label_lower,
                    "object_id": pk,
                    "object_repr": f"回访任务 #{pk}",
                    "before": {"deadline": old, "deadline_provisional": True},
                    "after": {"deadline": new, "deadline_provisional": still},
                    "message": note(old, new, still, n),
                }
                for pk in ids
            ]
        changed_tasks = len(rows)
        for batch in batches.values():
            span = (day[batch.pk], batch.deadline)
            if not batch.deadline_provisional or span not in moved:
                continue
            new, still, n = moved[span]
            if (new, still) == (batch.deadline, True):
                continue
            Batch.objects.filter(pk=batch.pk).update(deadline=new, deadline_provisional=still)
            rows.append(
                {
                    "action": CallbackAction.DEADLINE_RECOMPUTE,
                    "object_type": Batch._meta.label_lower,
                    "object_id": batch.pk,
                    "object_repr": batch.number,
                    "before": {"deadline": batch.deadline, "deadline_provisional": True},
                    "after": {"deadline": new, "deadline_provisional": still},
                    "message": note(batch.deadline, new, still, n),
                }
            )
        _record_many(rows, actor)
        return (
            f"重算暂定截止日期：回访任务 {changed_tasks} 条，"
            f"回访批次 {len(rows) - changed_tasks} 个"
        )

    return recompute
