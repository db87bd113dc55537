"""Every write of the outbound-call platform (外呼): pushing a call list, receiving a call
result (webhook or file) and maintaining the result mapping.

A call result becomes a callback record only through
``huifang.callbacks.records.services.do_create_record`` (so attempt counters, the 无法联系
cap, 反馈营业部 and task completion behave exactly as for a record an agent registers).
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from huifang.callbacks.choices import OPEN_STATUSES
from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records import services as record_services
from huifang.callbacks.records.choices import Method, RecordStatus
from huifang.callbacks.records.models import CallbackRecord, FailureReason
from huifang.channels.calls.audit_actions import CallAction
from huifang.channels.calls.choices import PUSH_TOPIC, CallResult, CallSource, MappingAction
from huifang.channels.calls.models import CallAttempt, CallPush, CallRef, ResultMapping, ref_for
from huifang.core import audit
from huifang.core.actors import as_actor
from huifang.core.exporter import Exporter
from huifang.core.permissions import require, scoped
from huifang.core.prepared import Insert
from huifang.org.models import User

PAGE_SIZE = 1000  # calls per signed page POSTed to the partner (interfaces.md: at most 1,000)
PUSH_HEADER = ["task_ref", "投资者代码", "客户名称", "手机号", "营业部", "筛选理由", "截止日期"]
MAX_DURATION = 24 * 3600
MAX_ATTEMPT = 1000
FUTURE_SLACK = datetime.timedelta(minutes=5)  # partner clocks drift a little
SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
RESULTS = frozenset(CallResult.values)  # (Choices.values builds its list on every use)
CHANNEL_SOURCE = "外呼平台"


class UnknownTaskRef(ValidationError):
    """A ``task_ref`` Huifang never pushed (or one outside the actor's scope): the API's 404."""


class NothingToPush(ValidationError):
    """No open task to put on the call list: the page refuses, cron's command is content."""


# ---------------------------------------------------------------- push


def _refs(task_ids: list[int]) -> dict[int, str]:
    """The stable ``task_ref`` of each task, created on its first push."""
    known = dict(CallRef.objects.filter(task_id__in=task_ids).values_list("task_id", "ref"))
    missing = [pk for pk in task_ids if pk not in known]
    if missing:
        now = timezone.now()
        CallRef.objects.bulk_create(
            [CallRef(task_id=pk, ref=ref_for(pk), created_at=now) for pk in missing],
            batch_size=1000,
            ignore_conflicts=True,  # a concurrent push of the same task made it already
        )
        known.update({pk: ref_for(pk) for pk in missing})
    return known


def push_rows(tasks) -> list[dict]:
    """The call list's rows (full numbers) for ``tasks``, in task id order."""
    tasks = list(
        tasks.select_related("customer", "branch")
        .order_by("pk")
        .only(
            "pk",
            "reasons",
            "deadline",
            "customer__investor_code",
            "customer__name",
            "customer__mobile",
            "customer__phone",
            "branch__name",
        )
    )
    refs = _refs([task.pk for task in tasks])
    return [
        {
            "task_ref": refs[task.pk],
            "investor_code": task.customer.investor_code,
            "name": task.customer.name,
            "mobile": task.customer.mobile or task.customer.phone,
            "branch": task.branch.name,
            "reasons": task.reasons,
            "deadline": task.deadline.isoformat() if task.deadline else "",
        }
        for task in tasks
    ]


def _push_sheet(rows: list[dict]):
    keys = ["task_ref", "investor_code", "name", "mobile", "branch", "reasons", "deadline"]
    return PUSH_HEADER, ([row[key] for key in keys] for row in rows)


def push_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "calls"


def do_push(tasks, *, actor, out=None, filters: str = "") -> CallPush:
    """推送外呼名单: the open tasks among ``tasks`` (a queryset) that ``actor`` may see
    get a ``task_ref``; the call list is written to ``out`` (.csv/.xlsx; by default an
    .xlsx under the data directory) through the exporter, and, for every enabled
    call-center partner with a URL, queued as signed pages of at most 1,000 calls.
    One transaction; the push is audited (the file carries full phone numbers)."""
    actor = as_actor(actor)
    require(actor, "calls.add_callpush", message="您没有推送外呼名单的权限")
    from huifang.partners.delivery import do_enqueue
    from huifang.partners.models import Partner, PartnerKind

    if out is not None and Path(out).suffix.lower() not in (".csv", ".xlsx"):
        raise ValidationError("外呼名单文件须以 .csv 或 .xlsx 结尾")
    chosen = scoped(actor, tasks, "view").filter(status__in=OPEN_STATUSES)
    with transaction.atomic():
        rows = push_rows(chosen)
        if not rows:
            raise NothingToPush("没有可推送的未完成回访任务")
        push = CallPush.objects.create(
            created_by=actor.user,
            created_via=actor.label,
            filters=filters[:500],
            count=len(rows),
        )
        if out is None:
            push_dir().mkdir(parents=True, exist_ok=True)
            stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
            path = push_dir() / f"外呼名单_{stamp}_{push.pk}.xlsx"
        else:
            path = Path(out)
        Exporter(
            _push_sheet,
            queryset=rows,
            name="call_list",
            title="外呼名单",
            sheet="外呼名单",
            model=CallPush,
            actor=actor,
        ).write(path)
        pages = [rows[i : i + PAGE_SIZE] for i in range(0, len(rows), PAGE_SIZE)]
        partners = Partner.objects.filter(kind=PartnerKind.CALLCENTER, is_enabled=True).exclude(
            url=""
        )
        sent = 0
        for partner in partners:
            items = [
                (
                    f"push{push.pk}-{number}",
                    {"push": push.pk, "page": number, "pages": len(pages), "calls": page},
                )
                for number, page in enumerate(pages, start=1)
            ]
            sent += do_enqueue(partner, PUSH_TOPIC, items, actor=actor)
        push.file = str(path)
        push.pages = sent
        push.save(update_fields=["file", "pages"])
        audit.record(
            CallAction.CALL_PUSH,
            push,
            after={"count": push.count, "file": push.file, "pages": sent, "filters": filters},
            message=f"推送外呼名单 {push.count} 条（含完整手机号），推送 {sent} 页",
            actor=actor,
        )
    return push


# ---------------------------------------------------------------- results


def _text(data: dict, field: str, max_length: int, errors: dict, *, required: bool) -> str:
    value = data.get(field)
    if value is None or value == "":
        if required:
            errors[field] = ["必填"]
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        errors[field] = ["应为字符串"]
        return ""
    value = str(value).strip()
    if required and not value:
        errors[field] = ["必填"]
    elif len(value) > max_length:
        errors[field] = [f"不能超过 {max_length} 个字符"]
    return value


def _integer(data: dict, field: str, low: int, high: int, errors: dict, label: str) -> int:
    value = data.get(field)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        errors[field] = [f"{label}应为整数"]
        return 0
    if not low <= value <= high:
        errors[field] = [f"{label}须在 {low} 至 {high} 之间"]
    return value


def parse_started_at(value) -> datetime.datetime:
    """ISO 8601 (``2026-01-05T10:00:00+08:00``; without an offset: Shanghai time) or a
    date-time as a spreadsheet holds it; ValueError (Chinese) else."""
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = parse_datetime(value.strip().replace("/", "-"))
        except ValueError:
            moment = None
        if moment is None:
            raise ValueError("拨打时间格式应为 2026-01-05T10:00:00+08:00 或 2026-01-05 10:00:00")
    else:
        raise ValueError("必填，ISO 8601 日期时间")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if not 1900 < moment.year < 2100:
        raise ValueError("拨打时间超出合理范围")
    if moment > timezone.now() + FUTURE_SLACK:
        raise ValueError("拨打时间不能晚于当前时间")
    return moment


def clean_call(data: Any) -> dict:
    """A call result's fields (``interfaces.md``) checked; ValidationError by field else."""
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": ["请求体须为一个 JSON 对象"]})
    errors: dict[str, list[str]] = {}
    call_id = _text(data, "call_id", 100, errors, required=True)
    task_ref = _text(data, "task_ref", 32, errors, required=True)
    agent = _text(data, "agent", 100, errors, required=False)
    try:
        started_at = parse_started_at(data.get("started_at"))
    except ValueError as exc:
        errors["started_at"] = [str(exc)]
        started_at = None
    duration = _integer(data, "duration_seconds", 0, MAX_DURATION, errors, "拨打时长")
    attempt = _integer(data, "attempt", 1, MAX_ATTEMPT, errors, "拨打次数")
    result = data.get("result")
    if not isinstance(result, str) or result not in RESULTS:
        errors["result"] = [f"拨打结果须为 {' / '.join(CallResult.values)} 之一"]
    recording = data.get("recording")
    url = sha = ""
    if recording is not None:
        if not isinstance(recording, dict):
            errors["recording"] = ['应为 {"url", "sha256"} 或 null']
        else:
            url = recording.get("url")
            sha = recording.get("sha256")
            if not isinstance(url, str) or not url.strip() or len(url) > 500:
                errors["recording"] = ["录音地址（url）必填，不超过 500 个字符"]
            elif not isinstance(sha, str) or not SHA256.match(sha):
                errors["recording"] = ["录音的 sha256 应为 64 位十六进制字符"]
            else:
                url, sha = url.strip(), sha.lower()
    ivr = data.get("ivr")
    if ivr is not None and (
        not isinstance(ivr, dict)
        or len(ivr) > 50
        or not all(
            isinstance(v, str | int) and not isinstance(v, bool) and len(str(k)) <= 50
            for k, v in ivr.items()
        )
    ):
        errors["ivr"] = ["应为 {问题: 按键} 或 null（最多 50 项）"]
    if errors:
        raise ValidationError(errors)
    return {
        "call_id": call_id,
        "task_ref": task_ref,
        "started_at": started_at,
        "duration_seconds": duration,
        "attempt": attempt,
        "result": result,
        "agent": agent,
        "recording_url": url,
        "recording_sha256": sha,
        "ivr": {str(k): str(v) for k, v in ivr.items()} if ivr is not None else None,
    }


def ivr_confirmed(mapping: ResultMapping, ivr: dict | None) -> bool:
    if not ivr:
        return False
    if mapping.ivr_question:
        return str(ivr.get(mapping.ivr_question, "")) == mapping.ivr_answer
    return mapping.ivr_answer in {str(v) for v in ivr.values()}


# The attempt's INSERT, compiled once per process (core.prepared).
ATTEMPT_INSERT = Insert(CallAttempt)


@dataclass
class Target:
    """What one call result needs, read in one statement (:data:`TARGET`): its task (the
    columns the write uses; any other is read if asked for), the mapping of its result and
    the mapping's failure reason, and the id (and record id) of the attempt already stored
    under its 呼叫ID + 拨打次数, if any."""

    task: CallbackTask
    mapping: ResultMapping | None
    reason: FailureReason | None
    existing: tuple[int, int | None] | None


class _TargetQuery:
    """``SELECT`` the task of a ``task_ref`` (through its ``CallRef``) with, by LEFT JOIN,
    the result's mapping, the mapping's failure reason and the stored attempt of the same
    呼叫ID + 拨打次数: one round trip instead of four (task, mapping, reason, the attempt's
    unique key tried by an INSERT in a savepoint). The SQL and the columns' converters are
    built once per database from the models' metadata (``core.prepared`` does the same for
    single-table queries); ``tests/calls/test_statements.py`` compares what it reads with
    the ORM's rows."""

    TASK = ("id", "status", "assignee_id", "customer_id", "branch_id")
    MAPPING = (
        "id",
        "result",
        "action",
        "status",
        "failure_reason_id",
        "ivr_required",
        "ivr_question",
        "ivr_answer",
    )

    def __init__(self):
        self._built: dict[tuple[str, str], tuple] = {}

    @staticmethod
    def _fields(model, names=None) -> list:
        # In the model's concrete-field order: ``Model.from_db`` matches values to fields so.
        return [
            f
            for f in model._meta.concrete_fields
            if not f.generated and (names is None or f.attname in names)
        ]

    def _build(self, alias: str) -> tuple:
        connection = connections[alias]
        key = (alias, connection.vendor)
        built = self._built.get(key)
        if built is not None:
            return built
        quote = connection.ops.quote_name
        parts = [
            (alias_, model, fields, [f.attname for f in fields])
            for alias_, model, fields in [
                ("t", CallbackTask, self._fields(CallbackTask, self.TASK)),
                ("m", ResultMapping, self._fields(ResultMapping, self.MAPPING)),
                ("r", FailureReason, self._fields(FailureReason)),
            ]
        ]
        task, ref, mapping = CallbackTask._meta, CallRef._meta, ResultMapping._meta
        reason, attempt = FailureReason._meta, CallAttempt._meta

        def column(meta, name: str) -> str:
            return quote(meta.get_field(name).column)

        columns = [f"{alias_}.{quote(f.column)}" for alias_, _, fields, _ in parts for f in fields]
        columns += [f"a.{column(attempt, 'id')}", f"a.{column(attempt, 'record')}"]
        sql = (
            f"SELECT {', '.join(columns)} FROM {quote(ref.db_table)} c"
            f" INNER JOIN {quote(task.db_table)} t ON t.{column(task, 'id')} = c.{column(ref, 'task')}"
            f" LEFT JOIN {quote(mapping.db_table)} m ON m.{column(mapping, 'result')} = %s"
            f" LEFT JOIN {quote(reason.db_table)} r"
            f" ON r.{column(reason, 'id')} = m.{column(mapping, 'failure_reason')}"
            f" LEFT JOIN {quote(attempt.db_table)} a ON a.{column(attempt, 'call_id')} = %s"
            f" AND a.{column(attempt, 'attempt')} = %s"
            f" WHERE c.{column(ref, 'ref')} = %s"
        )
        compiler = CallbackTask.objects.all().query.get_compiler(using=alias)
        expressions = [f.get_col(alias_) for alias_, _, fields, _ in parts for f in fields]
        converters = compiler.get_converters(expressions)
        built = (sql, parts, compiler, converters)
        self._built[key] = built
        return built

    def first(self, task_ref: str, result: str, call_id: str, attempt: int, *, using="default"):
        """The :class:`Target`, or None for an unknown ``task_ref``."""
        sql, parts, compiler, converters = self._build(using)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, [result, call_id, attempt, task_ref])
            rows = cursor.fetchall()
        if not rows:
            return None
        if converters:
            rows = list(compiler.apply_converters(rows, converters))
        row = list(rows[0])
        found = []
        start = 0
        for _, model, fields, names in parts:
            values = row[start : start + len(fields)]
            start += len(fields)
            found.append(None if values[0] is None else model.from_db(using, names, values))
        existing = None if row[start] is None else (row[start], row[start + 1])
        return Target(task=found[0], mapping=found[1], reason=found[2], existing=existing)


