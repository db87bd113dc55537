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
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


def digest(raw: str) -> str:
    """What the database keeps of the token ``raw``."""
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


def expires_at(token) -> datetime.datetime:
    return token.created + datetime.timedelta(days=settings.API_TOKEN_DAYS)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token header (``Authorization: Token …``), refusing a token past its days."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(digest(key))
        if timezone.now() >= expires_at(token):
            raise AuthenticationFailed("API 令牌已过期，请在“API 令牌”页面重新生成")
        return user, token
