"""The audit log as a compliance officer reads it.

An :class:`~huifang.core.models.AuditEvent` stores codes: the action (``distribute``), the
model (``callbacks.callbacktask``), the actor's channel (``command:import``) and before /
after JSON with field names, ids and UTC times. :func:`describe` turns one into what the
pages show: the action's and the object type's Chinese names, and per changed field its
label with the old and new value formatted as on the pages (a choice by its label, a
related object by its name, money with separators, a time in Asia/Shanghai). The raw JSON
stays available (:attr:`EventView.raw`) for auditors.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from huifang.core.actors import ActorKind
from huifang.core.audit import action_label
from huifang.core.fields import MoneyField
from huifang.core.people import person_text

# before / after keys that are not a field of the object they describe.
EXTRA_LABELS = {
    "assignee_name": "回访专员用户名",  # shown only without its ``assignee`` (companion_of)
    "reason": "原因",
    "note": "处理说明",
    "message": "内容",
    "hits": "命中人数",
    "created": "新增",
    "updated": "更新",
    "unchanged": "未变化",
    "rejected": "无效行",
    "merged": "合并",
    "skipped": "跳过",
    "total": "总行数",
    "run": "筛选记录",
    "task": "回访任务",
    "record": "回访记录",
    "business_type": "回访业务类型",
    "params": "参数",
    "overrides": "临时参数",
    "rules": "规则版本",
    "rule_versions": "规则版本",
    "counts": "各规则命中人数",
    "kind": "类型",
    "name": "名称",
    "code": "编号",
    "date": "日期",
    "year": "年份",
    "holidays": "节假日",
    "is_complete": "已完整",
    "enabled": "启用",
    "as_of": "基准日",
    "status": "状态",
    "description": "说明",
    "sha256": "SHA-256",
    "dataset": "数据集",
    "file_name": "文件名",
    "checksum": "校验和",
    "scope": "范围",
    "zip": "附件包",
    "attachments": "附件数",
    "sections": "各工作表行数",
    "candidates": "可抽样客户数",  # 加入回访名单: customers without an open task of the type
    "sampled": "抽中客户数",
    "distribute": "生成后自动分配",  # a job's params
    "path": "文件路径",
    "skip_invalid": "跳过无效行",
    "customer_types": "客户类型",
    "channel": "渠道",
    "topic": "推送内容",
    "filter": "筛选条件",
    "filters": "筛选条件",
    "tasks": "回访任务",
    "branches": "营业部",
    "questionnaire": "问卷",
    "expires_days": "有效天数",
    "count": "条数",  # 生成站内消息提醒: how many, per kind, to whom
    "kinds": "各类型条数",
    "recipients": "接收人",
    # 批量发送短信 (SMS queue): the template's code and what became of the batch.
    "template": "短信模板",
    "queued": "已排队",
    "held": "等待发送时段",
    "forced": "今日已发送也再发",
    # A questionnaire response's answers: each question's code and the chosen options.
    "question": "题目",
    "options": "选项",
    "text": "填写内容",
}

# Codes stored under a key that is no field of the object (a job's ``params``, an
# invitation's ``channel`` kept on its questionnaire's row): key → {code: Chinese label}, or a
# callable giving it. Apps register theirs (``register_codes``); a code no label names is
# shown as it is, the stored JSON keeps the code.
CODE_LABELS: dict[str, list[dict | Callable[[], dict]]] = {}


def register_codes(key: str, labels) -> None:
    """Show the codes under ``key`` (where no field says how) by their labels: ``labels``
    is a TextChoices' ``choices``, a dict, or a callable returning a dict. Several apps may
    register codes under one key (each its delivery topics)."""
    CODE_LABELS.setdefault(key, []).append(labels if callable(labels) else dict(labels))


def code_label(key: str, value) -> str | None:
    """The label of the code ``value`` stored under ``key``, or None."""
    if not isinstance(value, str):
        return None
    for labels in CODE_LABELS.get(key, ()):
        label = (labels() if callable(labels) else labels).get(value)
        if label is not None:
            return str(label)
    return None


# A machine's channel is shown by its actor kind's label (``core.actors.ActorKind``).
SOURCE_PREFIXES = {
    str(kind.value): str(kind.label)
    for kind in (ActorKind.COMMAND, ActorKind.JOB, ActorKind.PARTNER)
}
SOURCE_LABELS = {
    "web": "网页",
    "api": "API",
    str(ActorKind.SYSTEM.value): str(ActorKind.SYSTEM.label),
    "h5": "H5问卷页",
}

EMPTY = "—"
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


# Each ``huifang`` command as its actor reads (``command:demo`` → 命令行（演示数据）); a
# test holds that every command of the project has one.
COMMAND_NAMES = {
    "audit": "审计日志",
    "backup": "备份",
    "batch": "回访批次",
    "branch": "部门",
    "calendar": "交易日历",
    "createsuperuser": "创建超级管理员",
    "callcenter": "呼叫中心",
    "db_worker": "后台任务进程",
    "demo": "演示数据",
    "evidence": "证据包",
    "export": "导出",
    "import": "导入",
    "intake": "自动导入",
    "keys": "密钥",
    "partner": "对接方",
    "plan": "回访计划",
    "report": "汇总报表",
    "restore": "恢复",
    "rules": "规则",
    "screen": "筛选",
    "sms": "短信",
    "survey": "问卷",
    "token": "API 令牌",
    "user": "用户",
}


def command_label(rest: str) -> str:
    """``demo`` → 命令行（演示数据）; ``token create`` → 命令行（API 令牌 create）."""
    name, _, sub = rest.partition(" ")
    known = COMMAND_NAMES.get(name, name)
    return f"命令行（{known}{' ' + sub if sub else ''}）"


def source_label(label: str) -> str:
    """``web`` → 网页, ``command:import`` → 命令行（导入）, ``job:42`` → 后台任务 42."""
    if label in SOURCE_LABELS:
        return SOURCE_LABELS[label]
    prefix, _, rest = label.partition(":")
    if prefix == ActorKind.COMMAND and rest:
        return command_label(rest)
    if prefix in SOURCE_PREFIXES and rest:
        return f"{SOURCE_PREFIXES[prefix]} {rest}"
    return label


def model_of(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def type_label(object_type: str) -> str:
    """``callbacks.callbacktask`` → 回访任务; ``export.tasks`` → 导出 tasks; else as is."""
    if not object_type:
        return ""
    model = model_of(object_type)
    if model is not None:
        return str(model._meta.verbose_name)
    prefix, _, rest = object_type.partition(".")
    if prefix == "export":
        return f"导出 {rest}"
    return object_type


def _field_of(model: type[models.Model] | None, key: str) -> models.Field | None:
    if model is None:
        return None
    for candidate in model._meta.concrete_fields:
        if key in (candidate.name, candidate.attname):
            return candidate
    return None


def field_label(model: type[models.Model] | None, key: str) -> str:
    found = _field_of(model, key)
    if found is not None:
        return str(found.verbose_name)
    return EXTRA_LABELS.get(key, key)


def money(value) -> str:
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(value)


def local_time(value) -> str | None:
    """An ISO date-time (as the audit log stores it) in Asia/Shanghai, or None."""
    if isinstance(value, datetime.datetime):
        parsed = value
    elif isinstance(value, str) and _ISO_TIME.match(value):
        parsed = parse_datetime(value)
    else:
        return None
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return f"{timezone.localtime(parsed):%Y-%m-%d %H:%M:%S}"


class Names:
    """Related objects' names by (model, id), each looked up once per page; a user by
    :func:`~huifang.core.people.person_text` (the page shows :meth:`user` as a person)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[type, str], str] = {}
        self._objects: dict[tuple[type, str], models.Model | None] = {}

    def _object(self, model: type[models.Model], pk) -> models.Model | None:
        key = (model, str(pk))
        if key not in self._objects:
            try:
                self._objects[key] = model._default_manager.filter(pk=pk).first()
            except (ValueError, TypeError, OverflowError):
                self._objects[key] = None
        return self._objects[key]

    def user(self, model: type[models.Model], pk):
        """The user ``pk`` if ``model`` is the user model and the user exists, else None."""
        if model is not get_user_model() or pk in (None, ""):
            return None
        return self._object(model, pk)

    def of(self, model: type[models.Model], pk) -> str:
        key = (model, str(pk))
        if key not in self._cache:
            obj = self._object(model, pk)
            if obj is not None:
                self._cache[key] = person_text(obj) if model is get_user_model() else str(obj)
            elif isinstance(pk, str) and not pk.isdigit():
                self._cache[key] = pk  # a name stored in place of an id
            else:
                self._cache[key] = f"#{pk}"
        return self._cache[key]


