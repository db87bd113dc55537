"""The sections of an evidence package: one sheet each, in :data:`SECTIONS` order.

A section is a title (the sheet's Chinese name), what it holds (for the cover), a header
and a function ``rows(ctx) → iterable of cell lists``. Every function starts from the
package's tasks (:class:`Context`: their ids, read once, in id order) and reads the rows
related to them a chunk of tasks at a time, from the model's ``restrict``-ed queryset, so
a branch user's package holds only their branch's rows and memory stays bounded however
big the scope is. Cells are typed (dates as dates, codes as text) and personal data is
masked as on the pages (``core.masking``).

A new section: a function here and a :class:`Section` line in :data:`SECTIONS`
(``docs/developing.md``, "An evidence section").
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import F, QuerySet
from django.utils import timezone

from huifang.callbacks.audit_actions import CallbackAction
from huifang.callbacks.models import Batch, CallbackTask, TaskBatch
from huifang.callbacks.records.models import (
    BranchFeedback,
    CallbackRecord,
    RecordAttachment,
    RecordVersion,
)
from huifang.channels.calls.choices import ivr_text
from huifang.channels.calls.models import CallAttempt
from huifang.channels.sms.models import SmsMessage
from huifang.core.audit_display import (
    Names,
    describe,
    field_label,
    format_value,
    source_label,
)
from huifang.core.chunks import IN_LIST_SIZE, in_chunks
from huifang.core.masking import mask_address, mask_fields, mask_phone
from huifang.core.models import AuditEvent
from huifang.core.permissions import scoped
from huifang.core.scoping import in_subtree
from huifang.customers.models import Customer, product_risk_label
from huifang.org.models import User
from huifang.reports.compliance import finding_title
from huifang.reports.evidence import attachments
from huifang.reports.evidence.scope import Scope, day_bounds
from huifang.reports.models import Measure, MeasureAttachment
from huifang.rules import params as P
from huifang.rules import ruletypes
from huifang.rules.evidence import STORED, reason_dict, summary
from huifang.rules.models import Hit, HitReason, RunRule, ScreeningRun
from huifang.surveys.models import Invitation, Response, ResponseAnswer

CHUNK = IN_LIST_SIZE  # tasks (or other ids) per query


@functools.cache
def labels(model, name: str) -> dict:
    """A choice field's stored values → Chinese labels."""
    return {str(k): str(v) for k, v in model._meta.get_field(name).flatchoices}


def local(value):
    return timezone.localtime(value) if value is not None else None


def as_json(value) -> str:
    if value in (None, {}, []):
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# A customer is shown by its code and name: the rest of its row (encrypted personal data
# among it) is not read, so a related customer costs two columns, not thirty-three.
CUSTOMER_SHOWN = ("id", "investor_code", "name")


def lean(queryset: QuerySet, *paths: str) -> QuerySet:
    """``queryset`` with the customers at ``paths`` joined, reading only their code and name."""
    unused = [
        f"{path}__{f.name}"
        for path in paths
        for f in Customer._meta.concrete_fields
        if f.attname not in CUSTOMER_SHOWN
    ]
    return queryset.select_related(*paths).defer(*unused)