TARGET = _TargetQuery()


def _target(fields: dict, actor) -> Target:
    target = TARGET.first(
        fields["task_ref"], fields["result"], fields["call_id"], fields["attempt"]
    )
    if target is not None and not actor.is_machine:  # a person: only the tasks they may see
        task = target.task
        if not scoped(actor, CallbackTask.objects.filter(pk=task.pk), "view").exists():
            target = None
    if target is None:
        raise UnknownTaskRef({"task_ref": [f"外呼任务ID“{fields['task_ref']}”不存在"]})
    return target


def _apply_mapping(
    attempt: CallAttempt, target: Target, actor
) -> tuple[CallbackRecord | None, str]:
    """The record the mapping writes for ``attempt`` (through the records service), or
    None with the reason it waits for an agent."""
    mapping, task = target.mapping, target.task
    if mapping is None or mapping.action != MappingAction.RECORD or not mapping.status:
        return None, "等待坐席登记"
    if attempt.result == CallResult.CONNECTED and mapping.ivr_required:
        if not ivr_confirmed(mapping, attempt.ivr):
            return None, "已接通但客户未按键确认，等待坐席登记"
    if task.status not in OPEN_STATUSES:
        return None, f"任务已{task.get_status_display()}，未登记回访记录"
    # The record's 回访人 is the task's assignee (the row's id is all the record needs; the
    # assignee key guarantees it exists); a task no agent holds gets its record all the
    # same (interfaces.md: the mapped results write a record by themselves), naming no
    # 回访人: the platform made the call.
    agent = (
        User.from_db(task._state.db, ["id"], [task.assignee_id])
        if task.assignee_id is not None
        else None
    )
    result_label = CallResult(attempt.result).label
    remark = (
        f"外呼平台自动登记：呼叫ID {attempt.call_id}，第 {attempt.attempt} 次拨打，{result_label}"
    )
    if attempt.agent:
        remark += f"，坐席 {attempt.agent}"
    failure = mapping.status == RecordStatus.FAILURE and mapping.failure_reason_id is not None
    data = {
        "status": mapping.status,
        "failure_reason": target.reason if failure else None,
        "method": Method.OUTBOUND,
        "called_at": min(attempt.started_at, timezone.now()),
        "duration_seconds": attempt.duration_seconds,
        "channel_source": CHANNEL_SOURCE,
        "remark": remark,
    }
    attachments = []
    if attempt.recording_url:
        attachments.append(
            record_services.AttachmentInput(
                reference=attempt.recording_url,
                sha256=attempt.recording_sha256,
                name=f"外呼录音 {attempt.call_id} 第{attempt.attempt}次",
            )
        )
    try:
        record = record_services.do_create_record(
            task, data, actor=actor, agent=agent, attachments=attachments, reported=True
        )
    except ValidationError as exc:
        return None, f"未登记回访记录：{'；'.join(exc.messages)}"[:300]
    return record, ""


