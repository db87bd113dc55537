"""The audit log's writer and the "who is acting" context.

Every service function that changes data calls :func:`record` inside its transaction.
The actor is taken from a context variable that the web middleware, the management
commands (:func:`acting`) and the job runner set, so a write made by a command or a
background job is attributed as carefully as one made in a page.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models

from huifang.core.masking import mask_personal


@dataclass(frozen=True)
class Actor:
    user: Any = None  # org.User or None
    label: str = "system"  # "web", "command:import", "job:42", "api"
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    ip: str | None = None


_current: contextvars.ContextVar[Actor | None] = contextvars.ContextVar(
    "huifang_actor", default=None
)


def current_actor() -> Actor:
    return _current.get() or Actor()


@contextlib.contextmanager
def acting(user=None, label: str = "system", ip: str | None = None):
    """Attribute every audit row written inside the block to ``user`` / ``label``."""
    token = _current.set(Actor(user=user, label=label, ip=ip))
    try:
        yield current_actor()
    finally:
        _current.reset(token)


ACTION_LABELS = {
    "create": "新建", "update": "修改", "change": "修改", "login": "登录", "logout": "退出登录",
    "login_failed": "登录失败", "password": "修改密码", "export": "导出", "download": "下载",
    "reveal": "查看完整信息", "import": "导入", "job_start": "启动后台任务",
    "token_create": "生成 API 令牌", "token_revoke": "吊销 API 令牌", "seed": "初始化",
    "holiday_add": "添加节假日", "holiday_remove": "删除节假日",
    "calendar_import": "导入节假日安排", "deadline_recompute": "重算截止日期", "screen": "筛选",
    "run_freeze": "数据落地", "rule_create": "新建规则", "rule_change": "修改规则参数",
    "rule_enable": "启用规则", "rule_disable": "停用规则",
    "batch_create": "加入回访名单", "task_start": "开始处理",
    "task_complete": "完成任务", "task_cancel": "取消任务", "task_unreachable": "关闭为无法联系",
    "task_assign": "分配任务", "task_merge": "合并任务", "task_attempts": "更新回访次数",
    "assign": "分配任务", "distribute": "自动分派任务",
    "record_create": "登记回访记录", "record_change": "修改回访记录",
    "record_attachment": "添加附件", "feedback": "反馈营业部", "feedback_handle": "处理反馈",
}  # fmt: skip


def action_label(action: str) -> str:
    """The Chinese name of an audit action (the code itself for one not listed)."""
    return ACTION_LABELS.get(action, action)


def jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """The concrete field values of ``obj`` as JSON-safe data (FKs as ids)."""
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    return {name: jsonable(getattr(obj, name)) for name in names}


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose values changed, from both sides."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    message: str = "",
    object_type: str | None = None,
    object_id: str | None = None,
    object_repr: str | None = None,
    actor: Any = None,
):
    """Append one audit row. ``actor`` (a user) overrides the context's user. Personal
    fields in ``before``/``after`` (ID number, phones, e-mail) are stored masked."""
    from huifang.core.models import AuditEvent

    context = current_actor()
    user = actor if actor is not None else context.user
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr if object_repr is not None else str(obj)[:200]
    return AuditEvent.objects.create(
        user=user,
        actor_label=context.label,
        request_id=context.request_id,
        ip=context.ip,
        action=action,
        object_type=object_type or "",
        object_id=object_id or "",
        object_repr=object_repr or "",
        before=jsonable(mask_personal(before)) if before is not None else None,
        after=jsonable(mask_personal(after)) if after is not None else None,
        message=message,
    )


def record_many(rows: list[dict]) -> None:
    """Bulk-append audit rows (imports with many changed records): one INSERT per chunk;
    personal fields masked as in :func:`record`."""
    from huifang.core.models import AuditEvent

    context = current_actor()
    user = context.user if getattr(context.user, "is_authenticated", False) else None
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                user=user,
                actor_label=context.label,
                request_id=context.request_id,
                ip=context.ip,
                action=row["action"],
                object_type=row.get("object_type", ""),
                object_id=str(row.get("object_id", "")),
                object_repr=row.get("object_repr", "")[:200],
                before=jsonable(mask_personal(row.get("before"))),
                after=jsonable(mask_personal(row.get("after"))),
                message=row.get("message", ""),
            )
            for row in rows
        ],
        batch_size=2000,
    )