@dataclass
class Context:
    """What every section reads: the scope, the actor and the package's tasks."""

    scope: Scope
    actor: object
    task_ids: list[int] = field(default_factory=list)
    customer_ids: list[int] = field(default_factory=list)
    run_ids: list[int] = field(default_factory=list)
    tick: Callable[[int], None] = lambda rows: None
    _people: dict[int, str] = field(default_factory=dict)
    _measures: list[int] | None = None  # measure_ids, found once per package
    names: Names = field(default_factory=Names)

    @classmethod
    def build(cls, scope: Scope, actor, tick=None) -> Context:
        ctx = cls(scope=scope, actor=actor, tick=tick or (lambda rows: None))
        pairs = scope.tasks(actor).order_by("pk").values_list("pk", "customer_id")
        customers: set[int] = set()
        for task_id, customer_id in pairs.iterator(chunk_size=5000):
            ctx.task_ids.append(task_id)
            customers.add(customer_id)
        if scope.customer is not None:
            customers = {scope.customer.pk}
        ctx.customer_ids = sorted(customers)
        ctx.run_ids = ctx._runs()
        return ctx

    def _runs(self) -> list[int]:
        """The frozen screening runs the tasks came from (every batch that created a task
        or merged its reasons into one); a batch's own run; a customer's every frozen run
        that hit them (also those that made no task, e.g. skipped)."""
        batches: set[int] = set()
        for chunk in in_chunks(self.task_ids, CHUNK):
            batches.update(
                TaskBatch.objects.filter(task_id__in=chunk).values_list("batch_id", flat=True)
            )
        runs = set(Batch.objects.filter(pk__in=batches).values_list("run_id", flat=True))
        if self.scope.batch is not None:
            runs.add(self.scope.batch.run_id)
        if self.scope.customer is not None:
            runs.update(
                Hit.objects.filter(customer=self.scope.customer, run__status="frozen").values_list(
                    "run_id", flat=True
                )
            )
        return sorted(runs)

    def qs(self, model) -> QuerySet:
        """``model``'s rows the actor may see."""
        return scoped(self.actor, model.objects.all(), "view")

    def by_tasks(self, queryset: QuerySet, lookup: str = "task_id") -> Iterator:
        """``queryset``'s rows of the package's tasks, a chunk of tasks at a time."""
        for chunk in in_chunks(self.task_ids, CHUNK):
            yield from queryset.filter(**{f"{lookup}__in": chunk})

    def person(self, user_id: int | None) -> str:
        if user_id is None:
            return ""
        if user_id not in self._people:
            user = User.objects.filter(pk=user_id).first()
            self._people[user_id] = user.display_name if user else f"#{user_id}"
        return self._people[user_id]

    def counted(self, rows: Iterable) -> Iterator:
        for n, row in enumerate(rows, start=1):
            if n % 1000 == 0:
                self.tick(n)
            yield row


@dataclass(frozen=True)
class Section:
    title: str  # the sheet's name (≤ 31 characters)
    holds: str  # what the cover says it holds
    header: list[str]
    rows: Callable[[Context], Iterable[list]]


# -- screening ---------------------------------------------------------------------------------


RULE_HEADER = [
    "筛选编号",
    "回访基准日",
    "筛选状态",
    "落地时间",
    "落地人",
    "落地时最新日报日期",
    "确认按不完整数据落地",
    "客户类型",
    "部门",
    "排除休眠客户",
    "临时参数",
    "规则编号",
    "规则名称",
    "规则种类",
    "版本号",
    "版本保存时间",
    "版本操作员",
    "修改说明",
    "生效参数",
    "规则含义",
    "命中数",
    "生效参数（原始 JSON）",  # as stored, for an auditor to check the words against
]


def _meaning(rule_type: str, params: dict) -> str:
    try:
        return ruletypes.get(rule_type).meaning(params)
    except Exception:  # an old version's parameters a type no longer reads: say so
        return "（参数与当前规则种类不一致，含义无法生成，请以生效参数为准）"


