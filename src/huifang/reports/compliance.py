"""合规核查: the registry of compliance checks.

Each check is one class: ``name`` (English, stable: it is what ``huifang report compliance
--check NAME`` and the URLs take), ``title`` (Chinese), ``description`` (exactly what it
lists, shown on its page and in docs/users.md) and ``findings(user, period)`` — one scoped
query giving :class:`Finding` rows (投资者代码, task, 说明). Defining the class registers
it (``REGISTRY``); the dashboard's counts, the pages, the exports and the command read it
from there, so a firm sees the list and a developer adds a check in one place.

Every check's findings are the rows of one ordered query (``rows``): their list is a
:class:`QueryFindings`, which counts in SQL, reads a page with LIMIT/OFFSET and streams
the whole list in chunks, the page's 部门 and 投资者代码 filters applied in SQL — a check
with hundreds of thousands of findings shows its first page without building them all.
"""

from __future__ import annotations

import calendar
import datetime
import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, Greatest, Substr
from django.db.models.lookups import Exact
from django.utils import timezone

from huifang.callbacks.choices import RecordRequirement, TaskStatus
from huifang.callbacks.models import Batch, BusinessType, CallbackTask, TaskRule, overdue_q
from huifang.callbacks.records.choices import Method, RecordStatus
from huifang.callbacks.records.models import (
    BranchFeedback,
    CallbackRecord,
    RecordVersion,
    lacking,
)
from huifang.core.scoping import in_subtree
from huifang.customers.choices import Status as CustomerStatus
from huifang.customers.models import Customer
from huifang.reports.figures import task_successes
from huifang.reports.models import TaskTally
from huifang.reports.tallies import BeijingDay
from huifang.rules.models import Hit, HitReason, RunStatus

REGISTRY: dict[str, type[Check]] = {}
HEADER = ["检查项", "投资者代码", "任务", "说明"]


@dataclass(frozen=True)
class Period:
    """The period a check looks at (both days included); None: no limit."""

    start: datetime.date | None = None
    end: datetime.date | None = None


@dataclass(frozen=True)
class Finding:
    check: str  # the check's title
    investor_code: str
    task_id: int | None
    note: str
    key: str  # the finding's stable key within its check (for 创建管理措施's 来源)
    branch_id: int | None = None


ONE_DAY = datetime.timedelta(days=1)
CHUNK = 2000  # rows read at a time when a whole list is streamed (an export, the command)


def _scoped(qs: QuerySet, user) -> QuerySet:
    return qs if user is None else qs.restrict(user, "view")


def narrowed(qs: QuerySet, branch_field: str, code_field: str, branch=None, code="") -> QuerySet:
    """``qs`` limited to the findings of ``branch``'s subtree (``branch_field``: the lookup
    path of the finding's 部门) whose 投资者代码 (``code_field``) starts with ``code``,
    compared exactly (case and all) as a prefix of the text, on both databases."""
    if branch is not None:
        qs = in_subtree(qs, branch_field, branch)
    if code:
        qs = qs.filter(Exact(Substr(code_field, 1, len(code)), Value(code)))
    return qs


class QueryFindings:
    """A check's findings as the rows of one ordered query (a total order): ``len()`` is
    a SQL COUNT (run once), a slice reads only its rows (LIMIT/OFFSET: a page), iterating
    streams every row in chunks of ``CHUNK``. ``read`` turns a row into its finding;
    ``count`` counts them when the query itself is not the cheapest way."""

    def __init__(self, rows: QuerySet, read: Callable[[Any], Finding], count=None):
        self.rows = rows
        self.read = read
        self._count = count or rows.count
        self._length: int | None = None

    def __len__(self) -> int:
        if self._length is None:
            self._length = self._count()
        return self._length

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.read(row) for row in self.rows[index]]
        return self.read(self.rows[index])

    def __iter__(self) -> Iterator[Finding]:
        return (self.read(row) for row in self.rows.iterator(chunk_size=CHUNK))


