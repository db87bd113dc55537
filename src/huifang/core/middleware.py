from __future__ import annotations

import datetime
import functools
import ipaddress
import logging
import time

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.db import DataError
from django.http import HttpResponseNotAllowed
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string

from huifang.core import audit, errors

logger = logging.getLogger(__name__)


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or, when that is one of
    ``HUIFANG_TRUSTED_PROXIES`` (addresses or networks), the nearest X-Forwarded-For hop
    that is not a trusted proxy (a client can prepend anything to the header; only what
    our proxies appended counts)."""
    remote = request.META.get("REMOTE_ADDR")
    trusted = _networks(settings.TRUSTED_PROXIES)
    if not _trusted(remote, trusted):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, trusted):
            return hop if _is_address(hop) else remote
    return remote


@functools.lru_cache(maxsize=8)
def _networks(entries: frozenset[str]) -> tuple:
    """``HUIFANG_TRUSTED_PROXIES`` as networks (an address is a one-address network)."""
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _trusted(text: str | None, networks: tuple) -> bool:
    if not networks or not text:
        return False
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:10.0.0.2 from a dual-stack socket
    return any(address in net or (mapped is not None and mapped in net) for net in networks)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class AuditContextMiddleware:
    """Attributes every audit row written during a request to its user and request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ip = client_ip(request)
        with audit.acting(user=self.user(request), label="web", ip=ip) as actor:
            request.request_id = actor.request_id
            response = self.get_response(request)
        response["X-Request-ID"] = actor.request_id
        return response

    def user(self, request):
        return request.user if request.user.is_authenticated else None


class PartnerAuditContextMiddleware(AuditContextMiddleware):
    """:class:`AuditContextMiddleware` for a signed partner request, which has no session
    and so no user: the request id and the address as for an anonymous request (the
    partner view then acts as the partner, ``partners.api``)."""

    def user(self, request):
        return None


class NoStoreMiddleware:
    """``Cache-Control: no-store, private`` on every answer that does not say otherwise:
    pages, exports and API answers carry personal data, which no browser cache or proxy
    may keep (a shared office PC, the back button after logout). Static files are served
    before this (WhiteNoise) with their own long caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store, private"
        return response


LOGIN_AT = "huifang_login_at"


class SessionLifetimeMiddleware:
    """An absolute session lifetime (``HUIFANG_SESSION_MAX_HOURS``) on top of the idle
    timeout (``HUIFANG_SESSION_MINUTES``): a session older than it since its login is
    ended — a page goes to the login page saying why, an API call goes on anonymous (401).
    A session from before this rule gets its clock started on first sight."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(LOGIN_AT)
            now = int(time.time())
            if started is None:
                request.session[LOGIN_AT] = now
            elif now - int(started) > settings.SESSION_MAX_HOURS * 3600:
                logout(request)
                if not request.path.startswith("/api/"):
                    messages.warning(
                        request,
                        f"登录已超过 {settings.SESSION_MAX_HOURS} 小时，为保护客户信息请重新登录",
                    )
                    return redirect_to_login(request.get_full_path())
        return self.get_response(request)


# What a user who must change the password may still open.
# The second factor's pages come before a password change (org.otp.SecondFactorMiddleware).
PASSWORD_FREE_PATHS = (
    "/password/",
    "/logout/",
    "/static/",
    "/api/",
    "/healthz",
    "/login/otp/",
    "/org/otp/",
)


class PasswordChangeRequiredMiddleware:
    """A user whose password an administrator chose (``must_change_password``), or whose
    password is older than ``HUIFANG_PASSWORD_DAYS`` (0: never too old), is sent to 修改密码
    before any other page; the API (token integrations) is left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith(PASSWORD_FREE_PATHS):
            reason = _password_reason(user)
            if reason:
                messages.warning(request, reason)
                return redirect("password_change")
        return self.get_response(request)


def _password_reason(user) -> str:
    if getattr(user, "must_change_password", False):
        return "您的密码由管理员设置，请先修改为只有您知道的密码"
    days = settings.PASSWORD_DAYS
    changed = getattr(user, "password_changed_at", None)
    if days and changed is not None and timezone.now() - changed > datetime.timedelta(days=days):
        return f"您的密码已使用超过 {days} 天，请修改后继续"
    return ""


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class BadInputMiddleware:
    """The last guard against input that no form or serializer bounded: a number too large
    for the database's integers (``OverflowError`` from SQLite's driver; PostgreSQL's
    ``numeric_value_out_of_range``) or a NUL character in a text (PostgreSQL cannot store
    one) answers 400 with a Chinese message instead of a 500. Whatever the request had
    begun inside a transaction has been rolled back by the time the exception arrives
    here; it is logged so the form that let it through can be given a bound."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A NUL in a submitted form field is refused before any view runs (the lists'
        # filters report a bad query value themselves, on the page).
        if request.method == "POST" and request.content_type in FORM_TYPES:
            if any("\x00" in v for _, values in request.POST.lists() for v in values):
                return errors.out_of_range(request, None)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not _out_of_range(exception):
            return None
        logger.warning("out-of-range input on %s: %r", request.path, exception)
        return errors.out_of_range(request, exception)


def _out_of_range(exception) -> bool:
    if isinstance(exception, OverflowError):
        return True
    if isinstance(exception, DataError):
        cause = exception.__cause__
        state = getattr(getattr(cause, "diag", None), "sqlstate", None) or getattr(
            cause, "sqlstate", None
        )
        if state in ("22003", "22P05", "22021"):  # out of range, untranslatable, bad bytes
            return True
    return isinstance(exception, ValueError | DataError) and "NUL (0x00)" in str(exception)


