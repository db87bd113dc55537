from __future__ import annotations

from huifang.core import audit


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