def rule_rows(ctx: Context) -> Iterator[list]:
    runs = {r.pk: r for r in ScreeningRun.objects.filter(pk__in=ctx.run_ids)}
    kinds, statuses = labels(RunRule, "rule_type"), labels(ScreeningRun, "status")
    rules = list(
        RunRule.objects.filter(run_id__in=ctx.run_ids)
        .select_related("version")
        .order_by("run_id", "code")
    )
    types: dict[int, dict[str, str]] = {}  # each run's rule types by code
    for rr in rules:
        types.setdefault(rr.run_id, {})[rr.code] = rr.rule_type
    for rr in rules:
        run = runs[rr.run_id]
        yield [
            run.pk,
            run.as_of,
            statuses.get(run.status, run.status),
            local(run.frozen_at),
            ctx.person(run.frozen_by_id),
            run.data_through,
            run.incomplete_confirmed,
            "、".join(run.customer_types or []),
            "、".join(run.branch_codes or []),
            run.exclude_dormant,
            P.overrides_text(run.overrides, types[run.pk]),
            rr.code,
            rr.name,
            kinds.get(rr.rule_type, rr.rule_type),
            rr.version.number,
            local(rr.version.created_at),
            ctx.person(rr.version.created_by_id),
            rr.version.note,
            P.params_text(rr.rule_type, rr.params),
            _meaning(rr.rule_type, rr.params),
            rr.hit_count,
            as_json(rr.params),
        ]


HIT_HEADER = [
    "筛选编号",
    "回访基准日",
    "投资者代码",
    "投资者名称",
    "部门代码",
    "部门",
    "命中规则",
    "筛选理由",
    "本年度成交手数",
    "本年度亏损金额",
    "规则编号",
    "依据",
    "日期依据",
    "亏损金额",
    "基数",
    "成交手数",
    "交易天数",
    "入金",
    "出金",
    "取值",
    "最高风险等级",
    "产品",
]


HIT_SHOWN = (
    "id",
    "run_id",
    "customer_id",
    "branch_id",
    "investor_code",
    "name",
    "rule_codes",
    "reasons",
    "year_volume",
    "year_loss",
)


def _hits(ctx: Context) -> Iterator[Hit]:
    hits = (
        ctx.qs(Hit)
        .filter(run_id__in=ctx.run_ids)
        .select_related("branch")
        .only(*HIT_SHOWN, "branch__code", "branch__name")
    )
    own = ctx.scope.batch.run_id if ctx.scope.batch is not None else None
    if own is not None:  # the batch's run: every hit, also those it made no task for
        last = 0
        while chunk := list(hits.filter(run_id=own, pk__gt=last).order_by("pk")[:CHUNK]):
            yield from chunk
            last = chunk[-1].pk
        hits = hits.exclude(run_id=own)
    for chunk in in_chunks(ctx.customer_ids, CHUNK):
        yield from hits.filter(customer_id__in=chunk).order_by("run_id", "investor_code")


def _evidence_cell(name: str, value):
    return product_risk_label(value) or None if name == "max_risk" else value


def hit_rows(ctx: Context) -> Iterator[list]:
    rule_types = dict(
        ((run, code), kind)
        for run, code, kind in RunRule.objects.filter(run_id__in=ctx.run_ids).values_list(
            "run_id", "code", "rule_type"
        )
    )
    as_of = dict(ScreeningRun.objects.filter(pk__in=ctx.run_ids).values_list("pk", "as_of"))
    buffer: list[Hit] = []

    def flush(hits: list[Hit]) -> Iterator[list]:
        reasons: dict[tuple[int, int], list] = {}
        for run_id in {h.run_id for h in hits}:
            customers = [h.customer_id for h in hits if h.run_id == run_id]
            for reason in HitReason.objects.filter(
                run_id=run_id, customer_id__in=customers
            ).order_by("rule_code"):
                reasons.setdefault((run_id, reason.customer_id), []).append(reason)
        for hit in hits:
            day = as_of[hit.run_id]
            head = [
                hit.run_id,
                day,
                hit.investor_code,
                hit.name,
                hit.branch.code,
                hit.branch.name,
                "、".join(hit.codes),
                hit.reasons,
                hit.year_volume,
                hit.year_loss,
            ]
            for reason in reasons.get((hit.run_id, hit.customer_id), []) or [None]:
                if reason is None:
                    yield head
                    continue
                ev = reason_dict(reason)
                kind = rule_types.get((hit.run_id, reason.rule_code))
                said = summary(kind, ev, day) if kind in ruletypes.REGISTRY else ""
                yield [
                    *head,
                    reason.rule_code,
                    said,
                    *(_evidence_cell(name, ev[name]) for name in STORED),
                ]

    for hit in _hits(ctx):
        buffer.append(hit)
        if len(buffer) >= CHUNK:
            yield from flush(buffer)
            buffer = []
    if buffer:
        yield from flush(buffer)