def plain(value, key: str = "") -> str:
    """A value with no field to say how: a registered code by its label (``key``'s, see
    :func:`register_codes`; an object's keys too, e.g. counts per kind), times in Shanghai,
    lists and objects spelled out."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(plain(v, key) for v in value) or EMPTY
    if isinstance(value, dict):
        return (
            "；".join(
                f"{code_label(key, k) or EXTRA_LABELS.get(k, k)}：{plain(v, k)}"
                for k, v in value.items()
            )
            or EMPTY
        )
    return code_label(key, value) or local_time(value) or str(value)


def format_value(model: type[models.Model] | None, key: str, value, names: Names) -> str:
    """``value`` of ``key`` as the pages show it."""
    if value is None or value == "":
        return EMPTY
    found = _field_of(model, key)
    if found is None:
        return plain(value, key)
    if found.choices:
        labels = {str(k): str(v) for k, v in found.flatchoices}
        return labels.get(str(value), str(value))
    if found.is_relation and found.related_model is not None:
        return names.of(found.related_model, value)
    if isinstance(found, MoneyField):
        return money(value)
    if isinstance(found, models.BooleanField):
        return "是" if value else "否"
    if isinstance(found, models.DateTimeField):
        return local_time(value) or str(value)
    return plain(value)


def _job_title(value, names: Names, event) -> str:
    """A job's kind (``callbacks.create_batch``) as its title says it, else by its name."""
    job = model_of("core.job")
    title = names.of(job, event.object_id) if job is not None and event.object_id else ""
    if title and not title.startswith("#"):
        return title
    return code_label("kind", value) or str(value)  # the job is gone: its kind's name


