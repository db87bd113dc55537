"""What Huifang POSTs to a partner's URL: queued as :class:`Delivery` rows, sent signed by
a background drain (:mod:`huifang.partners.tasks`), retried with backoff.

Outcomes: 2xx → 已送达; 4xx other than 408/429 → 失败 at once (the partner refused the
content: retrying cannot help); a network error, a timeout, 5xx, 408 or 429 → retried
after 1 min, 5 min, 30 min, 2 h and 6 h, then 失败. Every POST is one
:class:`DeliveryAttempt`; each final outcome sends :data:`signals.delivery_done`.
"""

from __future__ import annotations

import datetime
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from huifang.core import audit
from huifang.core.actors import as_actor
from huifang.core.audit_display import code_label
from huifang.core.permissions import require
from huifang.partners import signing
from huifang.partners.audit_actions import PartnerAction
from huifang.partners.models import Delivery, DeliveryAttempt, DeliveryStatus, Partner
from huifang.partners.signals import delivery_done
from huifang.partners.times import PartnerJSONEncoder

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
BACKOFF = [
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=6),
]
# A claimed row is not due again for this long: a drain that died mid-send leaves it to
# the next one after the lease (longer than one POST's timeout).
LEASE = datetime.timedelta(seconds=120)
BATCH = 200  # rows one drain run sends before handing over to the next run
TEMPORARY_STATUSES = {408, 429}

urlopen = urllib.request.urlopen  # tests replace it


def do_enqueue(partner: Partner, topic: str, items: list[tuple[str, dict]], *, actor=None) -> int:
    """Queue one delivery per ``(ref, payload)`` of ``items`` to ``partner`` (each payload
    gets ``event_id`` and ``"type": topic`` unless it has them; times are written as
    :func:`~huifang.partners.times.partner_time` does) and start one drain once
    the transaction commits. Returns how many were queued: 0 when the partner has no URL
    or is disabled."""
    actor = as_actor(actor)
    require(actor, "partners.add_delivery", message="您没有向对接方推送的权限")
    if not items or not partner.url or not partner.is_enabled:
        return 0
    now = timezone.now()
    rows = []
    for ref, payload in items:
        event_id = uuid.uuid4().hex
        body = {"event_id": event_id, "type": topic, **payload}
        event_id = str(body["event_id"])[:32]
        rows.append(
            Delivery(
                partner=partner,
                topic=topic,
                ref=str(ref)[:100],
                event_id=event_id,
                payload=json.loads(json.dumps(body, cls=PartnerJSONEncoder)),
                next_attempt_at=now,
                created_at=now,
            )
        )
    with transaction.atomic():
        Delivery.objects.bulk_create(rows, batch_size=1000)
        audit.record(
            PartnerAction.DELIVERY_ENQUEUE,
            partner,
            after={"topic": topic, "count": len(rows)},
            message=f"排队推送 {len(rows)} 条{code_label('topic', topic) or ' ' + topic}",
            actor=actor,
        )
        transaction.on_commit(start_drain)
    return len(rows)


def do_retry(delivery: Delivery, *, actor=None) -> Delivery:
    """Send a failed delivery again (its backoff starts over)."""
    actor = as_actor(actor)
    require(actor, "partners.change_delivery", delivery, message="您没有重试推送的权限")
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.status != DeliveryStatus.FAILED:
            raise ValidationError("只有失败的推送可以重试")
        delivery.status = DeliveryStatus.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = timezone.now()
        delivery.finished_at = None
        delivery.save(update_fields=["status", "attempts", "next_attempt_at", "finished_at"])
        audit.record(
            PartnerAction.DELIVERY_RETRY,
            delivery,
            before={"status": DeliveryStatus.FAILED},
            after={"status": DeliveryStatus.PENDING},
            actor=actor,
        )
        transaction.on_commit(start_drain)
    return delivery


def start_drain() -> None:
    from huifang.partners.tasks import drain_deliveries

    drain_deliveries.enqueue()


# -- the drain ------------------------------------------------------------------------------


