"""The base of every partner endpoint (app hall, outbound calls, SMS receipts).

A :class:`PartnerAPIView` subclass sets ``partner_kind`` and writes its handlers; the
signature and kind are verified before a handler runs (a refusal writes nothing), the
handler finds ``self.partner`` and ``self.actor``, audit rows written without an explicit
actor carry the partner, and every error is JSON ``{"code", "message", "errors"}``.
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from huifang.core import audit
from huifang.core.actors import Actor
from huifang.core.middleware import client_ip
from huifang.core.parsers import JSONParser
from huifang.core.ratelimit import over_limit
from huifang.partners import signing
from huifang.partners.errors import PartnerError
from huifang.partners.models import Partner, PartnerKind

__all__ = ["PartnerAPIView", "PartnerError", "error_response"]


def error_response(error: PartnerError) -> Response:
    return Response(error.body(), status=error.status)


def _as_partner_error(exc: Exception) -> PartnerError | None:
    """The JSON answer for ``exc``, or None for an unexpected error (a bug: a 500)."""
    if isinstance(exc, PartnerError):
        return exc
    if isinstance(exc, Http404 | exceptions.NotFound):
        return PartnerError(404, "not_found", "对象不存在")
    if isinstance(exc, exceptions.ParseError):
        return PartnerError(400, "bad_request", f"请求体无法解析：{exc.detail}")
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return PartnerError(415, "unsupported_media_type", "请求体必须是 JSON（application/json）")
    if isinstance(exc, exceptions.MethodNotAllowed):
        return PartnerError(405, "method_not_allowed", str(exc.detail))
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return PartnerError(422, "invalid", "请求内容不符合要求", errors=detail)
    if isinstance(exc, DjangoPermissionDenied | exceptions.PermissionDenied):
        return PartnerError(403, "forbidden", str(exc) or "无权执行此操作")
    if isinstance(exc, exceptions.APIException):
        return PartnerError(exc.status_code, str(exc.default_code), str(exc.detail))
    return None


JSON = "application/json"
# Accept headers whose answer DRF's negotiation is known to be JSON, as it says it.
PLAIN_ACCEPT = {"*/*": JSON, JSON: JSON}


class PartnerNegotiation(DefaultContentNegotiation):
    """DRF's content negotiation, with what it answers for a partner's usual request said
    at once: a JSON body (``Content-Type: application/json``, any parameters) goes to the
    JSON parser, and ``Accept`` absent, ``*/*`` or ``application/json`` gets the JSON
    renderer as ``application/json`` — what DRF works out by parsing each media type
    (~4 % of a call result's CPU). Anything else, a ``?format=``, a format suffix or a
    view with other parsers or renderers is DRF's own negotiation
    (``tests/partners/test_partner_chain.py`` compares the two)."""

    def select_parser(self, request, parsers):
        content_type = request.content_type or ""
        if (
            parsers
            and parsers[0].media_type == JSON
            and len(content_type) <= self.max_media_type_length
            and content_type.split(";", 1)[0].strip().lower() == JSON
        ):
            return parsers[0]
        return super().select_parser(request, parsers)

    def select_renderer(self, request, renderers, format_suffix=None):
        meta = request.META
        media_type = PLAIN_ACCEPT.get(meta.get("HTTP_ACCEPT", "*/*"))
        if (
            media_type is not None
            and not format_suffix
            and renderers
            and renderers[0].media_type == JSON
            and _no_format_override(self.settings.URL_FORMAT_OVERRIDE, meta)
        ):
            return renderers[0], media_type
        return super().select_renderer(request, renderers, format_suffix)


def _no_format_override(name: str | None, meta) -> bool:
    return not name or name not in meta.get("QUERY_STRING", "")


@extend_schema(exclude=True)  # documented in docs/integrators.md; subclasses may opt in
class PartnerAPIView(APIView):
    """A signed partner endpoint of one :class:`PartnerKind` (``partner_kind``)."""

    partner_kind: PartnerKind | str | None = None
    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = PartnerNegotiation

    partner: Partner
    actor: Actor

    @classmethod
    def as_view(cls, **initkwargs):
        # No session, no CSRF (DRF exempts APIView), no login: the signature authenticates.
        return login_not_required(super().as_view(**initkwargs))

    def dispatch(self, request, *args, **kwargs):
        self._context = contextlib.ExitStack()
        with self._context:
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.partner_kind is None:
            raise TypeError(f"{type(self).__name__} sets no partner_kind")
        django_request = request._request
        self.partner = signing.verify(django_request, kind=self.partner_kind)
        limit = settings.PARTNER_RATE_LIMIT
        if over_limit("partner", self.partner.key, limit):
            raise PartnerError(
                429, "rate_limited", f"请求过于频繁：每个对接方每分钟最多 {limit} 次，请稍后重试"
            )
        self.actor = self.partner.actor(ip=client_ip(django_request))
        self._context.enter_context(audit.acting(actor=self.actor))

    def handle_exception(self, exc):
        error = _as_partner_error(exc)
        if error is None:
            return super().handle_exception(exc)
        return error_response(error)