def _stored(call_id: str, number: int, pk: int, record_id: int | None):
    """The attempt already stored under ``call_id`` + ``number`` (``created`` False) and its
    record, from the rows' ids: nothing more is read unless a caller asks for it."""
    existing = CallAttempt.from_db(
        "default", ["id", "call_id", "attempt", "record_id"], [pk, call_id, number, record_id]
    )
    record = None
    if record_id is not None:
        record = CallbackRecord.from_db("default", ["id"], [record_id])
        existing.record = record
    existing.created = False
    return existing, record


def _ingest(fields: dict, raw: dict, *, source: str, event_id: str, actor, guarded: bool):
    """One checked call result (:func:`clean_call`) inside the caller's transaction.

    A stored 呼叫ID + 拨打次数 is found by the look-up and answered with nothing written.
    ``guarded``: a concurrent insert of the same attempt (PostgreSQL; SQLite's writers
    take turns) is caught in a savepoint and answered with the stored attempt. Unguarded
    (the API, whose idempotency transaction rolls back on any error): no savepoint; the
    unique constraint's IntegrityError goes to the caller, which rolls back and tries again
    (and then finds the attempt)."""
    target = _target(fields, actor)
    if target.existing is not None:
        return _stored(fields["call_id"], fields["attempt"], *target.existing)
    task = target.task
    attempt = CallAttempt(
        **fields,
        task=task,
        customer_id=task.customer_id,
        branch_id=task.branch_id,
        payload=raw,
        event_id=event_id[:200],
        source=source,
    )
    if guarded:
        try:
            # The unique (call_id, attempt) claims the attempt, or not; the record the
            # mapping wrote for it is kept only with it (the attempt is inserted once its
            # record is known, so no UPDATE afterwards).
            with transaction.atomic():
                record = _write(attempt, target, actor)
        except IntegrityError:
            existing = (
                CallAttempt.objects.filter(call_id=fields["call_id"], attempt=fields["attempt"])
                .values_list("pk", "record_id")
                .first()
            )
            if existing is None:
                raise
            return _stored(fields["call_id"], fields["attempt"], *existing)
    else:
        record = _write(attempt, target, actor)
    note = attempt.note
    audit.record(
        CallAction.CALL_RECEIVE,
        attempt,
        after={
            "call_id": attempt.call_id,
            "attempt": attempt.attempt,
            "task": task.pk,
            "result": attempt.result,
            "record": record.pk if record else None,
            "source": source,
        },
        message=f"外呼结果：{CallResult(attempt.result).label}"
        + (f"，登记回访记录 #{record.pk}" if record else f"（{note}）" if note else ""),
        actor=actor,
    )
    attempt.created = True
    return attempt, record


