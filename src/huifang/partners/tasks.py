"""The drain of outgoing deliveries, a django-tasks task (kept tiny: the work is in
:mod:`huifang.partners.delivery`)."""

from __future__ import annotations

import datetime
import logging

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from huifang.partners import delivery

log = logging.getLogger(__name__)

SCHEDULED_KEY = "huifang:partners:drain_at"


@task()
def drain_deliveries() -> int:
    """Send what is due, then make sure a later run picks up what is not due yet."""
    sent = delivery.drain()
    reschedule()
    return sent


def reschedule() -> None:
    """Enqueue one deferred drain for the earliest pending delivery, unless one is already
    scheduled at or before it (a duplicate is harmless: rows are claimed atomically)."""
    wanted = delivery.next_due_at()
    if wanted is None:
        return
    now = timezone.now()
    backend = drain_deliveries.get_backend()
    if wanted <= now:
        drain_deliveries.enqueue()
        return
    if not backend.supports_defer:  # the immediate backend of tests: they drain by hand
        return
    scheduled = cache.get(SCHEDULED_KEY)
    if scheduled is not None and now <= scheduled <= wanted:
        return
    timeout = int((wanted - now).total_seconds()) + 60
    cache.set(SCHEDULED_KEY, wanted, timeout=timeout)
    drain_deliveries.using(run_after=wanted + datetime.timedelta(seconds=1)).enqueue()
