"""Per-minute request limits in Django's cache: the H5 questionnaire page per client
address, the partner endpoints per partner, the REST API per user (:class:`ApiRateLimit`). A fixed window per clock minute; on the file
cache (the default) two requests at the same instant may count as one — a brake on abuse,
not an exact quota (django-ratelimit refuses the file cache, see ``callbacks.numbers``)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle


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
