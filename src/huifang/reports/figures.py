"""The figures of 汇总统计, defined once: the dashboard, ``huifang report progress`` and the
docs (docs/users.md, 第五步) all read them from here.

Task figures (回访进度) count the tasks the task list shows under the same filters:

- 任务总数: every task; 未处理 / 处理中 / 已完成 / 无法联系 / 已取消: by 处理状态;
- 逾期: open (未处理/处理中) with a deadline before today (``callbacks.models.overdue_q``);
- 完成率 = 已完成 ÷ (任务总数 − 已取消) — cancelled tasks are no work left to do;
- 成功率 = tasks with at least one 成功 record ÷ tasks with at least one record (of any
  status) — how often reaching out worked, among the tasks somebody worked on.

A rate whose divisor is 0 is shown as "—". Each group's numbers are sums over the counters
the database keeps exact (``reports.tallies``: a few thousand rows, not the million tasks),
filtered as the lists filter their rows: 部门 (and the user's scope) on the counters' branch,
统计期间 on the Beijing day of 创建时间 / 回访时间, 批次 on the counters kept per batch (the
batch's task links, its tasks' rules, its records, its closed tasks per 关闭日期 for the
burndown). ``scoped_tasks`` / ``scoped_records`` are the rows each figure counts, as the
lists' own FilterSets build them; each number carries the query string of the list that
shows exactly its rows (``tests/reports/test_dashboard.py`` holds them to the list's count,
``tests/reports/test_tallies.py`` the figures to a plain recount of those rows).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.db.models import Count, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Concat
from django.urls import reverse
from django.utils import timezone

from huifang.callbacks.choices import OPEN_STATUSES, TaskStatus
from huifang.callbacks.filtersets import TaskFilterSet
from huifang.callbacks.models import Batch, BusinessType, CallbackTask, overdue_q
from huifang.callbacks.records.choices import Method, RecordStatus
from huifang.callbacks.records.filtersets import NO_AGENT, RecordFilterSet
from huifang.callbacks.records.models import CallbackRecord, FailureReason
from huifang.core.scoping import in_subtree
from huifang.org.models import Branch, User
from huifang.reports.models import RecordTally, TaskTally

TASK_LIST = "callbacks:task_list"
RECORD_LIST = "records:record_list"

# (key, Chinese label, the task list's extra query parameters for that number)
TASK_COLUMNS: list[tuple[str, str, dict[str, str]]] = [
    # ``status=`` (any): a list asked for, so an agent is not shown the "my tasks" default.
    ("total", "任务总数", {"status": ""}),
    ("new", "未处理", {"status": TaskStatus.NEW.value}),
    ("in_progress", "处理中", {"status": TaskStatus.IN_PROGRESS.value}),
    ("completed", "已完成", {"status": TaskStatus.COMPLETED.value}),
    ("unreachable", "无法联系", {"status": TaskStatus.UNREACHABLE.value}),
    ("cancelled", "已取消", {"status": TaskStatus.CANCELLED.value}),
    ("overdue", "逾期", {"overdue": "true"}),
]
# ``assignee=`` (anyone's): an agent's task list is otherwise 我的任务; the figures count the
# tasks of everyone the user may see.
EVERYONE = {"assignee": ""}
RATE_COLUMNS = [("completion_rate", "完成率"), ("success_rate", "成功率")]
PROGRESS_HEADER = (
    ["部门代码"] + [label for _, label, _ in TASK_COLUMNS] + [label for _, label in RATE_COLUMNS]
)

COMPLETION_RATE_TEXT = "完成率 = 已完成 ÷（任务总数 − 已取消）"
SUCCESS_RATE_TEXT = "成功率 = 有成功回访记录的任务数 ÷ 有回访记录的任务数"


def rate(numerator: int, denominator: int) -> Decimal | None:
    """A share as a percentage with one decimal (half up), None when nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(100) * numerator / denominator).quantize(Decimal("0.1"), ROUND_HALF_UP)


