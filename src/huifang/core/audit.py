"""The audit log's writer and the "who is acting" context.

Every service function that changes data calls :func:`record` inside its transaction.
The actor is taken from a context variable that the web middleware, the management
commands (:func:`acting`) and the job runner set, so a write made by a command or a
background job is attributed as carefully as one made in a page. The actor is a
:class:`~huifang.core.actors.Actor`: a user, a command, a job or a machine partner.

Actions are declared, one :class:`AuditAction` enum per app; the writer (:func:`record`,
:func:`record_many`, :func:`record_query`) refuses an undeclared one and stores the
sensitive fields its enum declares masked.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import functools
import uuid
from decimal import Decimal
from enum import nonmember
from typing import Any

from django.db import models

from huifang.core.actors import Actor, as_actor
from huifang.core.masking import PERSONAL_FIELDS, mask_fields

_current: contextvars.ContextVar[Actor | None] = contextvars.ContextVar(
    "huifang_actor", default=None
)


def current_actor() -> Actor:
    return _current.get() or Actor()


@contextlib.contextmanager
def acting(user=None, label: str = "system", ip: str | None = None, *, actor: Actor | None = None):
    """Attribute every audit row written inside the block to ``actor``, or to ``user`` on
    the channel ``label`` (``command:import``, ``job:42``, ``partner:掌厅`` …)."""
    token = _current.set(actor or Actor(user=user, label=label, ip=ip))
    try:
        yield current_actor()
    finally:
        _current.reset(token)


# -- declared actions ------------------------------------------------------------------------


class UndeclaredAction(ValueError):
    """An audit row for an action no app declared (see :class:`AuditAction`)."""


_declared: list[type[AuditAction]] = []


class AuditAction(models.TextChoices):
    """The base of each app's audit actions: ``class CallbackAction(AuditAction)`` with one
    member per action (``ASSIGN = "assign", "分配任务"``: the stored code, the Chinese
    label) and ``sensitive_fields``, the before/after keys of the objects these actions
    touch that the log keeps masked (field name → mask function of ``core.masking``), on
    top of the personal fields every object may carry (:data:`PERSONAL_FIELDS`).

    Subclasses register themselves; :func:`record` refuses an action no subclass
    declares. Codes are stored as they are, so a code never changes once written; two
    apps may declare the same code (``create``) with the same label.
    """

    sensitive_fields = nonmember(PERSONAL_FIELDS)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("sensitive_fields", {})
        cls.sensitive_fields = {**PERSONAL_FIELDS, **own}
        _declared.append(cls)
        _registry.cache_clear()


@functools.cache
def _registry() -> dict[str, list[AuditAction]]:
    found: dict[str, list[AuditAction]] = {}
    for enum in _declared:
        for member in enum:
            found.setdefault(member.value, []).append(member)
    return found


def declared(action: str) -> list[AuditAction]:
    """The members declaring the code ``action`` (empty if none)."""
    return _registry().get(str(action), [])


def action_label(action: str) -> str:
    """The Chinese name of an audit action (the code itself for one not declared)."""
    members = declared(action)
    return members[0].label if members else action


def action_choices() -> list[tuple[str, str]]:
    """Every declared action as (code, label), by label (the audit filter's choices)."""
    labels = {code: members[0].label for code, members in _registry().items()}
    return sorted(labels.items(), key=lambda item: (item[1], item[0]))


def _maskers(action) -> dict:
    """The mask functions for ``action``'s before/after; refuses an undeclared action."""
    if isinstance(action, AuditAction):
        return type(action).sensitive_fields
    members = declared(action)
    if not members:
        raise UndeclaredAction(f"审计动作 {action!r} 未声明（见 huifang.core.audit.AuditAction）")
    maskers: dict = {}
    for member in members:  # a bare code: the union of what its declarations mask
        maskers.update(type(member).sensitive_fields)
    return maskers


def masked(action, values: dict | None) -> dict | None:
    """``values`` as the audit log stores them for ``action``: sensitive fields masked."""
    return jsonable(mask_fields(values, _maskers(action)))


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
    action: AuditAction | str,
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
    """Append one audit row: the one writer of the audit log.

    ``action`` is a member of an app's :class:`AuditAction` (a bare code only if some app
    declares it; else :class:`UndeclaredAction`). ``actor`` (an
    :class:`~huifang.core.actors.Actor` or a user) overrides the context's; the sensitive
    fields the action declares are stored masked in ``before``/``after``."""
    from huifang.core.models import AUDIT_INSERT

    maskers = _maskers(action)
    who = current_actor() if actor is None else as_actor(actor)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr if object_repr is not None else str(obj)[:200]
    return AUDIT_INSERT.create(
        user=who.user,
        actor_label=who.label,
        request_id=who.request_id,
        ip=who.ip,
        action=str(action),
        object_type=object_type or "",
        object_id=object_id or "",
        object_repr=object_repr or "",
        before=jsonable(mask_fields(before, maskers)) if before is not None else None,
        after=jsonable(mask_fields(after, maskers)) if after is not None else None,
        message=message,
    )


def record_many(rows: list[dict], *, actor: Any = None) -> None:
    """Bulk-append audit rows (imports with many changed records): one INSERT per chunk.
    Each row's ``action`` is declared and its sensitive fields masked as in
    :func:`record`; the rows are the context's actor's unless ``actor`` is given."""
    from huifang.core.models import AUDIT_INSERT, AuditEvent

    who = current_actor() if actor is None else as_actor(actor)
    rows = [
        AuditEvent(
            user=who.user,
            actor_label=who.label,
            request_id=who.request_id,
            ip=who.ip,
            action=str(row["action"]),
            object_type=row.get("object_type", ""),
            object_id=str(row.get("object_id", "")),
            object_repr=row.get("object_repr", "")[:200],
            before=masked(row["action"], row.get("before")),
            after=masked(row["action"], row.get("after")),
            message=row.get("message", ""),
        )
        for row in rows
    ]
    if len(rows) <= AUDIT_INSERT.MANY_AT_MOST:  # one registration's rows: compiled once
        AUDIT_INSERT.create_many(rows)
    else:
        AuditEvent.objects.bulk_create(rows, batch_size=2000)


def record_query(
    action: AuditAction | str, *, object_type: str, select: str, params=(), message: str = ""
) -> int:
    """Append one audit row per row of ``select`` (SQL whose columns are named
    ``object_id`` and ``object_repr``), set-based: a million created records are one INSERT … SELECT.
    The rows carry no before/after, so nothing sensitive can reach them; the action must
    be declared and the actor is the context's, as in :func:`record`."""
    from django.db import connection
    from django.utils import timezone

    from huifang.core.models import AuditEvent

    _maskers(action)
    who = current_actor()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    user_id = who.user.pk if who.user else None
    head = [now, user_id, who.label, who.request_id, who.ip, str(action), object_type, message]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {AuditEvent._meta.db_table} (time, user_id, actor_label, request_id, "
            f"ip, action, object_type, object_id, object_repr, before, after, message) "
            f"SELECT %s, %s, %s, %s, %s, %s, %s, CAST(q.object_id AS TEXT), "
            f"SUBSTR(q.object_repr, 1, 200), NULL, NULL, %s FROM ({select}) q",
            [*head, *params],
        )
        return cursor.rowcount
