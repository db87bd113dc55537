"""One error shape for the whole REST API (``EXCEPTION_HANDLER``):
``{"code": "…", "message": "中文说明", "errors": {field: ["…"]}}``.

Services raise Django's exceptions (``ValidationError``, ``PermissionDenied``, ``Http404``)
or DRF's; endpoints raise :class:`Conflict` (409) and :class:`Gone` (410). Status codes:
400 validation, 401 no or bad credentials, 403 permission, 404 out of scope or missing,
409 conflict, 410 gone, 429 rate limited (``rate_limited``: more than
``HUIFANG_API_RATE_LIMIT`` requests by one user in a minute). ``errors`` is empty for all but validation.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from huifang.core.errors import API_NOT_FOUND, CHINESE

NON_FIELD = "non_field_errors"

# Chinese for DRF's own messages, by their code (DRF's text is English).
MESSAGES = {
    "not_authenticated": "未提供身份凭证：请使用 API 令牌（Authorization: Token …）或先登录",
    "authentication_failed": "身份凭证无效",
    "permission_denied": "您没有执行此操作的权限",
    "not_found": API_NOT_FOUND,
    "method_not_allowed": "不支持该请求方法",
    "not_acceptable": "无法按请求的格式应答",
    "unsupported_media_type": "不支持的请求体格式：请使用 JSON（application/json）或表单上传",
    "throttled": "请求过于频繁，请稍后重试",
    "parse_error": "请求体无法解析",
    "invalid": "提交的内容有误，操作没有执行",
    "conflict": "操作与当前状态冲突，没有执行",
    "gone": "该对象已失效",
}


class Conflict(exceptions.APIException):
    """409: an optimistic lock, a frozen run, an already answered invitation…"""

    status_code = status.HTTP_409_CONFLICT
    default_detail = MESSAGES["conflict"]
    default_code = "conflict"


class Gone(exceptions.APIException):
    """410: the object existed and is no longer usable (an expired invitation)."""

    status_code = status.HTTP_410_GONE
    default_detail = MESSAGES["gone"]
    default_code = "gone"


def body(code: str, message: str, errors: dict | None = None) -> dict:
    return {"code": code, "message": message, "errors": errors or {}}


def _django_errors(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {
            (NON_FIELD if field == "__all__" else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {NON_FIELD: exc.messages}


def _field_errors(detail) -> dict:
    """DRF's ``ValidationError.detail`` as ``{field: [messages]}`` (nested kept as given)."""
    if isinstance(detail, dict):
        return {
            key: value if isinstance(value, list | dict) else [value]
            for key, value in detail.items()
        }
    if isinstance(detail, list):
        return {NON_FIELD: detail}
    return {NON_FIELD: [detail]}


def _first_message(errors: dict) -> str | None:
    """The first Chinese message among ``errors`` (for the summary), or None."""
    stack = list(errors.values())
    while stack:
        item = stack.pop(0)
        if isinstance(item, dict):
            stack[:0] = list(item.values())
        elif isinstance(item, list):
            stack[:0] = item
        elif CHINESE.search(str(item)):
            return str(item)
    return None


def _message(exc: exceptions.APIException, code: str) -> str:
    text = str(exc.detail) if not isinstance(exc.detail, list | dict) else ""
    if CHINESE.search(text):
        return text
    return MESSAGES.get(code) or MESSAGES.get(str(exc.default_code)) or text


def exception_handler(exc, context):
    """DRF's ``EXCEPTION_HANDLER``: every refusal in the one shape; None (a 500) only for
    an unexpected error."""
    if isinstance(exc, DjangoValidationError):
        errors = _django_errors(exc)
        exc = exceptions.ValidationError(errors)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_own(exc) or API_NOT_FOUND)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(_own(exc) or MESSAGES["permission_denied"])
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.Throttled):
        limit = settings.API_RATE_LIMIT
        data = body("rate_limited", f"请求过于频繁：每位用户每分钟最多 {limit} 次，请稍后重试")
        return Response(data, status=exc.status_code, headers=headers)
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        message = _first_message(errors) or MESSAGES["invalid"]
        data = body("invalid", message, errors)
    else:
        code = exc.get_codes() if not isinstance(exc.detail, list | dict) else exc.default_code
        code = str(code)
        data = body(code, _message(exc, code))
    set_rollback()
    return Response(data, status=exc.status_code, headers=headers)


def _own(exc) -> str | None:
    text = str(exc or "")
    return text if CHINESE.search(text) else None