def month_end_after(day: datetime.date) -> datetime.date:
    """The last day of the month after ``day``'s month."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def month_number(day) -> Any:
    """A date's month as one number, year × 12 + month (as :func:`month_of`), read in SQL from
    the date's ISO text on both databases (SQLite's date functions are Python per row)."""
    text = Cast(day, CharField())
    year = Cast(Substr(text, 1, 4), IntegerField())
    return year * 12 + Cast(Substr(text, 6, 2), IntegerField())


def month_of(day: datetime.date) -> int:
    return day.year * 12 + day.month


def birthday(birth: datetime.date, age: int) -> datetime.date:
    """The day ``birth`` turns ``age`` (29 February: 1 March in a common year)."""
    year = birth.year + age
    try:
        return birth.replace(year=year)
    except ValueError:
        return datetime.date(year, 3, 1)


class Check:
    name: str = ""
    title: str = ""
    # What it lists; a check whose text names a parameter or setting makes this a property
    # that reads the current value (read it from an instance, e.g. ``get(name)``).
    description: str = ""
    # The permission a user needs besides the tasks' (the screening's hits, which agents do
    # not see): without it the check would count none of their findings and read "0".
    permission: str | None = None
    # Where a finding's 部门 and 投资者代码 are in ``rows`` (for the page's filters).
    branch_field = "branch"
    code_field = "customer__investor_code"
    # The columns ``reader`` reads from ``rows`` (``values``); empty: model instances.
    fields: tuple[str, ...] = ()

    def visible_to(self, user) -> bool:
        """Whether ``user`` (None: a command, sees all) may run this check."""
        return user is None or self.permission is None or user.has_perm(self.permission)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.name:
            REGISTRY[cls.name] = cls

    def rows(self, user, period: Period) -> QuerySet:
        """The query whose rows are the findings, one each, in the list's order (a total
        order), read by ``reader`` as ``fields``."""
        # An abstract hook: every check defines it, or ``findings`` of its own.
        raise NotImplementedError(f"{type(self).__name__} 须定义 rows（或自己的 findings）")

    def reader(self) -> Callable[[Any], Finding]:
        """What turns one of ``rows``' rows into its finding."""
        # An abstract hook: every check with ``rows`` defines it (the paging tests run each).
        raise NotImplementedError(f"{type(self).__name__} 定义了 rows，须同时定义 reader")

    def findings(self, user, period: Period, branch=None, code: str = "") -> QueryFindings:
        """The check's findings in ``user``'s scope (and ``period`` where it applies), of
        ``branch``'s subtree and whose 投资者代码 starts with ``code`` when given, as the
        rows of one query (a :class:`QueryFindings`: counted in SQL, read a page at a time)."""
        rows = narrowed(self.rows(user, period), self.branch_field, self.code_field, branch, code)
        # Counted without the columns' joins (the customer's 投资者代码), the columns
        # only a finding's text reads (annotations a COUNT leaves out) and the order.
        shaped = rows.values(*self.fields) if self.fields else rows
        return QueryFindings(shaped, self.reader(), count=rows.order_by().count)

    def count(self, user, period: Period, branch=None, code: str = "") -> int:
        """How many findings (the dashboard's figure): a SQL COUNT where the findings are
        the rows of a query."""
        return len(self.findings(user, period, branch, code))

    def finding(self, code: str, task_id, note: str, key, branch_id=None) -> Finding:
        return Finding(self.title, code, task_id, note, f"{self.name}:{key}", branch_id)

    @staticmethod
    def in_period(qs: QuerySet, field: str, period: Period) -> QuerySet:
        if period.start:
            qs = qs.filter(**{f"{field}__gte": period.start})
        if period.end:
            qs = qs.filter(**{f"{field}__lte": period.end})
        return qs


TASK_FIELDS = ("pk", "customer__investor_code", "branch_id", "deadline", "status")


class OverdueTasks(Check):
    name = "overdue_tasks"
    title = "逾期未完成的任务"
    description = "截止日期早于今天、仍为未处理或处理中的回访任务（与任务列表“已逾期=是”相同）。"

    fields = TASK_FIELDS

    def rows(self, user, period):
        # ``CallbackTask.objects.overdue``'s rows, the flag as an equality (``IN (true)``:
        # SQLite reads the (未完成, 截止日期) index; a bare boolean column it scans every task).
        overdue = CallbackTask.objects.filter(open_flag__in=[True]).filter(
            overdue_q(known_open=True)
        )
        tasks = self.in_period(_scoped(overdue, user), "deadline", period)
        return tasks.order_by("deadline", "pk")

    def reader(self):
        today = timezone.localdate()

        def read(t: dict) -> Finding:
            note = f"截止日期 {t['deadline']:%Y-%m-%d}，已逾期 {(today - t['deadline']).days} 天"
            return self.finding(
                t["customer__investor_code"], t["pk"], note, t["pk"], t["branch_id"]
            )

        return read