# -- tasks -------------------------------------------------------------------------------------


TASK_HEADER = [
    "任务编号",
    "投资者代码",
    "投资者名称",
    "部门代码",
    "部门",
    "回访业务类型",
    "批次号",
    "命中规则",
    "筛选理由",
    "处理状态",
    "截止日期",
    "逾期",
    "回访专员",
    "分配时间",
    "回访次数",
    "未接通次数",
    "最近回访时间",
    "改约时间",
    "关闭原因",
    "关闭时间",
    "创建时间",
    "修改时间",
]


def task_rows(ctx: Context) -> Iterator[list]:
    statuses = labels(CallbackTask, "status")
    today = timezone.localdate()
    tasks = lean(ctx.qs(CallbackTask), "customer").select_related(
        "branch", "business_type", "batch"
    )
    for t in ctx.by_tasks(tasks.order_by("pk"), "pk"):
        yield [
            t.pk,
            t.customer.investor_code,
            t.customer.name,
            t.branch.code,
            t.branch.name,
            t.business_type.name,
            t.batch.number,
            "、".join(t.codes),
            t.reasons,
            statuses.get(t.status, t.status),
            t.deadline,
            t.is_overdue(today),
            ctx.person(t.assignee_id),
            local(t.assigned_at),
            t.attempt_count,
            t.unanswered_count,
            local(t.last_attempt_at),
            local(t.appointment_at),
            t.close_reason,
            local(t.closed_at),
            local(t.created_at),
            local(t.updated_at),
        ]


LINK_HEADER = ["任务编号", "投资者代码", "批次号", "筛选编号", "方式", "本批命中规则", "时间"]


def link_rows(ctx: Context) -> Iterator[list]:
    kinds = labels(TaskBatch, "kind")
    links = (
        ctx.qs(TaskBatch)
        .order_by("task_id", "created_at", "pk")
        .values_list(
            "task_id",
            "task__customer__investor_code",
            "batch__number",
            "batch__run_id",
            "kind",
            "rule_codes",
            "created_at",
        )
    )
    for task_id, code, number, run_id, kind, rule_codes, created_at in ctx.by_tasks(links):
        yield [
            task_id,
            code,
            number,
            run_id,
            kinds.get(kind, kind),
            "、".join(c for c in rule_codes.split(",") if c),
            local(created_at),
        ]


AUDIT_HEADER = [
    "时间",
    "操作人",
    "来源",
    "动作",
    "对象类型",
    "对象编号",
    "对象",
    "修改内容",
    "说明",
    "请求编号",
]


def _audit_row(ctx: Context, event: AuditEvent) -> list:
    view = describe(event, ctx.names)
    return [
        local(event.time),
        ctx.person(event.user_id),
        source_label(event.actor_label),
        view.action,
        view.type_label,
        event.object_id,
        event.object_repr,
        view.changes_text(),
        event.message,
        event.request_id,
    ]


def _audit_of(model, ids: Iterable[int]) -> Iterator[AuditEvent]:
    """The audit rows of ``model``'s objects ``ids`` (by the (type, id) index)."""
    object_type = model._meta.label_lower
    for chunk in in_chunks([str(i) for i in ids], CHUNK):
        yield from AuditEvent.objects.filter(object_type=object_type, object_id__in=chunk).order_by(
            "object_id", "time", "pk"
        )


def history_rows(ctx: Context) -> Iterator[list]:
    """Each task's audit rows: created, assigned, started, merged, closed …"""
    for event in _audit_of(CallbackTask, ctx.task_ids):
        yield _audit_row(ctx, event)


