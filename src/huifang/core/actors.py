"""Who acts: a person, a command, a background job or a machine partner.

An audit row's actor and a record's "registered by" are an :class:`Actor`. Services take it
as ``actor``; :func:`as_actor` adapts what callers pass (an :class:`Actor`, a user, or
nothing: the actor of the current context, which the web middleware, the management
commands and the job runner set with :func:`huifang.core.audit.acting`).

Only a person has model permissions and a branch scope. A command, a job without a user
and a partner are trusted as far as their entry point let them in (shell access, the job
that was started by someone allowed to, the partner's signed key and kind), so
:meth:`Actor.may` and :meth:`Actor.restrict` do not check them again. A job started by a
user, or a command run ``--as`` a user, acts within that user's permissions.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import models


class ActorKind(models.TextChoices):
    USER = "user", "用户"
    COMMAND = "command", "命令"
    JOB = "job", "后台任务"
    PARTNER = "partner", "对接方"
    SYSTEM = "system", "系统"


def _kind_of(label: str, user) -> str:
    prefix, sep, _ = label.partition(":")
    if sep and prefix in (ActorKind.COMMAND, ActorKind.JOB, ActorKind.PARTNER):
        return prefix
    if label == ActorKind.SYSTEM and not getattr(user, "is_authenticated", False):
        return ActorKind.SYSTEM
    # A person's channel (web, api): without a signed-in user it is nobody, never trusted.
    return ActorKind.USER


@dataclass(frozen=True)
class Actor:
    """One actor. ``label`` is the channel as the audit log stores it (``web``, ``api``,
    ``command:import``, ``job:42``, ``partner:掌厅``, ``system``); ``user`` the person
    behind it, if any (the user of a page, the creator of a job); ``kind`` follows from
    both when not given."""

    user: Any = None
    label: str = "system"
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    ip: str | None = None
    kind: str = ""

    def __post_init__(self) -> None:
        if not getattr(self.user, "is_authenticated", False):
            object.__setattr__(self, "user", None)
        if not self.kind:
            object.__setattr__(self, "kind", _kind_of(self.label, self.user))

    @classmethod
    def of_user(cls, user, *, label: str = "web", ip: str | None = None) -> Actor:
        return cls(user=user, label=label, ip=ip, kind=ActorKind.USER)

    @classmethod
    def command(cls, name: str, *, user=None) -> Actor:
        return cls(user=user, label=f"command:{name}", kind=ActorKind.COMMAND)

    @classmethod
    def job(cls, job_id, *, user=None) -> Actor:
        return cls(user=user, label=f"job:{job_id}", kind=ActorKind.JOB)

    @classmethod
    def partner(cls, name: str, *, ip: str | None = None) -> Actor:
        return cls(label=f"partner:{name}", ip=ip, kind=ActorKind.PARTNER)

    @property
    def is_person(self) -> bool:
        return self.kind == ActorKind.USER and self.user is not None

    @property
    def name(self) -> str:
        """What the pages show for this actor: a person by name, else the channel in
        Chinese as the audit log says it (``core.audit_display.source_label``: 命令行（导入）,
        后台任务 42, 对接方 掌厅)."""
        if self.user is not None:
            return getattr(self.user, "display_name", None) or self.user.get_username()
        if self.kind == ActorKind.USER:  # a person's channel without the person
            return str(ActorKind.USER.label)
        from huifang.core.audit_display import source_label

        if ":" not in self.label and self.label not in ("system",):
            return str(ActorKind(self.kind).label)
        return source_label(self.label)

    @property
    def is_machine(self) -> bool:
        """A command, a job, a partner or the system, acting without a person."""
        return self.user is None and self.kind != ActorKind.USER

    @property
    def is_system(self) -> bool:
        """What :mod:`huifang.core.permissions` asks: a machine acting without a person is
        trusted as far as its entry point let it in; an actor for a person is checked as
        that person."""
        return self.is_machine

    def may(self, model: type[models.Model], action: str) -> bool:
        """Whether this actor may ``action`` (view/add/change/delete) ``model``."""
        from huifang.core.scoping import has_model_perm

        return has_model_perm(self, model, action)

    def restrict(self, queryset, action: str = "view"):
        """``queryset`` narrowed to this actor's scope (a person's branch subtree)."""
        return queryset.restrict(self, action)

    def with_user(self, user) -> Actor:
        """This context's channel, request and address, acted by ``user``."""
        kind = ActorKind.USER if self.kind in (ActorKind.USER, ActorKind.SYSTEM) else self.kind
        return replace(self, user=user, kind=kind if user is not None else "")


def as_actor(value=None) -> Actor:
    """An :class:`Actor` from what a caller passes: an actor as it is, a user as that user
    in the current context's channel, None as the current context's actor."""
    from huifang.core.audit import current_actor

    if isinstance(value, Actor):
        return value
    context = current_actor()
    if value is None:
        return context
    return context.with_user(value)


def person_of(value) -> Any:
    """The user behind ``value`` (an actor or a user), or None for a machine."""
    if isinstance(value, Actor):
        return value.user
    return value if getattr(value, "is_authenticated", False) else None