def completion_rate(figures: dict) -> Decimal | None:
    """完成率 = 已完成 ÷ (任务总数 − 已取消)."""
    return rate(figures["completed"], figures["total"] - figures["cancelled"])


def success_rate(figures: dict) -> Decimal | None:
    """成功率 = tasks with a 成功 record ÷ tasks with any record."""
    return rate(figures["succeeded"], figures["attempted"])


def rate_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def task_successes(task) -> QuerySet:
    """The 成功 records of ``task`` (an ``OuterRef``), read through the (task, 回访时间)
    index: the status is compared as text (``status || ''``) because SQLite, without
    planner statistics, otherwise takes the (status, 回访时间) index and reads every 成功
    record once per task (hours at 100k tasks)."""
    return (
        CallbackRecord.objects.order_by()
        .filter(task_id=task)
        .alias(status_text=Concat("status", Value("")))
        .filter(status_text=RecordStatus.SUCCESS)
    )


EMPTY = {key: 0 for key, _, _ in TASK_COLUMNS} | {"attempted": 0, "succeeded": 0}


def _summed(condition: Q | None = None):
    return Coalesce(Sum("n", filter=condition), 0)


def tally_aggregates(day: datetime.date) -> dict:
    """The task figures (see the module) as sums over :class:`TaskTally` rows."""
    return {
        "total": _summed(),
        **{
            key: _summed(Q(status=params["status"]))
            for key, _, params in TASK_COLUMNS
            if params.get("status")
        },
        # open as the statuses; the counters' 截止日期 for "none" is never before today
        "overdue": _summed(Q(status__in=OPEN_STATUSES) & overdue_q(day, known_open=True)),
        "attempted": _summed(Q(attempted=1)),
        "succeeded": _summed(Q(succeeded=1)),
    }


def _ints(row: dict) -> dict:
    """PostgreSQL sums bigints as numerics: the figures as ints (the charts' JSON)."""
    return {k: int(v) if k in EMPTY else v for k, v in row.items()}


# ------------------------------------------------------------------ filters


@dataclass
class Filters:
    """The dashboard's filters (统计期间, 批次, 回访业务类型, 部门), as the lists take them."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    batch: Batch | None = None
    business_type: BusinessType | None = None
    branch: Branch | None = None

    def task_params(self) -> dict[str, str]:
        """The task list's query parameters (the period is the tasks' 创建日期)."""
        params = {
            "created_after": _iso(self.date_from),
            "created_before": _iso(self.date_to),
            "batch": self.batch.number if self.batch else "",
            "business_type": str(self.business_type.pk) if self.business_type else "",
            "branch": str(self.branch.pk) if self.branch else "",
        }
        return {k: v for k, v in params.items() if v}

    def record_params(self) -> dict[str, str]:
        """The record list's query parameters (the period is the records' 回访日期)."""
        params = {
            "called_at_after": _iso(self.date_from),
            "called_at_before": _iso(self.date_to),
            "batch": self.batch.number if self.batch else "",
            "business_type": str(self.business_type.pk) if self.business_type else "",
            "branch": self.branch.code if self.branch else "",
        }
        return {k: v for k, v in params.items() if v}


def _iso(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


def list_url(name: str, params: dict[str, str]) -> str:
    return f"{reverse(name)}?{urlencode(params)}" if params else reverse(name)


def scoped_tasks(user, filters: Filters) -> QuerySet:
    """The tasks the task list shows ``user`` under ``filters`` (``user`` None: all)."""
    tasks = CallbackTask.objects.all()
    tasks = tasks.restrict(user, "view") if user is not None else tasks
    filterset = TaskFilterSet(filters.task_params(), queryset=tasks)
    # Without a request the FilterSet offers no branch: a script's filter may name any (the
    # rows themselves are scoped by the queryset).
    filterset.filters["branch"].queryset = Branch.objects.all()
    if not filterset.is_valid():  # the form has already checked each value
        return tasks.none()
    return filterset.qs.order_by()


def scoped_records(user, filters: Filters) -> QuerySet:
    """The records the record list shows ``user`` under ``filters`` (``user`` None: all)."""
    records = CallbackRecord.objects.all()
    records = records.restrict(user, "view") if user is not None else records
    filterset = RecordFilterSet(filters.record_params(), queryset=records)
    if not filterset.is_valid():
        return records.none()
    return filterset.qs.order_by()


def task_tally(user, filters: Filters, kind: int = TaskTally.TASK) -> QuerySet:
    """The :class:`TaskTally` rows counting what ``scoped_tasks`` gives (kind TASK), its
    batch links, its rules or its closed tasks' batch links (kind CLOSED, under a 批次
    filter only): under a 批次 filter the batch's rows of the per-batch kinds."""
    rows = TaskTally.objects.filter(n__gt=0)
    if user is not None:
        rows = rows.restrict(user, "view", perm_model=CallbackTask)
    if filters.batch is not None:
        per_batch = {TaskTally.RULE: TaskTally.BATCH_RULE, TaskTally.CLOSED: TaskTally.CLOSED}
        rows = rows.filter(kind=per_batch.get(kind, TaskTally.BATCH), batch_id=filters.batch.pk)
    else:
        rows = rows.filter(kind=kind)
    return _tally_filtered(rows, filters, "created_day")