# -- records -----------------------------------------------------------------------------------


RECORD_HEADER = [
    "记录编号",
    "任务编号",
    "投资者代码",
    "部门代码",
    "回访业务类型",
    "回访形式",
    "回访状态",
    "失败原因",
    "回访时间",
    "回访时长（秒）",
    "回访人",
    "渠道来源",
    "手机号",
    "联系电话",
    "客户联系地址",
    "客户标签",
    "备注",
    "改约时间",
    "反馈营业部时间",
    "版本",
    "登记时间",
    "登记人",
    "登记来源",
    "修改时间",
    "修改人",
]


def _records(ctx: Context) -> QuerySet:
    return ctx.qs(CallbackRecord).order_by("task_id", "called_at", "pk")


def record_rows(ctx: Context) -> Iterator[list]:
    methods, statuses = labels(CallbackRecord, "method"), labels(CallbackRecord, "status")
    records = lean(_records(ctx), "customer").select_related(
        "branch", "business_type", "failure_reason"
    )
    for r in ctx.by_tasks(records):
        yield [
            r.pk,
            r.task_id,
            r.customer.investor_code,
            r.branch.code,
            r.business_type.name,
            methods.get(r.method, r.method),
            statuses.get(r.status, r.status),
            r.failure_reason.name if r.failure_reason else "",
            local(r.called_at),
            r.duration_seconds,
            ctx.person(r.agent_id),
            r.channel_source,
            mask_phone(r.mobile_used),
            mask_phone(r.phone_used),
            mask_address(r.address),
            r.tags,
            r.remark,
            local(r.appointment_at),
            local(r.feedback_at),
            r.version,
            local(r.created_at),
            ctx.person(r.created_by_id) or source_label(r.created_via),
            source_label(r.created_via) if r.created_via else "",
            local(r.updated_at),
            ctx.person(r.updated_by_id),
        ]


VERSION_HEADER = [
    "记录编号",
    "任务编号",
    "版本",
    "时间",
    "操作人",
    "修改说明",
    "修改内容",
    "内容",
    "修改内容（原始 JSON）",
    "内容（原始 JSON）",
]
RECORD_SENSITIVE = CallbackAction.sensitive_fields


def _masked_changes(changes: dict) -> dict:
    """``{field: [old, new]}`` with both sides of a sensitive field masked."""
    return {
        key: [mask_fields({key: v}, RECORD_SENSITIVE)[key] for v in pair]
        if isinstance(pair, list)
        else pair
        for key, pair in (changes or {}).items()
    }


def _record_value(ctx: Context, key: str, value) -> str:
    return format_value(CallbackRecord, key, value, ctx.names)


def _changes_text(ctx: Context, changes: dict) -> str:
    """``回访状态：失败 → 成功；备注：— → 补充`` with the record list's labels and values."""
    parts = []
    for key, pair in changes.items():
        label = field_label(CallbackRecord, key)
        if isinstance(pair, list) and len(pair) == 2:
            old, new = (_record_value(ctx, key, v) for v in pair)
            parts.append(f"{label}：{old} → {new}")
        else:
            parts.append(f"{label}：{_record_value(ctx, key, pair)}")
    return "；".join(parts)


def _content_text(ctx: Context, data: dict) -> str:
    """A version's saved content, ``回访形式：电话；回访状态：成功；…``, empty values left out."""
    return "；".join(
        f"{field_label(CallbackRecord, key)}：{_record_value(ctx, key, value)}"
        for key, value in data.items()
        if value not in (None, "", [], {})
    )


