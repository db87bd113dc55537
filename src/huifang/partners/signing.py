"""Request signing, both directions: verifying a partner's request, signing Huifang's own
POSTs to a partner (``docs/integrators.md``, "对接方与签名")::

    string_to_sign = TIMESTAMP + "\\n" + METHOD + "\\n" + PATH + "\\n" + BODY
    X-Huifang-Signature = lowercase hex HMAC-SHA256(secret, string_to_sign)
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import TYPE_CHECKING

from django.core.exceptions import RequestDataTooBig
from django.utils import timezone
from django.utils.encoding import escape_uri_path

from huifang.partners import crypto
from huifang.partners.errors import PartnerError

if TYPE_CHECKING:  # importable without Django set up (scripts sign with it)
    from huifang.partners.models import Partner

WINDOW_SECONDS = 300
KEY_HEADER = "X-Huifang-Key"
TIMESTAMP_HEADER = "X-Huifang-Timestamp"
SIGNATURE_HEADER = "X-Huifang-Signature"
# A partner's last request time is written at most this often (not once per request).
LAST_SEEN_EVERY_SECONDS = 60


def _bytes(value: bytes | str | None) -> bytes:
    if value is None:
        return b""
    return value.encode() if isinstance(value, str) else bytes(value)


def string_to_sign(timestamp: str | int, method: str, path: str, body: bytes) -> bytes:
    return f"{timestamp}\n{method.upper()}\n{path}\n".encode() + _bytes(body)


def sign(secret: str, timestamp: str | int, method: str, path: str, body: bytes) -> str:
    """Lowercase hex HMAC-SHA256 of :func:`string_to_sign` with ``secret``."""
    message = string_to_sign(timestamp, method, path, body)
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers(key: str, secret: str, method: str, path: str, body: bytes, *, now=None) -> dict:
    """The three ``X-Huifang-*`` headers of a request (``now``: Unix seconds or an aware
    datetime; the current time when None)."""
    if now is None:
        now = time.time()
    elif hasattr(now, "timestamp"):
        now = now.timestamp()
    timestamp = str(int(now))
    return {
        KEY_HEADER: key,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, method, path, body),
    }


def secret_of(partner: Partner) -> str | None:
    """The partner's clear secret (None if it cannot be read: reset it)."""
    return crypto.decrypt(partner.secret_encrypted)


def request_path(request) -> str:
    """PATH as signed: the request path and its query string exactly as sent."""
    query = request.META.get("QUERY_STRING", "")
    return request.path + (f"?{query}" if query else "")


def verify(request, *, kind: str | None = None) -> Partner:
    """The partner that signed ``request`` (a Django ``HttpRequest``), or
    :class:`PartnerError`: 401 ``unknown_key`` / ``stale_timestamp`` /
    ``bad_signature``, 403 ``partner_disabled``, and 403 ``wrong_kind`` when ``kind`` is
    given and the partner is of another kind. Writes nothing but, at most once a minute,
    the partner's last request time after a valid signature."""
    from huifang.partners.models import PARTNER_BY_KEY

    meta = request.META
    key = meta.get("HTTP_X_HUIFANG_KEY", "").strip()
    timestamp = meta.get("HTTP_X_HUIFANG_TIMESTAMP", "").strip()
    signature = meta.get("HTTP_X_HUIFANG_SIGNATURE", "").strip()
    if not key:
        raise PartnerError(401, "unknown_key", "缺少签名请求头 X-Huifang-Key")
    partner = PARTNER_BY_KEY.first(key)
    if partner is None:
        raise PartnerError(401, "unknown_key", "未知的 Key")
    if not timestamp:
        raise PartnerError(401, "stale_timestamp", "缺少签名请求头 X-Huifang-Timestamp")
    if not signature:
        raise PartnerError(401, "bad_signature", "缺少签名请求头 X-Huifang-Signature")
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise PartnerError(401, "stale_timestamp", "时间戳必须是整数秒（Unix 时间）")
    # Whole seconds on both sides: a timestamp exactly 300 s off is inside the window
    # even when the server's clock is a fraction of a second into its current second.
    if abs(int(time.time()) - int(timestamp)) > WINDOW_SECONDS:
        raise PartnerError(
            401, "stale_timestamp", f"时间戳与服务器时间相差超过 {WINDOW_SECONDS} 秒"
        )
    secret = secret_of(partner)
    try:
        body = request.body
    except RequestDataTooBig as exc:
        raise PartnerError(413, "too_large", "请求体过大") from exc
    given = signature.lower().encode("utf-8", "replace")
    path = request_path(request)
    # The path as sent: Django decodes percent-escapes, so also try them re-encoded, and
    # the raw request line's target where the server keeps it (gunicorn's RAW_URI,
    # uWSGI's REQUEST_URI): escapes in lowercase or of plain characters are kept there.
    candidates = {path, escape_uri_path(request.path) + path[len(request.path) :]}
    if "?" not in path:  # a URL ending in a bare "?" reaches Django without it
        candidates.update({f"{each}?" for each in candidates})
    candidates.update(
        raw for raw in (meta.get("RAW_URI"), meta.get("REQUEST_URI")) if raw and raw[:1] == "/"
    )
    # BODY is empty for GET: a client that sends a GET with a body anyway may sign it empty.
    bodies = {body, b""} if request.method in ("GET", "HEAD") else {body}
    if secret is None or not any(
        hmac.compare_digest(sign(secret, timestamp, request.method, each, sent).encode(), given)
        for each in candidates
        for sent in bodies
    ):
        raise PartnerError(401, "bad_signature", "签名不正确")
    if not partner.is_enabled:
        raise PartnerError(403, "partner_disabled", "该对接方已停用")
    if kind is not None and partner.kind != kind:
        raise PartnerError(403, "wrong_kind", "该对接方无权访问此接口")
    _seen(partner)
    return partner


def _seen(partner: Partner) -> None:
    from huifang.partners.models import Partner

    now = timezone.now()
    last = partner.last_request_at
    if last is None or (now - last).total_seconds() >= LAST_SEEN_EVERY_SECONDS:
        Partner.objects.filter(pk=partner.pk).update(last_request_at=now)
        partner.last_request_at = now