def record_tally(user, filters: Filters) -> QuerySet:
    """The :class:`RecordTally` rows counting what ``scoped_records`` gives: every record's
    (batch 0), or under a 批次 filter the batch's."""
    rows = RecordTally.objects.filter(n__gt=0)
    if user is not None:
        rows = rows.restrict(user, "view", perm_model=CallbackRecord)
    rows = rows.filter(batch_id=filters.batch.pk if filters.batch is not None else 0)
    return _tally_filtered(rows, filters, "called_day")


def _tally_filtered(rows: QuerySet, filters: Filters, day: str) -> QuerySet:
    """Counter rows under the filters the lists apply alike: 回访业务类型, 部门 (its subtree),
    统计期间 on ``day`` (the Beijing day the list's period filter tests)."""
    if filters.business_type is not None:
        rows = rows.filter(business_type_id=filters.business_type.pk)
    if filters.branch is not None:
        rows = in_subtree(rows, "branch", filters.branch)
    if filters.date_from is not None:
        rows = rows.filter(**{f"{day}__gte": filters.date_from})
    if filters.date_to is not None:
        rows = rows.filter(**{f"{day}__lte": filters.date_to})
    return rows.order_by()


# ------------------------------------------------------------------ progress rows


@dataclass
class Cell:
    label: str
    value: int
    url: str


@dataclass
class ProgressRow:
    key: str
    label: str
    figures: dict
    params: dict[str, str]
    depth: int = 0
    parent: str = ""
    has_children: bool = False
    code: str = ""
    cells: list[Cell] = field(default_factory=list)

    @property
    def completion_rate(self) -> Decimal | None:
        return completion_rate(self.figures)

    @property
    def success_rate(self) -> Decimal | None:
        return success_rate(self.figures)

    @property
    def rates(self) -> list[str]:
        return [rate_text(self.completion_rate), rate_text(self.success_rate)]

    def link(self, base: dict[str, str]) -> ProgressRow:
        """Fill ``cells``: each number with the task list's URL for exactly its rows."""
        self.cells = [
            Cell(
                label,
                self.figures[key],
                list_url(TASK_LIST, {**base, **self.params, **extra, **EVERYONE}),
            )
            for key, label, extra in TASK_COLUMNS
        ]
        return self


def _sum(rows: list[dict]) -> dict:
    total = dict(EMPTY)
    for row in rows:
        for key in total:
            total[key] += row[key]
    return total