def _write(attempt: CallAttempt, target: Target, actor) -> CallbackRecord | None:
    record, note = _apply_mapping(attempt, target, actor)
    attempt.record, attempt.note = record, note
    ATTEMPT_INSERT.save(attempt)
    return record


def do_ingest_call(payload: dict, *, source: str = CallSource.WEBHOOK, actor):
    """One call result (``interfaces.md``'s fields) → ``(CallAttempt, record | None)``.

    Bad fields raise ValidationError by field (the API's 422); an unknown ``task_ref``
    :class:`UnknownTaskRef` (404). The same ``call_id`` + ``attempt`` again returns the
    stored attempt and writes nothing (``attempt.created`` is False). The mapping decides
    whether a callback record is written (through the records service) or an agent is
    awaited. One transaction."""
    actor = as_actor(actor)
    require(actor, "calls.add_callattempt", message="您没有登记外呼结果的权限")
    fields = clean_call(payload)
    with transaction.atomic():
        return _ingest(
            fields,
            payload,
            source=source,
            event_id=str(payload.get("event_id") or ""),
            actor=actor,
            guarded=True,
        )


def receive_call(payload: dict, *, actor):
    """:func:`do_ingest_call` of a webhook call result for a caller whose transaction is
    open and rolls back on any error (the API's idempotency claim, ``partners.idempotency
    .once``): no transaction or savepoint of its own. A concurrent delivery of the same
    呼叫ID + 拨打次数 (under another ``event_id``) that commits first makes the attempt's
    INSERT raise IntegrityError; the caller then tries the whole request again, and the
    look-up finds the stored attempt."""
    actor = as_actor(actor)
    require(actor, "calls.add_callattempt", message="您没有登记外呼结果的权限")
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("receive_call runs inside a transaction")
    fields = clean_call(payload)
    return _ingest(
        fields,
        payload,
        source=CallSource.WEBHOOK,
        event_id=str(payload.get("event_id") or ""),
        actor=actor,
        guarded=False,
    )