class HitWithoutTask(Check):
    name = "hit_without_task"
    title = "命中但未建任务的客户"
    permission = "rules.view_hit"
    description = (
        "已落地的筛选结果中命中、却没有任何批次为其新建或合并回访任务的客户；说明写明原因："
        "筛选结果尚未加入回访名单，或批次因客户已销户而跳过。"
    )
    code_field = "investor_code"
    fields = ("run_id", "investor_code", "status", "rule_codes", "branch_id")

    def rows(self, user, period):
        hits = _scoped(Hit.objects.filter(run__status=RunStatus.FROZEN), user)
        hits = self.in_period(hits, "run__as_of", period)
        # From the hit's customer to their few tasks, then those tasks' batch links: the
        # customer's index leads (from the batch's links it was ~50 s at 100,000 hits).
        touched = CallbackTask.objects.filter(
            customer_id=OuterRef("customer_id"), links__batch__run_id=OuterRef("run_id")
        )
        return hits.exclude(Exists(touched)).order_by("run_id", "investor_code")

    def reader(self):
        batches: dict[int, list[str]] = {}
        for run_id, number in Batch.objects.values_list("run_id", "number"):
            batches.setdefault(run_id, []).append(number)

        def read(h: dict) -> Finding:
            numbers = batches.get(h["run_id"])
            codes = h["rule_codes"].strip(",")
            if not numbers:
                why = "该筛选结果尚未加入回访名单"
            elif h["status"] == CustomerStatus.CLOSED:
                why = f"批次 {'、'.join(numbers)} 跳过：客户已销户"
            else:
                why = f"批次 {'、'.join(numbers)} 未为其建任务"
            note = f"筛选 #{h['run_id']} 命中 {codes}；{why}"
            key = f"{h['run_id']}-{h['investor_code']}"
            return self.finding(h["investor_code"], None, note, key, h["branch_id"])

        return read


class CompletedWithoutSuccess(Check):
    name = "completed_without_success"
    title = "无成功记录即完成的任务"
    description = "处理状态为已完成、却没有任何回访状态为“成功”的回访记录的任务。"
    fields = TASK_FIELDS

    def rows(self, user, period):
        success = task_successes(OuterRef("pk"))
        tasks = _scoped(CallbackTask.objects.filter(status=TaskStatus.COMPLETED), user)
        tasks = self.in_period(tasks, "closed_at__date", period)
        return tasks.exclude(Exists(success)).order_by("pk")

    def count(self, user, period, branch=None, code=""):
        """Without a period or a 投资者代码 (the dashboard's card): the sum of the task
        counters (``reports.tallies``, kept exact by the database: 处理状态 and "has a 成功
        record" are among their keys) instead of a test of every completed task (2.6 s at
        1,000,000 tasks)."""
        if period.start or period.end or code:
            return super().count(user, period, branch, code)
        rows = TaskTally.objects.filter(
            kind=TaskTally.TASK, status=TaskStatus.COMPLETED, succeeded=0
        )
        if user is not None:
            rows = rows.restrict(user, "view", perm_model=CallbackTask)
        if branch is not None:
            rows = in_subtree(rows, "branch", branch)
        return rows.aggregate(n=Sum("n"))["n"] or 0

    def reader(self):
        def read(t: dict) -> Finding:
            note = "任务已完成，但没有成功的回访记录"
            return self.finding(
                t["customer__investor_code"], t["pk"], note, t["pk"], t["branch_id"]
            )

        return read