def branch_counts(user, filters: Filters, day: datetime.date) -> dict[int, dict]:
    """The task figures per 部门 in one pass over the tasks: ``{branch_id: figures}``. The
    branch table and the 合计 row are sums of it (a page computing both passes it on)."""
    rows = task_tally(user, filters).values("branch_id").annotate(**tally_aggregates(day))
    return {row["branch_id"]: _ints(row) for row in rows}


def by_branch(
    user, filters: Filters, day: datetime.date | None = None, counted: dict | None = None
) -> list[ProgressRow]:
    """Progress per node of the branch tree (分公司 → 营业部) in path order; each node counts
    its whole subtree, as the task list's 部门 filter does."""
    day = day or timezone.localdate()
    counted = branch_counts(user, filters, day) if counted is None else counted
    nodes = Branch.objects.all() if user is None else Branch.objects.restrict(user, "view")
    nodes = list(nodes.order_by("path"))
    if filters.branch is not None:
        nodes = [n for n in nodes if n.path.startswith(filters.branch.path)]
    paths = {n.pk: n.path for n in nodes}
    visible = {n.path for n in nodes}
    base = {k: v for k, v in filters.task_params().items() if k != "branch"}
    rows = []
    for node in nodes:
        inside = [row for pk, row in counted.items() if paths.get(pk, "").startswith(node.path)]
        figures = _sum(inside)
        if not figures["total"] and node.depth > 1:
            continue  # a 营业部 without tasks is a row of zeros: left out
        parent = node.path.rsplit("/", 2)[0] + "/"
        rows.append(_branch_row(node, figures, parent if parent in visible else "", base))
    keys = {r.parent for r in rows}
    for row in rows:
        row.has_children = row.key in keys
    return rows


def _branch_row(node: Branch, figures: dict, parent: str, base: dict) -> ProgressRow:
    row = ProgressRow(
        key=node.path,
        label=f"{node.code} {node.name}",
        figures=figures,
        params={"branch": str(node.pk)},
        depth=node.depth,
        parent=parent,
        code=node.code,
    )
    return row.link(base)


def _grouped(
    user, filters, day, group: tuple[int, str], label_of, param_of, drop: str
) -> list[ProgressRow]:
    """Progress per value of ``group`` (the tally kind and its column)."""
    kind, column = group
    counted = task_tally(user, filters, kind).values(column).annotate(**tally_aggregates(day))
    base = {k: v for k, v in filters.task_params().items() if k != drop}
    rows = []
    for row in counted.order_by(column):
        value = row.pop(column)
        if value is None:
            continue
        rows.append(
            ProgressRow(
                key=str(value), label=label_of(value), figures=_ints(row), params=param_of(value)
            ).link(base)
        )
    return rows


def by_batch(user, filters: Filters, day: datetime.date | None = None) -> list[ProgressRow]:
    """Progress per batch that touched the tasks (created or merged into them), as the task
    list's 批次号 filter counts them; newest batch first."""
    day = day or timezone.localdate()
    numbers = dict(Batch.objects.values_list("pk", "number"))
    rows = _grouped(
        user,
        filters,
        day,
        (TaskTally.BATCH, "batch_id"),
        lambda pk: numbers.get(pk, str(pk)),
        lambda pk: {"batch": numbers.get(pk, "")},
        "batch",
    )
    return sorted(rows, key=lambda r: r.label, reverse=True)


def by_business_type(user, filters: Filters, day: datetime.date | None = None) -> list:
    day = day or timezone.localdate()
    names = dict(BusinessType.objects.values_list("pk", "name"))
    return _grouped(
        user,
        filters,
        day,
        (TaskTally.TASK, "business_type_id"),
        lambda pk: names.get(pk, str(pk)),
        lambda pk: {"business_type": str(pk)},
        "business_type",
    )


def by_rule(user, filters: Filters, day: datetime.date | None = None) -> list[ProgressRow]:
    from huifang.rules.models import Rule

    day = day or timezone.localdate()
    names = dict(Rule.objects.values_list("code", "name"))
    return _grouped(
        user,
        filters,
        day,
        (TaskTally.RULE, "rule"),
        lambda code: f"{code} {names.get(code, '')}".strip(),
        lambda code: {"rule": code},
        "rule",
    )


