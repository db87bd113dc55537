"""Per-minute request limits in Django's cache: the H5 questionnaire page per client
address, the partner endpoints per partner, the REST API per user (:class:`ApiRateLimit`).
A fixed window per clock minute; on the file cache (the default) two requests at the same instant may count as one — a brake on abuse,
not an exact quota (django-ratelimit refuses the file cache, see ``callbacks.numbers``).

A large limit (``limit // SHARE_EVERY_PART`` ≥ 2, e.g. the partner default of 60,000 a
minute) is counted in each process and added to the shared count every ``step`` requests:
one cache read-modify-write (a file written and renamed on the file cache, ~1 ms) per
``step`` requests instead of per request. Each process knows the shared count as of its last
addition plus its own requests since, so all processes together may let through at most
``step - 1`` requests each beyond the limit (0.1 % of it). Small limits (the H5 page's, a
test's) are counted exactly as before: one addition per request.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

SHARE_EVERY_PART = 1000

_lock = threading.Lock()
# key → [requests not yet added to the shared count, the shared count after the last addition]
_local: dict[str, list[int]] = {}


def over_limit(scope: str, who: str, limit: int) -> bool:
    """Count one more request of ``who`` in ``scope`` this minute; True once over ``limit``
    (``limit`` 0: no limit)."""
    if limit <= 0:
        return False
    key = f"ratelimit:{scope}:{who}:{int(time.time() // 60)}"
    step = limit // SHARE_EVERY_PART
    if step < 2:
        return _add(key, 1) > limit
    with _lock:
        counts = _local.get(key)
        if counts is None:
            for old in [k for k in _local if k.startswith(key.rsplit(":", 1)[0] + ":")]:
                del _local[old]  # an earlier minute of the same scope and who
            counts = _local[key] = [0, 0]
        counts[0] += 1
        if counts[0] >= step:
            counts[1], counts[0] = _add(key, counts[0]), 0
        return counts[1] + counts[0] > limit


def _add(key: str, n: int) -> int:
    """Add ``n`` to the shared count of ``key``; the count after."""
    cache.add(key, 0, timeout=120)
    try:
        return cache.incr(key, n)
    except ValueError:  # evicted between add and incr
        cache.set(key, n, timeout=120)
        return n


class ApiRateLimit(BaseThrottle):
    """The REST API's ``DEFAULT_THROTTLE_CLASSES``: at most ``HUIFANG_API_RATE_LIMIT``
    requests per user (token or session) in a clock minute; beyond, 429 ``rate_limited``
    with ``Retry-After`` (``core.api_errors``). Someone not authenticated is refused 401
    before any count; the partner endpoints keep their own limit."""

    def allow_request(self, request, view) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return True
        return not over_limit("api", str(user.pk), settings.API_RATE_LIMIT)

    def wait(self) -> float:
        return 60 - time.time() % 60