def call_answer(attempt: CallAttempt, record: CallbackRecord | None) -> dict:
    """What the API answers for an attempt: ``{"call", "record"}``."""
    return {"call": attempt.pk, "record": record.pk if record else None}


# ---------------------------------------------------------------- files

IMPORT_COLUMNS = {
    "呼叫ID": "call_id",
    "外呼任务ID": "task_ref",
    "拨打时间": "started_at",
    "拨打时长": "duration_seconds",
    "拨打次数": "attempt",
    "拨打结果": "result",
    "坐席": "agent",
    "录音地址": "recording_url",
    "录音SHA256": "recording_sha256",
}
REQUIRED_COLUMNS = ["呼叫ID", "外呼任务ID", "拨打时间", "拨打次数", "拨打结果"]
MAX_IMPORT_ROWS = 100_000


def _row_payload(cells: dict) -> dict:
    """A file row as the webhook's fields (labels and ``mm:ss`` accepted)."""
    from huifang.channels.calls.choices import result_value

    payload: dict[str, Any] = {
        "call_id": cells.get("call_id", ""),
        "task_ref": cells.get("task_ref", ""),
        "started_at": cells.get("started_at", ""),
        "attempt": cells.get("attempt", ""),
        "agent": cells.get("agent") or None,
        "recording": None,
        "ivr": None,
    }
    duration = cells.get("duration_seconds", "")
    try:
        # A call the file gives no length is one of 0 seconds (拨打时长 is always known).
        payload["duration_seconds"] = record_services.parse_duration(duration) or 0
    except ValidationError:
        payload["duration_seconds"] = str(duration)
    try:
        payload["result"] = result_value(str(cells.get("result", "")))
    except ValueError:
        payload["result"] = str(cells.get("result", ""))
    if cells.get("recording_url") or cells.get("recording_sha256"):
        payload["recording"] = {
            "url": cells.get("recording_url", ""),
            "sha256": cells.get("recording_sha256", ""),
        }
    return payload


