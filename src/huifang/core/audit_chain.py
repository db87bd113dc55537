"""The audit log's hash chain: each sealed row's digest is SHA-256 of the previous seal's
digest and the row's content, so changing, deleting or inserting a row anywhere before the
head breaks every digest after it, and ``huifang audit verify`` names the first one.

Rows are written by many paths (one at a time, in bulk, a million at once with INSERT …
SELECT) and the audit table refuses UPDATE, so the chain lives beside it
(:class:`~huifang.core.models.AuditSeal`): the sealer (:func:`seal`: ``huifang audit seal``, which
operators run from cron every few minutes, and ``huifang audit verify`` before it checks) appends a seal for each row not yet sealed, in
id order, once the row is ``GRACE`` old (a row that commits late — a long import — is
sealed when it appears, at the end of the chain). Verifying streams the seals in chain
order with their rows and recomputes every digest. The head digest it prints can be kept
outside Huifang (a ticket, a signed mail) so that even a rewrite of the whole chain by
someone with the database's keys is caught.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from huifang.core.models import AuditEvent, AuditSeal
from huifang.core.rows import insert_rows

GENESIS = "0" * 64
GRACE = datetime.timedelta(seconds=60)
# How far below the newest sealed row the sealer looks for rows committed late (a long
# import's rows get their ids when inserted, and commit with it).
LATE_ROWS = 2_000_000
CHUNK = 5000
# The row's content, in the order it is hashed.
FIELDS = (
    "id",
    "time",
    "user_id",
    "actor_label",
    "request_id",
    "ip",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "message",
)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def digest(previous: str, row: tuple) -> str:
    """The seal of ``row`` (values in :data:`FIELDS` order) after ``previous``."""
    content = "\x1f".join(_text(value) for value in row)
    return hashlib.sha256(f"{previous}\x1e{content}".encode()).hexdigest()


def _head() -> tuple[int, str]:
    last = AuditSeal.objects.order_by("-seq").values_list("seq", "digest").first()
    return last or (0, GENESIS)


def seal(*, now: datetime.datetime | None = None) -> int:
    """Append a seal for every row not sealed yet (older than :data:`GRACE`), in id order;
    returns how many. Two sealers at once: the second's insert fails on ``event_id`` and it
    stops (the first carries on)."""
    horizon = (now or timezone.now()) - GRACE
    sealed = AuditSeal.objects.filter(event_id=OuterRef("pk"))
    newest = AuditSeal.objects.order_by("-event_id").values_list("event_id", flat=True).first()
    pending = AuditEvent.objects.filter(time__lt=horizon)
    if newest is not None:  # rows committed late have ids a little below the newest seal's
        pending = pending.filter(id__gt=newest - LATE_ROWS)
    pending = pending.exclude(Exists(sealed)).order_by("id").values_list(*FIELDS)
    done = 0
    _, previous = _head()
    chunk: list[tuple] = []
    stamp = timezone.now()
    try:
        for row in pending.iterator(chunk_size=CHUNK):
            previous = digest(previous, row)
            chunk.append((row[0], previous))
            if len(chunk) >= CHUNK:
                done += _write(chunk, stamp)
        done += _write(chunk, stamp)
    except IntegrityError:  # another sealer got there first
        return done
    return done


def _write(chunk: list[tuple], stamp) -> int:
    if not chunk:
        return 0
    with transaction.atomic():
        written = insert_rows(AuditSeal, ["event_id", "digest"], chunk, {"sealed_at": stamp})
    chunk.clear()
    return written


@dataclass
class Verdict:
    checked: int = 0
    head: str = GENESIS
    broken_seq: int | None = None
    broken_event: int | None = None
    reason: str = ""
    unsealed: int = 0

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def _chain() -> Iterator[tuple[int, int, str, tuple | None]]:
    """(seq, event id, digest, the row's content or None when it is gone), in chain order."""
    seals = AuditSeal.objects.order_by("seq").values_list("seq", "event_id", "digest")
    batch: list[tuple] = []
    for item in seals.iterator(chunk_size=CHUNK):
        batch.append(item)
        if len(batch) >= CHUNK:
            yield from _joined(batch)
            batch = []
    yield from _joined(batch)


def _joined(batch: list[tuple]):
    if not batch:
        return
    rows = {
        row[0]: row
        for row in AuditEvent.objects.filter(pk__in=[event for _, event, _ in batch])
        .order_by()
        .values_list(*FIELDS)
    }
    for seq, event, stored in batch:
        yield seq, event, stored, rows.get(event)


def verify() -> Verdict:
    """Recompute the chain from its start; the first seal that does not match names the
    broken row (changed, deleted, or a seal removed or forged)."""
    verdict = Verdict()
    previous = GENESIS
    for seq, event, stored, row in _chain():
        if row is None:
            verdict.broken_seq, verdict.broken_event = seq, event
            verdict.reason = f"审计日志 #{event} 已不存在（被删除）"
            return verdict
        computed = digest(previous, row)
        if computed != stored:
            verdict.broken_seq, verdict.broken_event = seq, event
            verdict.reason = f"审计日志 #{event} 的内容与封存摘要不符（被修改，或其前的封存被改动）"
            return verdict
        previous = stored
        verdict.checked += 1
    verdict.head = previous
    sealed = AuditSeal.objects.filter(event_id=OuterRef("pk"))
    verdict.unsealed = AuditEvent.objects.exclude(Exists(sealed)).count()
    return verdict