def due(now: datetime.datetime | None = None):
    now = now or timezone.now()
    return Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)


def claim(delivery: Delivery, now: datetime.datetime) -> bool:
    """Take ``delivery`` for this drain; False if another drain took it first."""
    return bool(
        Delivery.objects.filter(
            pk=delivery.pk,
            status=DeliveryStatus.PENDING,
            next_attempt_at=delivery.next_attempt_at,
        ).update(next_attempt_at=now + LEASE)
    )


def drain(*, now: datetime.datetime | None = None, limit: int = BATCH) -> int:
    """Send up to ``limit`` due deliveries; returns how many were sent."""
    sent = 0
    for delivery in due(now).select_related("partner").order_by("next_attempt_at", "pk")[:limit]:
        if claim(delivery, now or timezone.now()):
            send(delivery, now=now)
            sent += 1
    return sent


def next_due_at() -> datetime.datetime | None:
    """When the earliest pending delivery is due (None when nothing waits)."""
    row = (
        Delivery.objects.filter(status=DeliveryStatus.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return row


def post(partner: Partner, payload: dict) -> tuple[int | None, str]:
    """POST ``payload`` signed to the partner's URL: (HTTP status or None, error text)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    parts = urlsplit(partner.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    secret = signing.secret_of(partner)
    if secret is None:
        return None, "对接方密钥无法读取（SECRET_KEY 已变更？），请重置密钥"
    request = urllib.request.Request(
        partner.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Huifang",
            **signing.headers(partner.key, secret, "POST", path, body),
        },
    )
    try:
        with urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
            if response.geturl() != partner.url:
                return None, f"推送地址重定向到 {response.geturl()[:200]}，未送达"
            return status, ""
    except urllib.error.HTTPError as exc:
        text = ""
        try:
            text = exc.read(300).decode("utf-8", "replace")
        except OSError:
            pass
        return exc.code, text.strip()[:300]
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"网络错误：{reason}"[:300]


def send(delivery: Delivery, *, now: datetime.datetime | None = None) -> str:
    """One attempt of a claimed delivery: POST, log the attempt, set the outcome."""
    partner = delivery.partner
    started = time.monotonic()
    if not partner.is_enabled or not partner.url:  # changed since it was queued
        status, error = None, "对接方已停用" if not partner.is_enabled else "对接方没有推送地址"
    else:
        status, error = post(partner, delivery.payload)
    elapsed = int((time.monotonic() - started) * 1000)
    at = now or timezone.now()
    attempts = delivery.attempts + 1
    if not partner.is_enabled or not partner.url:
        outcome = DeliveryStatus.FAILED
    elif status is not None and 200 <= status < 300:
        outcome, error = DeliveryStatus.DELIVERED, ""
    elif status is not None and 400 <= status < 500 and status not in TEMPORARY_STATUSES:
        outcome = DeliveryStatus.FAILED
    elif attempts > len(BACKOFF):
        outcome = DeliveryStatus.FAILED
    else:
        outcome = DeliveryStatus.PENDING
    if status is not None and outcome != DeliveryStatus.DELIVERED and not error:
        error = f"HTTP {status}"
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery, at=at, http_status=status, error=error[:500], duration_ms=elapsed
        )
        delivery.attempts = attempts
        delivery.status = outcome
        delivery.last_error = error[:500]
        if outcome == DeliveryStatus.PENDING:
            delivery.next_attempt_at = at + BACKOFF[attempts - 1]
        else:
            delivery.next_attempt_at = None
            delivery.finished_at = at
        delivery.save(
            update_fields=["attempts", "status", "last_error", "next_attempt_at", "finished_at"]
        )
    if outcome != DeliveryStatus.PENDING:
        for receiver, result in delivery_done.send_robust(
            sender=Delivery, delivery=delivery, ok=outcome == DeliveryStatus.DELIVERED
        ):
            if isinstance(result, Exception):
                log.error(
                    "delivery_done receiver %r failed for delivery %s",
                    receiver,
                    delivery.pk,
                    exc_info=result,
                )
    return outcome