def version_rows(ctx: Context) -> Iterator[list]:
    """Each saved version in words (as the record's 处理历史 reads), the stored JSON beside
    it for an inspector who wants the exact values (personal data masked in both)."""
    versions = (
        ctx.qs(RecordVersion)
        .annotate(task_id=F("record__task_id"))
        .order_by("record_id", "version")
    )
    for v in ctx.by_tasks(versions, "record__task_id"):
        changes = _masked_changes(v.changes)
        data = mask_fields(v.data or {}, RECORD_SENSITIVE)
        yield [
            v.record_id,
            v.task_id,
            v.version,
            local(v.changed_at),
            ctx.person(v.changed_by_id),
            v.reason,
            _changes_text(ctx, changes),
            _content_text(ctx, data),
            as_json(changes),
            as_json(data),
        ]


ANSWER_HEADER = [
    "问卷结果编号",
    "任务编号",
    "回访记录编号",
    "投资者代码",
    "问卷版本",
    "渠道",
    "提交编号",
    "提交时间",
    "接收时间",
    "题目编号",
    "题目",
    "选项",
    "答案",
    "异常",
]


def _question_texts(version) -> dict:
    out = {}
    for q in version.questions or []:
        options = {str(o.get("id")): o.get("text", "") for o in q.get("options") or []}
        out[q.get("id")] = (q.get("text", ""), options)
    return out


def answer_rows(ctx: Context) -> Iterator[list]:
    channels = labels(Response, "channel")
    texts: dict[int, dict] = {}
    answers = (
        lean(ctx.qs(ResponseAnswer), "response__customer")
        .select_related("version__questionnaire")
        .order_by("response__task_id", "response_id", "pk")
    )
    for a in ctx.by_tasks(answers, "response__task_id"):
        response = a.response
        if a.version_id not in texts:
            texts[a.version_id] = _question_texts(a.version)
        question, options = texts[a.version_id].get(a.question, ("", {}))
        yield [
            response.pk,
            response.task_id,
            response.record_id,
            response.customer.investor_code,
            str(a.version),
            channels.get(response.channel, response.channel),
            response.submission_id,
            local(response.submitted_at),
            local(response.received_at),
            a.question,
            question,
            a.option,
            options.get(a.option, "") if a.option else a.text,
            a.question in (response.abnormal or []),
        ]


FEEDBACK_HEADER = [
    "反馈编号",
    "任务编号",
    "回访记录编号",
    "投资者代码",
    "部门代码",
    "反馈内容",
    "反馈时间",
    "反馈人",
    "处理时间",
    "处理人",
    "处理说明",
]


def feedback_rows(ctx: Context) -> Iterator[list]:
    feedbacks = lean(ctx.qs(BranchFeedback), "task__customer").select_related("branch")
    for f in ctx.by_tasks(feedbacks.order_by("task_id", "created_at", "pk")):
        yield [
            f.pk,
            f.task_id,
            f.record_id,
            f.task.customer.investor_code,
            f.branch.code,
            f.message,
            local(f.created_at),
            ctx.person(f.created_by_id),
            local(f.handled_at),
            ctx.person(f.handled_by_id),
            f.handling_note,
        ]


# -- channels ----------------------------------------------------------------------------------


SMS_HEADER = [
    "短信编号",
    "任务编号",
    "投资者代码",
    "短信模板",
    "手机号",
    "短信内容",
    "计费条数",
    "服务商",
    "服务商流水号",
    "状态",
    "服务商状态码",
    "服务商说明",
    "排队时间",
    "发送时间",
    "送达时间",
    "尝试次数",
    "强制发送",
    "发送人",
]


def _sms(ctx: Context) -> Iterator[SmsMessage]:
    messages = lean(ctx.qs(SmsMessage), "customer").select_related("template")
    if ctx.scope.customer is not None:  # also those sent without a task
        return iter(messages.filter(customer=ctx.scope.customer).order_by("queued_at", "pk"))
    return ctx.by_tasks(messages.order_by("task_id", "queued_at", "pk"))


