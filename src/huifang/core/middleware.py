from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect

from huifang.core import audit

PUBLIC_PREFIXES = ("/login/", "/static/", "/healthz", "/api/")


class AuditContextMiddleware:
    """Attributes every audit row written during a request to its user and request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user if request.user.is_authenticated else None
        ip = request.META.get("REMOTE_ADDR")
        with audit.acting(user=user, label="web", ip=ip) as actor:
            request.request_id = actor.request_id
            response = self.get_response(request)
        response["X-Request-ID"] = actor.request_id
        return response


class LoginRequiredMiddleware:
    """Every page needs a login except the login page and static files.

    The API authenticates itself (token or session) and answers 401/403 as JSON.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect(f"{settings.LOGIN_URL and '/login/'}?next={request.path}")
        return self.get_response(request)
