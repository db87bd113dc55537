"""Saving an entry of a dictionary HQ maintains (``core.models.MaintainedList``: business
types, failure reasons, measure types …): the one way each app's ``do_save_…`` writes it.

The app's service checks its own permission (so the message names its dictionary) and
calls :func:`save_entry`, which sets the fields, validates, saves and writes the audit row
with the diff, in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from django.db import transaction

from huifang.core import audit
from huifang.core.actors import person_of
from huifang.core.audit import AuditAction
from huifang.core.models import MaintainedList

M = TypeVar("M", bound=MaintainedList)


def save_entry(
    model: type[M],
    instance: M | None,
    data: dict,
    fields: Sequence[str],
    *,
    actor,
    created: AuditAction,
    changed: AuditAction,
    message: str = "",
) -> M:
    """Create (``instance`` None) or change an entry of ``model`` from ``data`` (only the
    keys in ``fields``); audited as ``created`` / ``changed`` with the before/after diff."""
    with transaction.atomic():
        obj = instance or model()
        before = audit.snapshot(obj, fields) if instance else {}
        for name in fields:
            if name in data:
                setattr(obj, name, data[name])
        obj.updated_by = person_of(actor)
        obj.full_clean()
        obj.save()
        old, new = audit.diff(before, audit.snapshot(obj, fields))
        audit.record(
            changed if instance else created,
            obj,
            before=old,
            after=new,
            message=message,
            actor=actor,
        )
    return obj