def sms_rows(ctx: Context) -> Iterator[list]:
    statuses = labels(SmsMessage, "status")
    for m in _sms(ctx):
        yield [
            m.pk,
            m.task_id,
            m.customer.investor_code,
            f"{m.template.code} {m.template.name}",
            mask_phone(m.mobile),
            m.text,
            m.parts,
            m.provider,
            m.provider_message_id,
            statuses.get(m.status, m.status),
            m.provider_code,
            m.provider_text,
            local(m.queued_at),
            local(m.sent_at),
            local(m.delivered_at),
            m.attempts,
            m.forced,
            ctx.person(m.created_by_id),
        ]


CALL_HEADER = [
    "呼叫ID",
    "拨打次数",
    "外呼任务ID",
    "任务编号",
    "投资者代码",
    "拨打时间",
    "拨打时长（秒）",
    "拨打结果",
    "坐席",
    "录音地址",
    "录音SHA256",
    "按键确认",
    "来源",
    "回访记录编号",
    "处理说明",
    "接收时间",
]


def call_rows(ctx: Context) -> Iterator[list]:
    results, sources = labels(CallAttempt, "result"), labels(CallAttempt, "source")
    calls = lean(ctx.qs(CallAttempt), "customer")
    for c in ctx.by_tasks(calls.order_by("task_id", "started_at", "pk")):
        yield [
            c.call_id,
            c.attempt,
            c.task_ref,
            c.task_id,
            c.customer.investor_code,
            local(c.started_at),
            c.duration_seconds,
            results.get(c.result, c.result),
            c.agent,
            c.recording_url,
            c.recording_sha256,
            ivr_text(c.ivr),
            sources.get(c.source, c.source),
            c.record_id,
            c.note,
            local(c.received_at),
        ]


# -- measures ----------------------------------------------------------------------------------


MEASURE_HEADER = [
    "措施编号",
    "投资者代码",
    "投资者名称",
    "部门代码",
    "措施类型",
    "措施原因",
    "来源任务",
    "来源回访记录",
    "来源营业部反馈",
    "来源合规核查",
    "负责人",
    "完成期限",
    "状态",
    "逾期",
    "执行结果",
    "创建时间",
    "创建人",
    "修改时间",
    "修改人",
]


def measure_ids(ctx: Context) -> list[int]:
    """The measures on the package's customers that its tasks (or their records and
    follow-ups) prompted; all of a customer's; a branch's registered in the period
    (found once: the measures sheet, the attachments and the audit rows all ask)."""
    if ctx._measures is None:
        ctx._measures = _find_measures(ctx)
    return ctx._measures


def _find_measures(ctx: Context) -> list[int]:
    measures = ctx.qs(Measure)
    found: set[int] = set()
    for chunk in in_chunks(ctx.task_ids, CHUNK):
        # One query per way a measure points at a task: an OR of the three joins reads
        # every measure.
        for lookup in ("task_id__in", "record__task_id__in", "feedback__task_id__in"):
            found.update(measures.filter(**{lookup: chunk}).values_list("pk", flat=True))
    if ctx.scope.customer is not None:
        found.update(measures.filter(customer=ctx.scope.customer).values_list("pk", flat=True))
    if ctx.scope.branch is not None:
        start, end = day_bounds(ctx.scope.start, ctx.scope.end)
        found.update(
            in_subtree(measures, "branch", ctx.scope.branch)
            .filter(created_at__gte=start, created_at__lt=end)
            .values_list("pk", flat=True)
        )
    return sorted(found)


def measure_rows(ctx: Context) -> Iterator[list]:
    statuses = labels(Measure, "status")
    today = timezone.localdate()
    measures = lean(ctx.qs(Measure), "customer").select_related("branch", "measure_type")
    for chunk in in_chunks(measure_ids(ctx), CHUNK):
        for m in measures.filter(pk__in=chunk).order_by("pk"):
            yield [
                m.pk,
                m.customer.investor_code,
                m.customer.name,
                m.branch.code,
                m.measure_type.name,
                m.reason,
                m.task_id,
                m.record_id,
                m.feedback_id,
                finding_title(m.finding),
                ctx.person(m.responsible_id),
                m.due_date,
                statuses.get(m.status, m.status),
                m.is_overdue(today),
                m.result,
                local(m.created_at),
                ctx.person(m.created_by_id),
                local(m.updated_at),
                ctx.person(m.updated_by_id),
            ]


