"""The sending window (quiet hours outside it): 08:00–21:00 Beijing time by default."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone


def _time(text: str) -> datetime.time:
    hour, minute = (int(x) for x in text.split(":"))
    return datetime.time(23, 59, 59) if hour == 24 else datetime.time(hour, minute)


def bounds() -> tuple[datetime.time, datetime.time]:
    return _time(settings.SMS["SEND_START"]), _time(settings.SMS["SEND_END"])


def is_open(now: datetime.datetime | None = None) -> bool:
    start, end = bounds()
    local = timezone.localtime(now or timezone.now()).time()
    return start <= local < end


def next_opening(now: datetime.datetime | None = None) -> datetime.datetime:
    """``now`` inside the window, else when it next opens (today or tomorrow)."""
    now = now or timezone.now()
    if is_open(now):
        return now
    start, _end = bounds()
    local = timezone.localtime(now)
    day = local.date() if local.time() < start else local.date() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, start), local.tzinfo)


def text() -> str:
    return f"{settings.SMS['SEND_START']}–{settings.SMS['SEND_END']}"