class RecordMissingRequired(Check):
    name = "record_missing_required"
    title = "成功记录缺少必填内容"
    description = (
        "已完成任务的成功回访记录缺少其回访业务类型要求的内容（“成功记录必填项”：回访时长、"
        "联系电话或手机号、备注、录音引用），或业务类型“需要问卷”而任务没有问卷结果。"
    )
    # The columns of both kinds of finding, so that one UNION ALL query lists them in the
    # list's order: by task, a task's records before its own finding (the key ``record-…``
    # sorts before ``task-…``), then the key's number as text (as the key sorts).
    KINDS = {"record": 0, "task": 1}
    LACKS = {r: f"lacks_{r}" for r in RecordRequirement.values}
    COLUMNS = ("f_task", "f_kind", "f_key", "f_pk", "f_branch", "f_code", "f_type")
    COLUMNS += tuple(f"f_{name}" for name in LACKS.values())

    def _columns(self, qs: QuerySet, kind: str) -> QuerySet:
        """A task's records (``record``, what each lacks from its alias) or tasks (``task``)
        as the columns of the list."""
        if kind == "record":
            task = "task_id"
            lacks = {f"f_{name}": F(name) for name in self.LACKS.values()}
        else:
            task = "pk"
            lacks = {f"f_{name}": Value(False, BooleanField()) for name in self.LACKS.values()}
        return (
            qs.order_by()
            .annotate(
                f_task=F(task),
                f_kind=Value(self.KINDS[kind]),
                f_key=Cast("pk", CharField()),
                f_pk=F("pk"),
                f_branch=F("branch_id"),
                f_code=F("customer__investor_code"),
                f_type=F("business_type_id"),
                **lacks,
            )
            .values(*self.COLUMNS)
        )

    def findings(self, user, period, branch=None, code=""):
        """Per business type that asks for something: its success records lacking what it
        names, and (需要问卷) its completed tasks without a questionnaire result."""
        types = {
            t.pk: t
            for t in BusinessType.objects.filter(
                Q(questionnaire_required=True) | ~Q(required_record_fields=[])
            )
        }
        wanted = {
            pk: [r for r in RecordRequirement.values if r in t.required_record_fields]
            for pk, t in types.items()
        }
        bases = {}
        if any(wanted.values()):
            bases["record"] = self._lacking_rows(wanted, user, period)
        asking = [pk for pk, t in types.items() if t.questionnaire_required]
        if asking:
            bases["task"] = self._unanswered_rows(asking, user, period)
        if not bases:
            return []
        bases = {
            kind: narrowed(rows, "branch", "customer__investor_code", branch, code)
            for kind, rows in bases.items()
        }
        arms = [self._columns(rows, kind) for kind, rows in bases.items()]
        rows = arms[0].union(*arms[1:], all=True) if len(arms) > 1 else arms[0]
        rows = rows.order_by("f_task", "f_kind", "f_key")
        # Counted per kind without the columns (the customer's join, the lacks selected).
        return QueryFindings(
            rows,
            self._reader(types, wanted),
            count=lambda: sum(base.order_by().count() for base in bases.values()),
        )

    def _lacking_rows(self, wanted: dict, user, period) -> QuerySet:
        records = CallbackRecord.objects.filter(
            status=RecordStatus.SUCCESS, task__status=TaskStatus.COMPLETED
        )
        records = self.in_period(_scoped(records, user), "task__closed_at__date", period)
        needed = {r for names in wanted.values() for r in names}
        lacks = {
            name: ExpressionWrapper(lacking(r), BooleanField())
            if r in needed
            else Value(False, BooleanField())
            for r, name in self.LACKS.items()
        }
        # A record of a type lacking any of what that type names.
        which = reduce(
            operator.or_,
            (
                Q(business_type_id=pk)
                & reduce(operator.or_, (Q(**{self.LACKS[r]: True}) for r in names))
                for pk, names in wanted.items()
                if names
            ),
        )
        return records.alias(**lacks).filter(which)

    def _unanswered_rows(self, asking: list[int], user, period) -> QuerySet:
        from huifang.surveys.models import Response

        tasks = _scoped(
            CallbackTask.objects.filter(
                business_type_id__in=asking, status=TaskStatus.COMPLETED
            ).exclude(Exists(Response.objects.filter(task_id=OuterRef("pk")))),
            user,
        )
        return self.in_period(tasks, "closed_at__date", period)

    def _reader(self, types: dict, wanted: dict) -> Callable[[dict], Finding]:
        labels = dict(RecordRequirement.choices)

        def read(row: dict) -> Finding:
            business_type = types[row["f_type"]]
            if row["f_kind"] == self.KINDS["task"]:
                note = f"业务类型“{business_type.name}”需要问卷，任务已完成但没有问卷结果"
                key = f"task-{row['f_pk']}"
            else:
                absent = "、".join(
                    str(labels[r]) for r in wanted[row["f_type"]] if row[f"f_{self.LACKS[r]}"]
                )
                note = f"回访记录 #{row['f_pk']} 缺少{absent}（业务类型“{business_type.name}”要求）"
                key = f"record-{row['f_pk']}"
            return self.finding(row["f_code"], row["f_task"], note, key, row["f_branch"])

        return read