# Values whose meaning depends on the object they describe: (object type, key) → formatter.
# Core's own here; a later app registers its own (``register_format``).
SPECIAL = {
    ("core.job", "kind"): _job_title,
}


def register_format(object_type: str, key: str, formatter) -> None:
    """Show ``key`` of ``object_type``'s rows through ``formatter(value, names, event)``:
    for an app whose stored value only it can put in words (core knows no later app)."""
    SPECIAL[(object_type, key)] = formatter


def _format(event, model, key: str, value, names: Names) -> str:
    special = SPECIAL.get((event.object_type, key))
    if special is not None and value not in (None, ""):
        return special(value, names, event)
    return format_value(model, key, value, names)


@dataclass
class Change:
    label: str
    before: str
    after: str
    changed: bool
    # A user on either side, for the page to show as a person (姓名, 用户名 on hover).
    before_person: object = field(default=None, compare=False)
    after_person: object = field(default=None, compare=False)


@dataclass
class RawRow:
    label: str  # the key's Chinese label, or the key where it has none
    key: str
    before: str
    after: str


def _stored(values: dict, key: str, present: bool) -> str:
    """``values[key]`` as stored: text as it is, anything else as JSON; ``—`` if absent."""
    if not present or key not in values:
        return EMPTY
    value = values[key]
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass
class EventView:
    event: object
    action: str
    type_label: str
    source: str
    changes: list[Change] = field(default_factory=list)

    @property
    def raw(self) -> str:
        """The stored before / after, pretty-printed with Chinese as it is."""
        data = {"before": self.event.before, "after": self.event.after}
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)

    @property
    def raw_rows(self) -> list[RawRow]:
        """The stored before / after key by key, values as stored (ids, UTC times, codes;
        a list or object as JSON), each key under its Chinese label where it has one (a
        field's, :data:`EXTRA_LABELS`), else as it is (a partner's payload key)."""
        model = model_of(self.event.object_type)
        before, after = _as_dict(self.event.before), _as_dict(self.event.after)
        keys = list(before) + [k for k in after if k not in before]
        return [
            RawRow(
                field_label(model, key) if key else "内容",
                key,
                _stored(before, key, self.event.before is not None),
                _stored(after, key, self.event.after is not None),
            )
            for key in keys
        ]

    @property
    def has_raw(self) -> bool:
        return self.event.before is not None or self.event.after is not None

    def changes_text(self) -> str:
        """One line per field (exports): ``字段：旧 → 新``."""
        return "\n".join(
            f"{c.label}：{c.before} → {c.after}" if c.changed else f"{c.label}：{c.after}"
            for c in self.changes
        )


def _as_dict(value) -> dict:
    if isinstance(value, dict):
        return value
    if value is None:
        return {}
    return {"": value}


# A key stored beside a related object's id only to keep its name (``assignee_name``
# beside ``assignee``, so the log still names whose task it was after the user is gone).
COMPANION_SUFFIX = "_name"


def companion_of(model: type[models.Model] | None, key: str, keys) -> str | None:
    """The relation ``key`` keeps the name of (``assignee`` for ``assignee_name``) when that
    relation is in the same event, else None. A companion is not a change of its own: the
    relation's line shows the person or object (the stored name where it no longer
    exists), and the raw JSON keeps both."""
    stem = key.removesuffix(COMPANION_SUFFIX)
    if stem == key or stem not in keys:
        return None
    found = _field_of(model, stem)
    return stem if found is not None and found.is_relation else None


def _side(event, model, key: str, values: dict, names: Names):
    """One side of ``key``'s change: its text and, for a user, the user."""
    if key not in values:
        return EMPTY, None
    value = values.get(key)
    text = _format(event, model, key, value, names)
    found = _field_of(model, key)
    person = None
    if found is not None and found.is_relation and value not in (None, ""):
        person = names.user(found.related_model, value)
        kept = values.get(key + COMPANION_SUFFIX)
        if text == f"#{value}" and kept:
            text = str(kept)  # the object is gone: the name stored beside its id
    return text, person


def describe(event, names: Names | None = None) -> EventView:
    """What ``event`` means in Chinese (see the module's docstring)."""
    names = names or Names()
    model = model_of(event.object_type)
    before, after = _as_dict(event.before), _as_dict(event.after)
    both = event.before is not None and event.after is not None
    keys = list(before) + [k for k in after if k not in before]
    changes = []
    for key in keys:
        if companion_of(model, key, keys):
            continue
        old, old_person = _side(event, model, key, before, names)
        new, new_person = _side(event, model, key, after, names)
        label = field_label(model, key) if key else "内容"
        changes.append(Change(label, old, new, both or key not in after, old_person, new_person))
    return EventView(
        event=event,
        action=action_label(event.action),
        type_label=type_label(event.object_type),
        source=source_label(event.actor_label),
        changes=changes,
    )


def describe_all(events) -> list[EventView]:
    names = Names()
    return [describe(e, names) for e in events]