FIELD_LABELS = {
    "call_id": "呼叫ID",
    "task_ref": "外呼任务ID",
    "started_at": "拨打时间",
    "duration_seconds": "拨打时长",
    "attempt": "拨打次数",
    "result": "拨打结果",
    "agent": "坐席",
    "recording": "录音地址/录音SHA256",
    "ivr": "按键确认",
    "non_field_errors": "",
}


def _describe(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "；".join(
            f"{FIELD_LABELS.get(field, field)}：{'，'.join(messages)}".lstrip("：")
            for field, messages in exc.message_dict.items()
        )
    return "；".join(exc.messages)


def do_import_calls(path, *, actor) -> dict:
    """导入外呼结果 from a CSV/XLSX file with the Chinese headers of ``interfaces.md``.

    All or nothing: every row is checked first, and any problem raises ValidationError
    listing ``第 N 行：…`` (nothing written). Rows whose 呼叫ID + 拨打次数 are already stored
    are skipped, so importing the same file again writes nothing. Returns the counts
    ``{"rows", "created", "skipped", "records"}``."""
    actor = as_actor(actor)
    require(actor, "calls.add_callattempt", message="您没有导入外呼结果的权限")
    from huifang.channels.calls.files import read_rows

    rows = read_rows(path, IMPORT_COLUMNS, REQUIRED_COLUMNS, limit=MAX_IMPORT_ROWS)
    checked, problems = [], []
    seen: set[tuple[str, int]] = set()
    for number, cells in rows:
        payload = _row_payload(cells)
        try:
            fields = clean_call(payload)
            _target(fields, actor)
        except ValidationError as exc:
            problems.append(f"第 {number} 行：{_describe(exc)}")
            continue
        key = (fields["call_id"], fields["attempt"])
        if key in seen:
            continue  # the same attempt twice in one file: once
        seen.add(key)
        checked.append((fields, {**payload, "started_at": fields["started_at"].isoformat()}))
    if problems:
        raise ValidationError(
            problems[:200] + ([f"……共 {len(problems)} 行有误"] if len(problems) > 200 else [])
        )
    counts = {"rows": len(rows), "created": 0, "skipped": 0, "records": 0}
    with transaction.atomic():
        for fields, payload in checked:
            attempt, record = _ingest(
                fields, payload, source=CallSource.FILE, event_id="", actor=actor, guarded=True
            )
            if attempt.created:
                counts["created"] += 1
                counts["records"] += record is not None
            else:
                counts["skipped"] += 1
        counts["skipped"] += counts["rows"] - len(checked)
        audit.record(
            CallAction.CALL_IMPORT,
            object_type=CallAttempt._meta.label_lower,
            object_repr=Path(str(path)).name[:200],
            after=counts,
            message=(
                f"导入外呼结果 {counts['rows']} 行：新增 {counts['created']}，"
                f"已有跳过 {counts['skipped']}，登记回访记录 {counts['records']}"
            ),
            actor=actor,
        )
    return counts


# ---------------------------------------------------------------- mapping

MAPPING_FIELDS = [
    "action",
    "status",
    "failure_reason",
    "ivr_required",
    "ivr_question",
    "ivr_answer",
]


def do_save_mapping(mapping: ResultMapping, data: dict, *, actor) -> ResultMapping:
    """修改外呼结果映射 (HQ): what one call result does; audited."""
    actor = as_actor(actor)
    require(actor, "calls.change_resultmapping", message="您没有维护外呼结果映射的权限")
    action = data.get("action")
    status = data.get("status") or ""
    reason = data.get("failure_reason")
    errors = {}
    if action not in MappingAction.values:
        errors["action"] = "请选择处理方式"
    if action == MappingAction.RECORD:
        if status not in RecordStatus.values:
            errors["status"] = "自动登记时须选择回访状态"
        elif status == RecordStatus.FAILURE and reason is None:
            errors["failure_reason"] = "回访状态为“失败”时须选择失败原因"
        elif status == RecordStatus.OTHER:
            errors["status"] = "“其他”须由坐席填写备注，请选择“等待坐席登记”"
    if reason is not None and not reason.is_active:
        errors["failure_reason"] = "该失败原因已停用"
    if errors:
        raise ValidationError(errors)
    if action == MappingAction.WAIT:
        status, reason = "", None
    if status != RecordStatus.FAILURE:
        reason = None
    with transaction.atomic():
        locked = ResultMapping.objects.select_for_update().get(pk=mapping.pk)
        before = audit.snapshot(
            locked, [f if f != "failure_reason" else "failure_reason_id" for f in MAPPING_FIELDS]
        )
        locked.action = action
        locked.status = status
        locked.failure_reason = reason
        locked.ivr_required = bool(data.get("ivr_required"))
        locked.ivr_question = (data.get("ivr_question") or "").strip()[:50]
        locked.ivr_answer = (data.get("ivr_answer") or "").strip()[:10]
        locked.updated_at = timezone.now()
        locked.updated_by = actor.user
        locked.save()
        after = audit.snapshot(
            locked, [f if f != "failure_reason" else "failure_reason_id" for f in MAPPING_FIELDS]
        )
        old, new = audit.diff(before, after)
        audit.record(
            CallAction.MAPPING_CHANGE,
            locked,
            before=old,
            after=new,
            message=f"修改外呼结果映射：{locked.get_result_display()}",
            actor=actor,
        )
    return locked
