"""REST API tokens that end: ``HUIFANG_API_TOKEN_DAYS`` after they were made, and at once
when their user's password changes (``services.do_set_password`` removes them).

Stored hashed: the database keeps ``digest(token)`` (SHA-256, 160 bits as 40 hex digits, in
DRF's ``Token.key``), the token itself is shown once when made. A copy of the database or a
backup therefore holds no usable token; the tokens are random 160-bit values, so a plain
hash (no salt, no stretching) is enough, and lookups stay one indexed equality."""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


def digest(raw: str) -> str:
    """What the database keeps of the token ``raw``."""
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


def expires_at(token) -> datetime.datetime:
    return token.created + datetime.timedelta(days=settings.API_TOKEN_DAYS)


# The last-used time is written at most this often per token (no write per request).
USE_GRANULARITY = datetime.timedelta(minutes=1)


def remove(user) -> bool:
    """Delete ``user``'s token and its use; whether there was a token."""
    from rest_framework.authtoken.models import Token

    from huifang.org.models import TokenUse

    TokenUse.objects.filter(user=user).delete()
    cache.delete(_use_key(user))
    return Token.objects.filter(user=user).delete()[0] > 0


def note_use(user, ip: str | None) -> None:
    """Remember that ``user``'s token was used now from ``ip``, at most once a minute."""
    from huifang.org.models import TokenUse

    if not cache.add(_use_key(user), 1, int(USE_GRANULARITY.total_seconds())):
        return
    now = timezone.now()
    try:
        with transaction.atomic():
            TokenUse.objects.update_or_create(
                user=user, defaults={"last_used_at": now, "last_ip": ip or None}
            )
    except IntegrityError:  # a concurrent first use wrote it: either time will do
        pass


def _use_key(user) -> str:
    return f"huifang:token-use:{user.pk}"


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token header (``Authorization: Token …``), refusing a token past its days;
    records the token's last use (time and address)."""

    def authenticate(self, request):
        from huifang.core.middleware import client_ip

        result = super().authenticate(request)
        if result is not None:
            note_use(result[0], client_ip(request._request))
        return result

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(digest(key))
        if timezone.now() >= expires_at(token):
            raise AuthenticationFailed("API 令牌已过期，请在“API 令牌”页面重新生成")
        return user, token