class FollowupUnhandled(Check):
    name = "followup_unhandled"
    title = "营业部反馈超期未处理"
    code_field = "task__customer__investor_code"
    fields = ("pk", "task_id", code_field, "created_at", "branch_id", "handled_at")

    @property
    def description(self) -> str:
        return (
            f"反馈营业部超过 {settings.FOLLOWUP_DAYS} 天仍没有处理说明、"
            "也没有据此登记管理措施的反馈。"
        )

    def rows(self, user, period):
        from huifang.reports.models import Measure

        limit = timezone.now() - datetime.timedelta(days=settings.FOLLOWUP_DAYS)
        measured = Measure.objects.filter(feedback_id=OuterRef("pk"))
        rows = _scoped(BranchFeedback.objects.filter(created_at__lt=limit), user)
        rows = self.in_period(rows, "created_at__date", period)
        return rows.filter(handling_note="").exclude(Exists(measured)).order_by("created_at", "pk")

    def reader(self):
        days = settings.FOLLOWUP_DAYS

        def read(f: dict) -> Finding:
            sent = timezone.localtime(f["created_at"])
            state = "已标记处理但无处理说明" if f["handled_at"] else "未处理"
            note = f"反馈 #{f['pk']} 于 {sent:%Y-%m-%d} 发出，超过 {days} 天{state}，且无管理措施"
            return self.finding(
                f["task__customer__investor_code"], f["task_id"], note, f["pk"], f["branch_id"]
            )

        return read


class AbnormalAnswerUnhandled(Check):
    name = "abnormal_answer_unhandled"
    title = "异常问卷答案超期未跟进"
    fields = ("pk", "task_id", "customer__investor_code", "received_at", "branch_id", "abnormal")

    @property
    def description(self) -> str:
        return (
            "问卷中有异常答案（如“不是本人开户”“有他人代为操作”），答卷超过 "
            f"{settings.FOLLOWUP_DAYS} 天后，其反馈营业部仍没有处理说明、"
            "该任务或回访记录也没有管理措施的问卷结果。"
        )

    def rows(self, user, period):
        from huifang.reports.models import Measure
        from huifang.surveys.models import Response

        limit = timezone.now() - datetime.timedelta(days=settings.FOLLOWUP_DAYS)
        # The write-back records an abnormal answer as 其他 and opens a 反馈营业部 per
        # abnormal question: a handled one carries a handling note.
        handled = BranchFeedback.objects.filter(record_id=OuterRef("record_id")).exclude(
            handling_note=""
        )
        measured = Measure.objects.filter(
            Q(record_id=OuterRef("record_id")) | Q(task_id=OuterRef("task_id"))
        )
        rows = _scoped(
            Response.objects.filter(received_at__lt=limit, record__status=RecordStatus.OTHER),
            user,
        )
        rows = self.in_period(rows, "received_at__date", period)
        return rows.exclude(Exists(handled)).exclude(Exists(measured)).order_by("received_at", "pk")

    def reader(self):
        days = settings.FOLLOWUP_DAYS

        def read(r: dict) -> Finding:
            got = timezone.localtime(r["received_at"])
            questions = "、".join(str(q) for q in r["abnormal"] or [])
            note = (
                f"问卷结果 #{r['pk']} 于 {got:%Y-%m-%d} 收到，异常题目 {questions}，"
                f"超过 {days} 天未见处理说明或管理措施"
            )
            return self.finding(
                r["customer__investor_code"], r["task_id"], note, r["pk"], r["branch_id"]
            )

        return read


