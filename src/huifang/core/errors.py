"""The error pages (400, 403, 404, 405, 500 and a failed CSRF check) in the product's layout, in
Chinese, each with a way back. Django's own are bare English pages.

Under ``/api/`` the answer stays JSON in the API's one error shape (``{"code", "message":
"中文说明", "errors"}``, see ``core.api_errors``), also for an unknown endpoint. The 500 (and 400) page is rendered without
the request's context and without the database: whatever broke may be one of them.
"""

from __future__ import annotations

import re

from django.http import HttpResponseBadRequest, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404
from django.utils.http import url_has_allowed_host_and_scheme

API_PREFIX = "/api/"
CHINESE = re.compile(r"[\u4e00-\u9fff]")

DENIED = "您没有访问此页面或执行此操作的权限。如需开通，请联系总部合规管理员。"
NOT_FOUND = "您访问的页面不存在，或其中的数据不在您的权限范围内。"
API_NOT_FOUND = "请求的接口或对象不存在，或不在您的权限范围内"
CSRF_FAILED = "页面已过期或来源无法确认，操作没有执行。请返回上一页，刷新后重试。"
BAD_REQUEST = "请求无效，操作没有执行。请从首页重新进入后再试。"
OUT_OF_RANGE = (
    "提交的内容超出了允许的范围（数值过大或含有不可用的字符），操作没有执行。请检查后重试。"
)
METHOD_NOT_ALLOWED = (
    "该地址只接受表单提交，不能直接打开或刷新。请返回上一页，通过页面上的按钮重新操作。"
)
SERVER_ERROR = "系统内部错误，操作没有完成。请稍后重试；如果问题持续，请联系系统管理员。"


def permission_denied(request, exception=None):
    message = _own_message(exception) or DENIED
    if _is_api(request):
        return _json("permission_denied", message, 403)
    return _page(request, "没有权限", message, status=403)


def page_not_found(request, exception=None):
    # Resolver404 carries the URL patterns tried; get_object_or_404's text is English.
    own = None if isinstance(exception, Resolver404) else _own_message(exception)
    message = own or NOT_FOUND
    if _is_api(request):
        return _json("not_found", own or API_NOT_FOUND, 404)
    return _page(request, "页面不存在", message, status=404)


def csrf_failure(request, reason: str = ""):
    if _is_api(request):
        return _json("csrf_failed", CSRF_FAILED, 403)
    return _page(request, "操作未执行", CSRF_FAILED, status=403)


def bad_request(request, exception=None):
    # Standalone like the 500 page: what Django refused (a host, a header) may break more.
    if _is_api(request):
        return _json("bad_request", BAD_REQUEST, 400)
    template = loader.get_template("500.html")
    context = {"status": 400, "title": "请求无效", "message": BAD_REQUEST}
    return HttpResponseBadRequest(template.render(context))


def out_of_range(request, exception):
    """What ``BadInputMiddleware`` answers for input no form bounded."""
    if _is_api(request):
        return _json("invalid", OUT_OF_RANGE, 400)
    return _page(request, "提交的内容有误", OUT_OF_RANGE, status=400)


def method_not_allowed(request, refused):
    """A page's answer to a method its address does not take (``require_POST`` and the
    like answer a bare, empty 405): the message in the layout, still 405, same ``Allow``."""
    response = _page(request, "请求方式不正确", METHOD_NOT_ALLOWED, status=405)
    if refused.has_header("Allow"):
        response["Allow"] = refused["Allow"]
    return response


def server_error(request=None):
    if request is not None and _is_api(request):
        return _json("server_error", SERVER_ERROR, 500)
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"message": SERVER_ERROR}))


def _json(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"code": code, "message": message, "errors": {}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _own_message(exception) -> str | None:
    """The exception's text when it is one of ours (Chinese), else None."""
    text = str(exception or "")
    return text if CHINESE.search(text) else None


def _page(request, title: str, message: str, *, status: int):
    return render(
        request,
        "core/error.html",
        {"title": title, "message": message, "status": status, "back_url": _back_url(request)},
        status=status,
    )


def _back_url(request) -> str | None:
    """The page the user came from, when it is this site's and not this very page."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    if referer.split("?")[0].endswith(request.path) and request.method == "GET":
        return None
    return referer
