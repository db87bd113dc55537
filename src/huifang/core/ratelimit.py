"""Per-minute request limits in Django's cache: the H5 questionnaire page per client
address, the partner endpoints per partner. A fixed window per clock minute; on the file
cache (the default) two requests at the same instant may count as one — a brake on abuse,
not an exact quota (django-ratelimit refuses the file cache, see ``callbacks.numbers``)."""

from __future__ import annotations

import time

from django.core.cache import cache


def over_limit(scope: str, who: str, limit: int) -> bool:
    """Count one more request of ``who`` in ``scope`` this minute; True once over ``limit``
    (``limit`` 0: no limit)."""
    if limit <= 0:
        return False
    key = f"ratelimit:{scope}:{who}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    return count > limit