class ElderlyWithoutCallback(Check):
    name = "elderly_without_callback"
    title = "70 周岁以上客户未按期回访"
    age = 70  # the exchanges' deadline: the end of the month after the 70th birthday
    code_field = "investor_code"
    fields = ("pk", "investor_code", "birth_date", "branch_id", "first_reached", "a003_task")

    @property
    def description(self) -> str:
        """Names A003's age as its parameter stands now (a firm may lower it)."""
        from huifang.rules import params as P
        from huifang.rules.models import Rule

        params = (
            Rule.objects.filter(code="A003")
            .values_list("current_version__params", flat=True)
            .first()
        )
        min_age = {**P.defaults("elderly"), **(params or {})}["min_age"]
        start = settings.ELDERLY_RULE_FROM
        return (
            f"被 A003（年满 {min_age} 周岁及以上）命中的客户，到年满 {self.age} 周岁次月月末"
            "仍没有成功的回访记录，也没有面谈记录（回访状态为“失败”的面谈不算）。"
            f"交易所规则自 {start:%Y-%m-%d} 起施行：此前已年满 {self.age} 周岁的客户，"
            f"期限为 {month_end_after(start):%Y-%m-%d}。"
        )

    def due_day(self, birth: datetime.date) -> datetime.date:
        """The last day to reach a customer born on ``birth``: the end of the month after
        their 70th birthday, and never before the end of the month after the rule took
        effect (``HUIFANG_ELDERLY_RULE_FROM``)."""
        return max(
            month_end_after(birthday(birth, self.age)), month_end_after(settings.ELDERLY_RULE_FROM)
        )

    @staticmethod
    def _reaching() -> QuerySet:
        """The records that reached their customer: 成功, or a 面谈 that did not fail (其他:
        met, answers abnormal)."""
        # As text (``|| ''``): SQLite, without planner statistics, would otherwise read
        # every 成功 record through the (status, 回访时间) index instead of the
        # customers' few through (customer, 回访时间).
        return (
            CallbackRecord.objects.order_by()
            .alias(status_text=Concat("status", Value("")), method_text=Concat("method", Value("")))
            .filter(
                Q(status_text=RecordStatus.SUCCESS)
                | (Q(method_text=Method.IN_PERSON) & ~Q(status_text=RecordStatus.FAILURE))
            )
        )

    def rows(self, user, period):
        """The A003 customers (from the hits to their customers, not a test of every
        customer for a hit) due in ``period`` and not reached by their due day, by 投资者代码.
        The due day is the last day of a month, so each comparison with it is one of months
        (:func:`month_number`): due before today, within the period, reached by then (the
        record's Beijing day). The due month is the month after the 70th birthday's; a
        29 February birthday's 70th falls in a common year (70 is no multiple of 4): 1 March.
        Each row also reads the customer's first reaching record (late) and their latest
        A003 task, for its page's rows only (a COUNT leaves both out)."""
        hit = HitReason.objects.filter(rule_code="A003", run__status=RunStatus.FROZEN)
        customers = Customer.objects.filter(pk__in=hit.values("customer_id"))
        customers = _scoped(customers.filter(birth_date__isnull=False), user)
        birth = Cast("birth_date", CharField())
        leap_day = Case(When(Exact(Substr(birth, 6, 5), Value("02-29")), then=1), default=0)
        due = Greatest(
            month_number("birth_date") + (self.age * 12 + 1) + leap_day,
            Value(month_of(settings.ELDERLY_RULE_FROM) + 1),
        )
        customers = customers.alias(due=due).filter(due__lt=month_of(timezone.localdate()))
        if period.start:
            customers = customers.filter(due__gte=month_of(period.start))
        if period.end:
            whole = period.end == month_end_after(period.end.replace(day=1) - ONE_DAY)
            customers = customers.filter(due__lte=month_of(period.end) - (0 if whole else 1))
        reaching = self._reaching().filter(customer_id=OuterRef("pk"))
        reached = reaching.alias(month=month_number(BeijingDay("called_at"))).filter(
            month__lte=OuterRef("due")
        )
        # Their latest A003 task: from the customer to their tasks, then the task's rule
        # (from the rule's index it read every A003 task of the firm).
        a003 = CallbackTask.objects.filter(customer_id=OuterRef("pk")).filter(
            Exists(TaskRule.objects.filter(task_id=OuterRef("pk"), code="A003"))
        )
        return (
            customers.exclude(Exists(reached))
            .annotate(
                first_reached=Subquery(reaching.order_by("called_at").values("called_at")[:1]),
                a003_task=Subquery(a003.order_by("-pk").values("pk")[:1]),
            )
            .order_by("investor_code", "pk")
        )

    def reader(self):
        def read(c: dict) -> Finding:
            day = self.due_day(c["birth_date"])
            note = f"生日 {c['birth_date']:%Y-%m-%d}，应于 {day:%Y-%m-%d} 前完成回访或面谈"
            if c["first_reached"] is not None:
                reached = timezone.localtime(c["first_reached"]).date()
                note += f"；{reached:%Y-%m-%d} 才完成（逾期 {(reached - day).days} 天）"
            else:
                note += "；至今没有成功的回访或面谈记录"
            return self.finding(c["investor_code"], c["a003_task"], note, c["pk"], c["branch_id"])

        return read