def totals(
    user, filters: Filters, day: datetime.date | None = None, counted: dict | None = None
) -> ProgressRow:
    """The 合计 row: the sum over ``branch_counts`` (given, or counted here)."""
    day = day or timezone.localdate()
    figures = _sum((branch_counts(user, filters, day) if counted is None else counted).values())
    return ProgressRow(key="total", label="合计", figures=figures, params={}).link(
        filters.task_params()
    )


def progress_rows(user, filters: Filters, day: datetime.date | None = None) -> list[list]:
    """``huifang report progress``: one row per branch of the tree (部门代码, the task
    figures, 完成率, 成功率), the same numbers as the dashboard's 按部门 table."""
    return [
        [row.code] + [row.figures[key] for key, _, _ in TASK_COLUMNS] + row.rates
        for row in by_branch(user, filters, day)
    ]


# ------------------------------------------------------------------ record figures


@dataclass
class Bar:
    label: str
    value: int
    url: str


def _record_base(filters: Filters, drop: str = "") -> dict[str, str]:
    return {k: v for k, v in filters.record_params().items() if k != drop}


def _record_counts(user, filters: Filters, group: str, success=False, **left_out) -> list[dict]:
    """Records per value of ``group`` (``n``; ``ok``: the 成功 ones), most first: sums of
    the record counters. ``left_out``: the counters' stand-in for "none" (0) of a nullable
    key, left out as NULL is."""
    counts = {"count": _summed()}
    if success:
        counts["ok"] = _summed(Q(status=RecordStatus.SUCCESS))
    tally = record_tally(user, filters)
    rows = tally.exclude(**left_out).values(group).annotate(**counts).order_by("-count")
    return [
        {group: r[group], "n": int(r["count"]), **({"ok": int(r["ok"])} if success else {})}
        for r in rows
    ]


def failure_reasons(user, filters: Filters) -> list[Bar]:
    """Records per 失败原因 (the records that carry one), most frequent first."""
    names = dict(FailureReason.objects.values_list("pk", "name"))
    base = _record_base(filters)
    rows = _record_counts(user, filters, "failure_reason_id", failure_reason_id=0)
    return [
        Bar(
            names.get(r["failure_reason_id"], ""),
            r["n"],
            list_url(RECORD_LIST, {**base, "failure_reason": str(r["failure_reason_id"])}),
        )
        for r in rows
    ]


def channels(user, filters: Filters) -> list[Bar]:
    """Records per 回访形式 (电话/短信/外呼/掌厅/H5/线下 …)."""
    labels = dict(Method.choices)
    base = _record_base(filters)
    rows = _record_counts(user, filters, "method")
    return [
        Bar(
            str(labels.get(r["method"], r["method"])),
            r["n"],
            list_url(RECORD_LIST, {**base, "method": r["method"]}),
        )
        for r in rows
    ]


@dataclass
class AgentRow:
    name: str
    attempts: Bar
    successes: Bar
    person: bool = True  # False: the records no agent registered (one row per 回访形式)

    @property
    def bars(self) -> tuple[Bar, Bar]:
        return (self.attempts, self.successes)


SELF_SERVICE = {Method.APP_HALL, Method.H5}


def _agent_row(name: str, params: dict, attempts: int, successes: int, person=True) -> AgentRow:
    return AgentRow(
        name,
        Bar(name, attempts, list_url(RECORD_LIST, params)),
        Bar(name, successes, list_url(RECORD_LIST, {**params, "status": "success"})),
        person,
    )


def no_agent_label(method: str) -> str:
    """The 回访人 column of records without an agent: the customer answered a 掌厅/H5
    questionnaire himself, or a channel (外呼, 短信) registered it."""
    label = dict(Method.choices).get(method, method)
    return f"客户自助（{label}）" if method in SELF_SERVICE else f"无回访人（{label}）"


