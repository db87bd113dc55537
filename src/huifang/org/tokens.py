"""REST API tokens that end: ``HUIFANG_API_TOKEN_DAYS`` after they were made, and at once
when their user's password changes (``services.do_set_password`` removes them)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


def expires_at(token) -> datetime.datetime:
    return token.created + datetime.timedelta(days=settings.API_TOKEN_DAYS)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token header (``Authorization: Token …``), refusing a token past its days."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if timezone.now() >= expires_at(token):
            raise AuthenticationFailed("API 令牌已过期，请在“API 令牌”页面重新生成")
        return user, token