class HighRiskWithoutCallback(Check):
    name = "high_risk_without_callback"
    title = "高风险产品购买者未回访"
    permission = "rules.view_hitreason"
    description = (
        "在统计期间内基准日的已落地筛选中被 A006（高风险产品）命中、"
        "自该基准日起没有任何回访记录的客户。"
    )
    fields = (
        "pk",
        "customer_id",
        "customer__investor_code",
        "run_id",
        "run__as_of",
        "branch_id",
        "a006_task",
    )

    def _reasons(self, user, period) -> QuerySet:
        """The A006 hit reasons in ``user``'s scope and ``period`` with no record since
        their run's 基准日."""
        reasons = HitReason.objects.filter(rule_code="A006", run__status=RunStatus.FROZEN)
        reasons = self.in_period(_scoped(reasons, user), "run__as_of", period)
        # The Beijing day of 回访时间 in SQL (``called_at__date`` is a Python function per
        # record on SQLite: ~40,000 customers' records took seconds).
        called = (
            CallbackRecord.objects.order_by()
            .filter(customer_id=OuterRef("customer_id"))
            .alias(day=BeijingDay("called_at"))
            .filter(day__gte=OuterRef("run__as_of"))
        )
        return reasons.exclude(Exists(called))

    def rows(self, user, period):
        """One finding per customer: the reason of their earliest run (then the first
        reason) among ``_reasons`` — no earlier one of the same customer — by 投资者代码. Its
        部门 is that run's, so a 部门 filter applies after the choice (``findings`` narrows
        the rows chosen here)."""
        reasons = self._reasons(user, period)
        earlier = self._reasons(user, period).filter(
            Q(run_id__lt=OuterRef("run_id")) | Q(run_id=OuterRef("run_id"), pk__lt=OuterRef("pk")),
            customer_id=OuterRef("customer_id"),
        )
        # The customer's latest A006 task, for the page's rows only (a COUNT leaves it out).
        a006 = CallbackTask.objects.filter(customer_id=OuterRef("customer_id")).filter(
            Exists(TaskRule.objects.filter(task_id=OuterRef("pk"), code="A006"))
        )
        return (
            reasons.exclude(Exists(earlier))
            .annotate(a006_task=Subquery(a006.order_by("-pk").values("pk")[:1]))
            .order_by("customer__investor_code", "customer_id")
        )

    def count(self, user, period, branch=None, code=""):
        """Without a 部门: the customers among ``_reasons`` (one finding each)."""
        if branch is not None:
            return super().count(user, period, branch, code)
        reasons = narrowed(self._reasons(user, period), "", "customer__investor_code", None, code)
        return reasons.order_by().values("customer_id").distinct().count()

    def reader(self):
        def read(r: dict) -> Finding:
            note = f"筛选 #{r['run_id']}（基准日 {r['run__as_of']:%Y-%m-%d}）A006 命中后无回访记录"
            return self.finding(
                r["customer__investor_code"], r["a006_task"], note, r["customer_id"], r["branch_id"]
            )

        return read