AGENT_ROWS = 50  # named 回访人 rows; the others are summed in one row


def agents(user, filters: Filters) -> list[AgentRow]:
    """回访次数 and 成功次数 per 回访人, busiest first (the first ``AGENT_ROWS``), then one row
    summing every other agent (其他 N 名回访人, in SQL), then the records without an agent, one
    row per 回访形式: with :func:`agents_total` they add up to the records."""
    counts = {"count": _summed(), "ok": _summed(Q(status=RecordStatus.SUCCESS))}
    named = record_tally(user, filters).exclude(agent_id=0)
    busiest = list(
        named.values("agent_id").annotate(**counts).order_by("-count", "agent_id")[:AGENT_ROWS]
    )
    people = User.objects.in_bulk([r["agent_id"] for r in busiest])
    base = _record_base(filters)
    result = []
    for r in busiest:
        person = people.get(r["agent_id"])
        if person is not None:
            params = {**base, "agent": person.username}
            count, ok = int(r["count"]), int(r["ok"])
            result.append(_agent_row(person.display_name, params, count, ok))
    rest = named.exclude(agent_id__in=list(people)).aggregate(
        **counts, people=Count("agent_id", distinct=True)
    )
    if rest["people"]:
        # No list shows exactly these records: the row has no link (its Bar url is "").
        name = f"其他 {rest['people']} 名回访人"
        result.append(
            AgentRow(name, Bar(name, int(rest["count"]), ""), Bar(name, int(rest["ok"]), ""))
        )
    nobody = record_tally(user, filters).filter(agent_id=0).values("method").annotate(**counts)
    for r in nobody.order_by("method"):
        params = {**base, "agent": NO_AGENT, "method": r["method"]}
        name = no_agent_label(r["method"])
        result.append(_agent_row(name, params, int(r["count"]), int(r["ok"]), person=False))
    return result


def agents_total(user, filters: Filters) -> AgentRow:
    """The 回访人 table's 合计: every record under the filters (the record list's count)."""
    counts = record_tally(user, filters).aggregate(
        count=_summed(), ok=_summed(Q(status=RecordStatus.SUCCESS))
    )
    return _agent_row("合计", _record_base(filters), int(counts["count"]), int(counts["ok"]))


DAILY_DAYS = 60


def daily(user, filters: Filters) -> list[Bar]:
    """Records per Beijing day of 回访时间 over the 60 days up to the latest record's day
    (a day without records is a 0), from the record counters' 回访日期."""
    tally = record_tally(user, filters)
    latest = tally.aggregate(latest=Max("called_day"))["latest"]
    counted = {}
    if latest is not None:
        start = latest - datetime.timedelta(days=DAILY_DAYS - 1)
        counted = dict(
            tally.filter(called_day__gte=start)
            .values("called_day")
            .annotate(count=_summed())
            .values_list("called_day", "count")
        )
    if not counted:
        return []
    start = max(counted) - datetime.timedelta(days=DAILY_DAYS - 1)
    base = _record_base(filters)
    bars = []
    for offset in range(DAILY_DAYS):
        day = start + datetime.timedelta(days=offset)
        text = day.isoformat()
        params = {**base, "called_at_after": text, "called_at_before": text}
        bars.append(Bar(text, int(counted.get(day, 0)), list_url(RECORD_LIST, params)))
    return bars


@dataclass
class Burndown:
    batch: Batch
    days: list[str]
    remaining: list[int]
    ideal: list[float]
    open_now: Bar