# -- the audit rows of everything else ---------------------------------------------------------


def _ids(ctx: Context, model, lookup: str) -> Iterator[int]:
    yield from ctx.by_tasks(ctx.qs(model).order_by("pk").values_list("pk", flat=True), lookup)


def audit_rows(ctx: Context) -> Iterator[list]:
    """The audit rows of every object in the package but the tasks (任务历史 has theirs):
    the runs and batches, records and their attachments, follow-ups, questionnaire
    invitations and results, texts, calls, measures and their attachments, and — for a
    customer's package — the customer."""
    batches = Batch.objects.filter(run_id__in=ctx.run_ids).order_by("pk")
    sources = [
        (ScreeningRun, iter(ctx.run_ids)),
        (Batch, iter(batches.values_list("pk", flat=True))),
        (CallbackRecord, _ids(ctx, CallbackRecord, "task_id")),
        (RecordAttachment, _ids(ctx, RecordAttachment, "record__task_id")),
        (BranchFeedback, _ids(ctx, BranchFeedback, "task_id")),
        (Invitation, _ids(ctx, Invitation, "task_id")),
        (Response, _ids(ctx, Response, "task_id")),
        (SmsMessage, (m.pk for m in _sms(ctx))),
        (CallAttempt, _ids(ctx, CallAttempt, "task_id")),
    ]
    measures = measure_ids(ctx)
    sources += [
        (Measure, iter(measures)),
        (
            MeasureAttachment,
            (
                pk
                for chunk in in_chunks(measures, CHUNK)
                for pk in MeasureAttachment.objects.filter(measure_id__in=chunk)
                .order_by("pk")
                .values_list("pk", flat=True)
            ),
        ),
    ]
    if ctx.scope.customer is not None:
        sources.append((Customer, iter([ctx.scope.customer.pk])))
    for model, ids in sources:
        for event in _audit_of(model, ids):
            yield _audit_row(ctx, event)


SECTIONS: list[Section] = [
    Section("规则版本", "所用筛选的规则及其生效参数版本", RULE_HEADER, rule_rows),
    Section("命中依据", "筛选命中的客户及各规则的依据", HIT_HEADER, hit_rows),
    Section("回访任务", "回访任务", TASK_HEADER, task_rows),
    Section("任务批次与合并", "各批次新建或合并入任务的记录", LINK_HEADER, link_rows),
    Section("任务历史", "任务的状态变更、分配等审计记录", AUDIT_HEADER, history_rows),
    Section("回访记录", "全部回访记录", RECORD_HEADER, record_rows),
    Section("回访记录版本", "回访记录的每一个保存版本", VERSION_HEADER, version_rows),
    Section("问卷答案", "问卷结果的每一题答案", ANSWER_HEADER, answer_rows),
    Section("短信记录", "发送的短信", SMS_HEADER, sms_rows),
    Section("外呼记录", "外呼平台回传的拨打记录", CALL_HEADER, call_rows),
    Section("营业部反馈", "反馈营业部及处理情况", FEEDBACK_HEADER, feedback_rows),
    Section("管理措施", "管理措施", MEASURE_HEADER, measure_rows),
    Section(
        "附件清单",
        "附件与录音引用及其 SHA-256",
        attachments.MANIFEST_HEADER,
        lambda ctx: attachments.manifest_rows(ctx),
    ),
    Section("审计日志", "以上各项（任务除外）的审计记录", AUDIT_HEADER, audit_rows),
]