class EditedAfterCompletion(Check):
    name = "edited_after_completion"
    title = "任务完成后被修改的回访记录"
    description = "任务关闭（已完成/无法联系）之后又被修改的回访记录：谁、何时、改了什么。"
    branch_field = "record__branch"
    code_field = "record__customer__investor_code"

    def findings(self, user, period, branch=None, code=""):
        rows = narrowed(self._versions(user, period, branch), "", self.code_field, None, code)
        # Counted without the columns' joins and without order.
        return QueryFindings(rows, self.reader(), count=rows.order_by().count)

    def _versions(self, user, period, branch) -> QuerySet:
        """The versions after the first, read from the (record, version) index; their
        record's task closed before, the record in ``user``'s scope and in ``branch``'s
        subtree, tested per version. Joined and filtered as one query, SQLite started from
        the closed tasks or the branch's records and walked their records (0.8 s at
        1,150,000 tasks with no later version at all)."""
        later = RecordVersion.objects.filter(version__gt=1).values("pk")
        records = CallbackRecord.objects.filter(
            pk=OuterRef("record_id"),
            task__closed_at__isnull=False,
            task__closed_at__lt=OuterRef("changed_at"),
            task__status__in=[TaskStatus.COMPLETED, TaskStatus.UNREACHABLE],
        )
        if user is not None:  # the versions' permission, the record's 部门
            records = records.restrict(user, "view", perm_model=RecordVersion)
        records = narrowed(records, "branch", "", branch)
        versions = RecordVersion.objects.filter(pk__in=later).filter(Exists(records))
        return (
            self.in_period(versions, "changed_at__date", period)
            .select_related("record__customer", "record__task", "changed_by")
            .order_by("changed_at", "pk")
        )

    def reader(self):
        def read(v: RecordVersion) -> Finding:
            who = v.changed_by.display_name if v.changed_by else "系统"
            fields = "、".join(_field_label(name) for name in (v.changes or {})) or "（无字段变化）"
            note = (
                f"回访记录 #{v.record_id} 第 {v.version} 版：{who} 于 "
                f"{timezone.localtime(v.changed_at):%Y-%m-%d %H:%M} 修改 {fields}"
            )
            return self.finding(
                v.record.customer.investor_code,
                v.record.task_id,
                note,
                f"{v.record_id}-{v.version}",
                v.record.branch_id,
            )

        return read


def _field_label(name: str) -> str:
    try:
        return str(CallbackRecord._meta.get_field(name).verbose_name)
    except Exception:
        return name


class UnreachableTooEarly(Check):
    name = "unreachable_too_early"
    title = "未达尝试次数即关闭为无法联系"
    fields = (
        "pk",
        "customer__investor_code",
        "branch_id",
        "unanswered",
        "business_type__max_unanswered_attempts",
    )
    description = (
        "关闭为“无法联系”的任务中，计为未接通的回访记录少于其回访业务类型要求的"
        "“最多未接通次数”的任务。"
    )

    def rows(self, user, period):
        tasks = _scoped(CallbackTask.objects.filter(status=TaskStatus.UNREACHABLE), user)
        tasks = self.in_period(tasks, "closed_at__date", period)
        return (
            tasks.annotate(
                unanswered=Count(
                    "records", filter=Q(records__failure_reason__counts_as_unanswered=True)
                )
            )
            .filter(unanswered__lt=F("business_type__max_unanswered_attempts"))
            .order_by("pk")
        )

    def reader(self):
        def read(t: dict) -> Finding:
            note = (
                f"未接通 {t['unanswered']} 次即关闭，业务类型要求 "
                f"{t['business_type__max_unanswered_attempts']} 次"
            )
            return self.finding(
                t["customer__investor_code"], t["pk"], note, t["pk"], t["branch_id"]
            )

        return read


def get(name: str) -> Check:
    try:
        return REGISTRY[name]()
    except KeyError:
        raise ValueError(f"没有名为“{name}”的检查项，可选：{'、'.join(REGISTRY)}") from None


def finding_title(key: str) -> str:
    """A finding's key as people read it: its check's Chinese title (``overdue_tasks:12`` →
    逾期未完成的任务). A key naming no known check (free text from the API) stays as it is."""
    name, sep, _ = (key or "").partition(":")
    check = REGISTRY.get(name) if sep else None
    return check.title if check is not None else key


def counts(user, period: Period | None = None, branch=None) -> list[dict]:
    """Each check ``user`` may run, with its finding count for the dashboard and its page's
    URL; with ``branch``, the findings of that branch and the ones below it, linking to the
    page so filtered."""
    from django.urls import reverse

    period = period or Period()
    query = f"?branch={branch.pk}" if branch is not None else ""
    return [
        {
            "name": name,
            "title": check.title,
            "description": check.description,
            "count": check.count(user, period, branch),
            "url": reverse("reports:compliance_check", args=[name]) + query,
        }
        for name, check in ((name, cls()) for name, cls in REGISTRY.items())
        if check.visible_to(user)
    ]


def sheet(findings: Iterable[Finding]) -> tuple[list[str], Iterable[list]]:
    return HEADER, (
        [f.check, f.investor_code, f.task_id if f.task_id else "", f.note] for f in findings
    )
