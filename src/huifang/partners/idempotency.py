"""Partner writes idempotent on the partner's own id (``submission_id``, ``event_id``)."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction

from huifang.partners.models import EVENT_ANSWER, EVENT_INSERT, Partner, PartnerEvent

Work = Callable[[], tuple[int, dict]]


def once(partner: Partner, scope: str, event_id: str, work: Work) -> tuple[int, dict]:
    """Run ``work`` once per (partner, scope, event_id) and remember its answer.

    The first delivery claims a :class:`PartnerEvent` row and runs ``work`` in ONE
    transaction, storing the (status, body) it returns. A repeat, or a concurrent
    duplicate that loses the race on the unique constraint, gets ``(200, first body)``
    and writes nothing. If ``work`` raises (a :class:`PartnerError` refusal) the
    transaction rolls back, no event is kept and the error propagates, so the partner
    may send the id again once it has fixed the request.
    """
    event_id = str(event_id)
    try:
        with transaction.atomic():
            # The claim: a repeat fails here, on the unique constraint, before any work
            # (and a concurrent duplicate waits here for the first delivery's outcome).
            event = EVENT_INSERT.create(partner=partner, scope=scope, event_id=event_id)
            status, body = work()
            body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))  # as a repeat reads it
            body = _store_answer(event, status, body)
    except IntegrityError:
        first = _first(partner, scope, event_id)
        if first is None:  # the work's own constraint, not a duplicate of this id
            raise
        return 200, first
    return status, body


def repeated(partner: Partner, scope: str, event_id) -> dict | None:
    """The first answer to ``event_id`` if it was already taken, else None: an endpoint
    asks before checking the rest of the body, so that the same id again gets the first
    answer even when the repeat's body differs (or would now be refused)."""
    if isinstance(event_id, bool) or not isinstance(event_id, str | int):
        return None
    event_id = str(event_id).strip()
    return _first(partner, scope, event_id) if event_id else None


def _store_answer(event: PartnerEvent, status: int, body: dict) -> dict:
    """Store the first answer; returns the body as stored, so that the first delivery and
    every repeat get the same bytes: PostgreSQL's jsonb keeps an object's keys in its own
    order (one UPDATE … RETURNING), a JSON text column keeps them as written."""
    table = connection.ops.quote_name(PartnerEvent._meta.db_table)
    if not connection.features.has_native_json_field:
        # ``filter(pk=…).update(status=…, body=…)``, its SQL written once (the ORM's
        # UPDATE compiler costs more than the statement), the body as the field saves it.
        stored = PartnerEvent._meta.get_field("body").get_db_prep_save(body, connection)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET status = %s, body = %s WHERE id = %s",
                [status, stored, event.pk],
            )
        return body
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, body = %s WHERE id = %s RETURNING CAST(body AS TEXT)",
            [status, connection.ops.adapt_json_value(body, DjangoJSONEncoder), event.pk],
        )
        return json.loads(cursor.fetchone()[0])


def _first(partner: Partner, scope: str, event_id: str) -> dict | None:
    """The answer stored for this id, or None when it was not seen."""
    row = EVENT_ANSWER.first(partner.pk, scope, event_id)
    return None if row is None else row[0]