def burndown(user, filters: Filters, today: datetime.date | None = None) -> Burndown | None:
    """For one batch: its tasks still open at the end of each day from the batch's creation
    to its deadline (or today, if later), against a straight line to zero at the deadline.
    A task counts as open on a day until the day it was closed (``closed_at``)."""
    batch = filters.batch
    if batch is None:
        return None
    today = today or timezone.localdate()
    start = timezone.localtime(batch.created_at).date()
    end = max(batch.deadline or today, today, start)
    if (end - start).days > 366:
        end = start + datetime.timedelta(days=366)
    created = {  # the link counters' 创建日期 (kind 批次), what ``tasks`` counts per day
        r["created_day"]: int(r["n"])
        for r in task_tally(user, filters).values("created_day").annotate(n=_summed())
    }
    closed = {  # the batch's closed tasks per 关闭日期 (kind CLOSED)
        r["closed_day"]: int(r["n"])
        for r in task_tally(user, filters, TaskTally.CLOSED)
        .values("closed_day")
        .annotate(n=_summed())
    }
    before = sum(n for d, n in created.items() if d < start) - sum(
        n for d, n in closed.items() if d < start
    )
    days, remaining = [], []
    current = before
    day = start
    while day <= end:
        current += created.get(day, 0) - closed.get(day, 0)
        days.append(day.isoformat())
        remaining.append(current if day <= today else None)
        day += datetime.timedelta(days=1)
    first = next((n for n in remaining if n is not None), 0)
    span = max(len(days) - 1, 1)
    ideal = [round(first * (1 - i / span), 1) for i in range(len(days))]
    open_count = int(
        task_tally(user, filters).aggregate(n=_summed(Q(status__in=OPEN_STATUSES)))["n"]
    )
    url = list_url(TASK_LIST, {**filters.task_params(), "status": "open", **EVERYONE})
    return Burndown(batch, days, remaining, ideal, Bar("未完成", open_count, url))


# ------------------------------------------------------------------ the dashboard's export


def describe_filters(filters: Filters) -> str:
    """The page's filters in words (the export's 导出说明 and audit row); "" for none."""
    parts = []
    if filters.date_from or filters.date_to:
        parts.append(
            f"统计期间：{_iso(filters.date_from) or '不限'} 至 {_iso(filters.date_to) or '不限'}"
        )
    if filters.batch is not None:
        parts.append(f"批次号：{filters.batch.number}")
    if filters.business_type is not None:
        parts.append(f"回访业务类型：{filters.business_type.name}")
    if filters.branch is not None:
        parts.append(f"部门：{filters.branch.code} {filters.branch.name}")
    return "；".join(parts)


def _progress_sheet(name: str, first: str, rows: list[ProgressRow]) -> tuple:
    header = (
        [first] + [label for _, label, _ in TASK_COLUMNS] + [label for _, label in RATE_COLUMNS]
    )
    cells = [
        [row.label] + [row.figures[key] for key, _, _ in TASK_COLUMNS] + row.rates for row in rows
    ]
    return (name, header, cells)


def workbook_sheets(tables: dict) -> list[tuple[str, list[str], list[list]]]:
    """The dashboard's tables (``dashboard.gather``) as the sheets of its export, each with
    the page's rows and numbers: (sheet name, header, rows)."""
    sheets = [
        _progress_sheet("合计", "范围", [tables["total"]]),
        _progress_sheet("按部门", "部门", tables["branch_rows"]),
        _progress_sheet("按回访业务类型", "回访业务类型", tables["type_rows"]),
        _progress_sheet("按命中规则", "规则", tables["rule_rows"]),
        _progress_sheet("按批次", "批次号", tables["batch_rows"]),
    ]
    if tables["show_records"]:
        agents = [*tables["agent_rows"], tables["agent_total"]]
        sheets.append(
            (
                "回访人",
                ["回访人", "回访次数", "成功次数"],
                [[a.name, a.attempts.value, a.successes.value] for a in agents],
            )
        )
        for name, first, key in (
            ("失败原因分布", "失败原因", "reasons"),
            ("回访形式", "回访形式", "channels"),
        ):
            bars = tables["chart_data"][key]
            cells = [list(pair) for pair in zip(bars["labels"], bars["values"], strict=True)]
            sheets.append((name, [first, "回访记录数"], cells))
    return sheets