class MethodNotAllowedMiddleware:
    """A page address asked with a method it does not take (a GET of a POST-only address,
    say a bookmarked 确认导入): Django's decorators answer an empty 405 the browser shows
    as a blank page. The answer becomes :func:`errors.method_not_allowed`'s Chinese page in
    the layout, still 405 with its ``Allow``. The API keeps its own JSON 405."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed) and not request.path.startswith(
            errors.API_PREFIX
        ):
            return errors.method_not_allowed(request, response)
        return response


# The signed machine endpoints (``partners.api.PartnerAPIView`` and the SMS vendors'
# receipts): no session, no CSRF, no login — the signature or the URL's token is the key.
PARTNER_PREFIXES = ("/api/v1/callcenter/", "/api/v1/apphall/", "/api/v1/sms/")

# What a partner request passes through below :class:`PartnerPathMiddleware` (above it, in
# settings.MIDDLEWARE: SecurityMiddleware's headers, WhiteNoise, NoStoreMiddleware).
# In the full chain's order, so that an answer made halfway (a refused Host) gets the
# same headers as there.
PARTNER_MIDDLEWARE = (
    "huifang.core.middleware.PartnerLocaleMiddleware",
    # The Host check (ALLOWED_HOSTS: a 400 otherwise) and APPEND_SLASH, as for every path.
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "huifang.core.middleware.PartnerCSPMiddleware",
    "huifang.core.middleware.PartnerAuditContextMiddleware",
    "huifang.core.middleware.BadInputMiddleware",
)


class _ChainHandler(BaseHandler):
    """Django's request handling (URL resolution, the view, ``process_view`` /
    ``process_exception`` / ``process_template_response``, an exception turned into the
    404/500 answer) behind its own middleware list: ``BaseHandler.load_middleware`` for a
    list other than settings.MIDDLEWARE (synchronous middleware only)."""

    def __init__(self, paths):
        super().__init__()
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(paths):
            instance = import_string(path)(handler)
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler


class PartnerPathMiddleware:
    """Sends the signed partner endpoints (:data:`PARTNER_PREFIXES`) through a short chain
    (:data:`PARTNER_MIDDLEWARE`), everything else on down settings.MIDDLEWARE.

    Machines call these thousands of times a minute, and a signed JSON endpoint has no use
    for what the pages need — sessions, the locale, CSRF, the user, messages, the second
    factor, the session lifetime, the password change, htmx, the login requirement, the
    lockout — which cost ~14 % of a call result's CPU. What the answer carries stays the
    same: SecurityMiddleware's headers and ``no-store`` (above this middleware), the Host
    check, ``X-Frame-Options``, the Content-Security-Policy, ``Content-Language`` /
    ``Vary``, ``X-Request-ID`` and the audit context, the 400 for out-of-range input and the
    Chinese JSON 404/405/500 (``tests/partners/test_partner_chain.py`` compares the headers
    with the full chain's)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.partner_chain = _ChainHandler(PARTNER_MIDDLEWARE)._middleware_chain

    def __call__(self, request):
        if request.path_info.startswith(PARTNER_PREFIXES):
            return self.partner_chain(request)
        return self.get_response(request)


class PartnerLocaleMiddleware(LocaleMiddleware):
    """LocaleMiddleware for a partner request. With one language (settings.LANGUAGES) and
    no language-prefixed URL patterns, whatever the request says (Accept-Language, the
    cookie) it can only choose settings.LANGUAGE_CODE: that language is activated and the
    answer gets LocaleMiddleware's ``Content-Language`` and ``Vary: Accept-Language``,
    without parsing the request's preferences and the path twice. Otherwise it is
    LocaleMiddleware."""

    def __init__(self, get_response):
        super().__init__(get_response)
        urlconf = settings.ROOT_URLCONF
        self.only = (
            settings.LANGUAGE_CODE
            if len(settings.LANGUAGES) == 1 and not is_language_prefix_patterns_used(urlconf)[0]
            else None
        )

    def __call__(self, request):
        if self.only is None:
            return super().__call__(request)
        translation.activate(self.only)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class PartnerCSPMiddleware:
    """django-csp's CSPMiddleware for a JSON answer, its header text computed once: the
    policy of settings.CONTENT_SECURITY_POLICY (and ``_REPORT_ONLY``) without a nonce — a
    JSON answer renders no template — where django-csp builds the same text twice per
    response. Not under DEBUG for a 404 or 500 (Django's debug pages), as django-csp."""

    def __init__(self, get_response):
        from csp.constants import HEADER, HEADER_REPORT_ONLY
        from csp.utils import build_policy

        self.get_response = get_response
        self.headers = [
            (name, value, tuple(prefixes))
            for name, value, prefixes in (
                (HEADER, build_policy(), _csp_excluded("CONTENT_SECURITY_POLICY")),
                (
                    HEADER_REPORT_ONLY,
                    build_policy(report_only=True),
                    _csp_excluded("CONTENT_SECURITY_POLICY_REPORT_ONLY"),
                ),
            )
            if value
        ]

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code in (404, 500):
            return response
        for name, value, excluded in self.headers:
            if name not in response and not request.path_info.startswith(excluded):
                response[name] = value
        return response


def _csp_excluded(setting: str) -> tuple:
    return tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ())
