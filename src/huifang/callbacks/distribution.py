"""自动分配: sharing tasks among a branch's agents, by the branch's 分配方式, skipping agents
who are away (离岗登记). Pages, the API, the demo and 回访计划 call these functions only.

- :func:`do_auto_distribute` shares chosen tasks among the agents of one branch (the task
  list's 平均分配);
- :func:`do_distribute_batch` shares a batch's unassigned tasks, each among the agents of
  the nearest branch above it that has an agent on duty (a plan's batch);
- :func:`do_set_mode`, :func:`do_add_absence` and :func:`do_end_absence` keep the settings.

Two modes (:class:`DistributionMode`): 负载最少优先 gives each task to the agent holding the
fewest open tasks so far; 轮流分配 goes round the agents in username order, starting after
the one who got the branch's last task (the cursor is kept per branch).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from huifang.callbacks.audit_actions import CallbackAction
from huifang.callbacks.choices import OPEN_STATUSES, DistributionMode
from huifang.callbacks.models import AgentAbsence, Batch, BranchDistribution, CallbackTask
from huifang.callbacks.services import (
    MANAGE_TASKS,
    Selection,
    agent_sees,
    agents_in_scope,
    apply_assignments,
    record_assignments,
    require_open,
    tasks_for_change,
)
from huifang.core import audit
from huifang.core.actors import person_of
from huifang.core.permissions import require, scoped
from huifang.org.models import Branch, Role, User

DENIED = "您没有分配回访任务的权限"


# ---------------------------------------------------------------- who is on duty


def away_ids(agents: Iterable[User], on: datetime.date) -> set[int]:
    """The ids of ``agents`` with a 离岗登记 covering ``on``."""
    return set(
        AgentAbsence.objects.filter(
            agent__in=[a.pk for a in agents], starts_on__lte=on, ends_on__gte=on
        ).values_list("agent_id", flat=True)
    )


def on_duty(agents: Iterable[User], on: datetime.date) -> list[User]:
    agents = list(agents)
    away = away_ids(agents, on)
    return [a for a in agents if a.pk not in away]


def open_load(agents: Iterable[User]) -> dict[int, int]:
    """Open tasks each agent holds now (0 for none)."""
    agents = list(agents)
    held = dict(
        CallbackTask.objects.filter(assignee__in=[a.pk for a in agents], status__in=OPEN_STATUSES)
        .values("assignee")
        .annotate(n=Count("id"))
        .values_list("assignee", "n")
    )
    return {a.pk: held.get(a.pk, 0) for a in agents}


def mode_of(branch: Branch) -> str:
    setting = BranchDistribution.objects.filter(branch=branch).first()
    return setting.mode if setting else DistributionMode.LEAST_LOADED


# ---------------------------------------------------------------- the sharing itself


def share(
    tasks: list[CallbackTask],
    agents: list[User],
    mode: str,
    *,
    load: dict[int, int],
    after: int | None = None,
) -> tuple[dict[int, User], int | None]:
    """Who gets each task (in the given order): ``{task id: agent}`` and the round-robin
    cursor after it. ``load`` (open tasks per agent) is updated as tasks are given.
    Each task goes to an agent who can see it; a task none can see refuses all."""
    agents = sorted(agents, key=lambda a: a.username)
    new: dict[int, User] = {}
    start = next((i + 1 for i, a in enumerate(agents) if a.pk == after), 0)
    for task in tasks:
        if mode == DistributionMode.ROUND_ROBIN:
            turn = [agents[(start + k) % len(agents)] for k in range(len(agents))]
            agent = next((a for a in turn if agent_sees(a, task)), None)
        else:
            eligible = [a for a in agents if agent_sees(a, task)]
            agent = min(eligible, key=lambda a: (load[a.pk], a.username)) if eligible else None
        if agent is None:
            raise ValidationError(
                f"任务 #{task.pk}（{task.branch.name}）没有可分配的回访专员，未做任何修改"
            )
        new[task.pk] = agent
        load[agent.pk] = load.get(agent.pk, 0) + 1
        start = agents.index(agent) + 1
        after = agent.pk
    return new, after


def _settings_for_update(branch_ids: Iterable[int]) -> dict[int, BranchDistribution]:
    return {
        s.branch_id: s
        for s in BranchDistribution.objects.select_for_update().filter(branch_id__in=branch_ids)
    }


def _move_cursor(setting: BranchDistribution | None, last: int | None) -> None:
    if setting is not None and setting.mode == DistributionMode.ROUND_ROBIN and last:
        BranchDistribution.objects.filter(pk=setting.pk).update(last_agent_id=last)


def _shares(new: dict[int, User]) -> dict[str, int]:
    result: dict[str, int] = defaultdict(int)
    for agent in new.values():
        result[agent.username] += 1
    return dict(result)


MIXED = "mixed"  # several branches' 分配方式 were used


@dataclass
class Distribution:
    """What :func:`do_auto_distribute` or :func:`do_distribute_batch` did."""

    shares: dict[str, int] = field(default_factory=dict)  # tasks per agent username
    modes: set[str] = field(default_factory=set)  # the 分配方式 of the branches that shared
    away: list[str] = field(default_factory=list)  # agents skipped as 离岗
    left: list[CallbackTask] = field(default_factory=list)  # tasks no agent on duty took
    new: dict[int, User] = field(default_factory=dict, repr=False)  # task id → its agent

    @property
    def count(self) -> int:
        return sum(self.shares.values())

    @property
    def mode(self) -> str:
        """The one 分配方式 used (the default when nothing was shared), else ``mixed``."""
        if len(self.modes) > 1:
            return MIXED
        return next(iter(self.modes), DistributionMode.LEAST_LOADED)

    @property
    def mode_label(self) -> str:
        if self.mode == MIXED:
            return "按各营业部的分配方式"
        return DistributionMode(self.mode).label


def _distribute(tasks: list[CallbackTask], agents: list[User], today) -> Distribution:
    """Share ``tasks`` among ``agents`` (active, in scope): each task among the agents on
    duty of the nearest branch at or above the task's own that has one, by that branch's
    分配方式 (the round-robin cursors move). Nothing is written yet but the cursors."""
    ready = on_duty(agents, today)
    by_branch: dict[str, list[User]] = defaultdict(list)  # branch path → agents on duty
    for agent in ready:
        by_branch[agent.branch.path].append(agent)
    groups: dict[str, list[CallbackTask]] = defaultdict(list)
    done = Distribution()
    for task in tasks:
        home = _nearest(task.branch.path, by_branch)
        if home is None:
            done.left.append(task)
        else:
            groups[home].append(task)
    homes = {a.branch.path: a.branch_id for a in ready}
    settings = _settings_for_update(homes[p] for p in groups)
    load = open_load(ready)
    new: dict[int, User] = {}
    for path, group in groups.items():
        setting = settings.get(homes[path])
        mode = setting.mode if setting else DistributionMode.LEAST_LOADED
        given, last = share(
            group,
            by_branch[path],
            mode,
            load=load,
            after=setting.last_agent_id if setting else None,
        )
        new.update(given)
        done.modes.add(mode)
        _move_cursor(setting, last)
    done.new = new
    done.shares = _shares(new)
    # The agents away today who could have taken one of these tasks.
    done.away = sorted(
        a.username
        for a in agents
        if a not in ready and any(t.branch.path.startswith(a.branch.path) for t in tasks)
    )
    return done


def _write(tasks: list[CallbackTask], done: Distribution, actor) -> None:
    chosen = [t for t in tasks if t.pk in done.new]
    if chosen:
        apply_assignments(done.new)
        record_assignments(chosen, done.new, CallbackAction.DISTRIBUTE, actor)


def do_auto_distribute(
    task_ids: Selection, branch: Branch, *, actor, expected: int | None = None
) -> Distribution:
    """平均分配 among ``branch``'s agents (its subtree's active agents) on duty today: each
    task among those of the nearest branch at or above it with one, by that branch's
    分配方式 (as a plan's batch); all or nothing — a task none of them can take refuses."""
    require(
        actor,
        MANAGE_TASKS,
        [branch],
        action="view",
        message=DENIED,
        out_of_scope="该部门不在您的权限范围内",
    )
    with transaction.atomic():
        agents = [a for a in agents_in_scope(actor, branch) if a.branch is not None]
        if not agents:
            raise ValidationError(f"{branch.name} 没有启用的回访专员")
        today = timezone.localdate()
        if not on_duty(agents, today):
            raise ValidationError(f"{branch.name} 的回访专员今天都已离岗，未做任何修改")
        tasks = tasks_for_change(task_ids, actor, expected=expected)
        require_open(tasks)
        done = _distribute(tasks, agents, today)
        if done.left:
            first = done.left[0]
            raise ValidationError(
                f"任务 #{first.pk}（{first.branch.name}）没有今天在岗的 {branch.name} "
                "回访专员可以分配，未做任何修改"
            )
        _write(tasks, done, actor)
    return done


def do_distribute_batch(batch: Batch, *, actor) -> Distribution:
    """Share ``batch``'s open tasks that have no agent among the agents on duty (see
    :func:`_distribute`). Tasks no agent on duty can take stay unassigned (``left``); their
    branch's manager assigns them by hand."""
    require(actor, MANAGE_TASKS, message=DENIED)
    with transaction.atomic():
        tasks = list(
            scoped(actor, CallbackTask.objects.all(), "change")
            .filter(links__batch=batch, assignee__isnull=True, status__in=OPEN_STATUSES)
            .select_related("branch")
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        agents = list(
            scoped(actor, User.objects.all(), "view")
            .filter(role=Role.AGENT, is_active=True, branch__isnull=False)
            .select_related("branch")
        )
        done = _distribute(tasks, agents, timezone.localdate())
        _write(tasks, done, actor)
    return done


def batch_summary(done: Distribution) -> str:
    """自动分配 of a batch in words (the job's, the plan run's and the command's)."""
    text = f"自动分配 {done.count} 条任务"
    if done.left:
        text += f"，{len(done.left)} 条没有在岗的回访专员，待手工分配"
    return text


def _nearest(path: str, by_branch: dict[str, list[User]]) -> str | None:
    """The deepest branch path at or above ``path`` with an agent on duty."""
    parts = path.strip("/").split("/")
    for depth in range(len(parts), 0, -1):
        candidate = "/" + "/".join(parts[:depth]) + "/"
        if by_branch.get(candidate):
            return candidate
    return None


# ---------------------------------------------------------------- settings


def do_set_mode(branch: Branch, mode: str, *, actor) -> BranchDistribution:
    """分配方式 of ``branch`` (a branch in the actor's scope)."""
    require(actor, MANAGE_TASKS, [branch], action="view", message=DENIED)
    if mode not in DistributionMode.values:
        raise ValidationError("请选择分配方式")
    with transaction.atomic():
        setting, created = BranchDistribution.objects.select_for_update().get_or_create(
            branch=branch
        )
        before = None if created else setting.mode
        if before == mode:
            return setting
        setting.mode = mode
        setting.updated_by = person_of(actor)
        setting.save(update_fields=["mode", "updated_by", "updated_at"])
        audit.record(
            CallbackAction.DISTRIBUTION_MODE,
            setting,
            before={"mode": before},
            after={"mode": mode},
            message=f"{branch.name} 的分配方式改为“{DistributionMode(mode).label}”",
            actor=actor,
        )
    return setting


def do_add_absence(
    agent: User,
    starts_on: datetime.date,
    ends_on: datetime.date,
    reason: str = "",
    *,
    actor,
) -> AgentAbsence:
    """离岗登记 for an agent in the actor's scope; an overlapping one is refused."""
    require(actor, MANAGE_TASKS, [agent], action="view", message=DENIED)
    if agent.role != Role.AGENT:
        raise ValidationError("只能为回访专员登记离岗")
    if ends_on < starts_on:
        raise ValidationError("结束日期不能早于开始日期")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=agent.pk).first()  # one writer per agent
        clash = AgentAbsence.objects.filter(
            agent=agent, starts_on__lte=ends_on, ends_on__gte=starts_on
        ).first()
        if clash is not None:
            raise ValidationError(
                f"{agent.display_name} 在 {clash.starts_on:%Y-%m-%d} 至 "
                f"{clash.ends_on:%Y-%m-%d} 已登记离岗，日期不能重叠"
            )
        absence = AgentAbsence.objects.create(
            agent=agent,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason.strip()[:100],
            created_by=person_of(actor),
        )
        audit.record(
            CallbackAction.ABSENCE_ADD,
            absence,
            after={
                "agent": agent.username,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "reason": absence.reason,
            },
            message=f"{agent.display_name} 离岗 {starts_on:%Y-%m-%d} 至 {ends_on:%Y-%m-%d}",
            actor=actor,
        )
    return absence


def do_end_absence(absence: AgentAbsence, *, actor) -> None:
    """结束离岗: the agent is on duty again from today. An absence that has not started yet
    (or started today) is withdrawn; an earlier one now ends yesterday."""
    require(actor, MANAGE_TASKS, [absence], action="view", message=DENIED)
    today = timezone.localdate()
    if absence.ends_on < today:
        raise ValidationError("该离岗已经结束")
    before = {"starts_on": absence.starts_on, "ends_on": absence.ends_on}
    with transaction.atomic():
        if absence.starts_on >= today:
            after = None
            text = "撤销离岗登记"
        else:
            after = {"starts_on": absence.starts_on, "ends_on": today - datetime.timedelta(1)}
            text = f"结束离岗（至 {after['ends_on']:%Y-%m-%d}）"
        audit.record(
            CallbackAction.ABSENCE_END,
            absence,
            before=before,
            after=after,
            message=f"{absence.agent.display_name} {text}，今天起在岗",
            actor=actor,
        )
        if after is None:
            absence.delete()
        else:
            absence.ends_on = after["ends_on"]
            absence.save(update_fields=["ends_on"])
