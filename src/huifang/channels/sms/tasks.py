"""The SMS drain as a django-tasks task (the work is in :mod:`.sending`)."""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from huifang.channels.sms import sending

SCHEDULED_KEY = "huifang:sms:drain_at"


@task()
def drain_messages() -> int:
    sent = sending.drain()
    reschedule()
    return sent


def reschedule() -> None:
    """One deferred drain for the earliest waiting message (a retry, or the opening of
    the sending window), unless one is already scheduled at or before it."""
    wanted = sending.next_due_at()
    if wanted is None:
        return
    now = timezone.now()
    backend = drain_messages.get_backend()
    if not backend.supports_defer:  # the immediate backend of tests: they drain by hand
        return
    if wanted <= now:
        drain_messages.enqueue()
        return
    scheduled = cache.get(SCHEDULED_KEY)
    if scheduled is not None and now <= scheduled <= wanted:
        return
    cache.set(SCHEDULED_KEY, wanted, timeout=int((wanted - now).total_seconds()) + 60)
    drain_messages.using(run_after=wanted + datetime.timedelta(seconds=1)).enqueue()
