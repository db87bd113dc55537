"""The H5 questionnaire page ``/q/<token>``: public (the unguessable token is the key),
mobile-first (375×667), Chinese, no external assets, rate-limited per client address.

It shows the invitation's questionnaire with the shared partial, takes exactly one
submission through the one write-back (``surveys.writeback.do_submit_response``) and then
says 已提交; an unknown (404), used (409) or expired (410) link gets a Chinese page saying
so. The first view marks the invitation 已打开.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from huifang.core.actors import Actor, ActorKind
from huifang.core.middleware import client_ip
from huifang.core.ratelimit import over_limit
from huifang.surveys import sending, writeback
from huifang.surveys.choices import Channel, InvitationStatus
from huifang.surveys.forms import answers_from_post, form_rows
from huifang.surveys.models import Invitation

# Requests per client address per minute (``HUIFANG_H5_RATE_LIMIT`` in settings if set).
DEFAULT_RATE_LIMIT = 30

CLOSED_PAGES = {
    "unknown": (404, "链接无效", "该问卷链接不存在或已失效，请核对短信中的链接。"),
    "answered": (409, "问卷已提交", "该问卷已提交，无需重复填写。感谢您的配合！"),
    "expired": (410, "问卷已过期", "该问卷已超过填写期限，如有疑问请联系您的客户经理。"),
    "task_closed": (409, "问卷已结束", "该回访已结束，无需再填写问卷。感谢您的配合！"),
}


def h5_actor(request) -> Actor:
    """Who writes an H5 submission: the page itself (the token let the customer in)."""
    return Actor(label="h5", ip=client_ip(request), kind=ActorKind.SYSTEM)


def rate_limited(request) -> bool:
    """One more request from this client address; True once it is over the minute's limit."""
    limit = getattr(settings, "H5_RATE_LIMIT", DEFAULT_RATE_LIMIT)
    return over_limit("h5", client_ip(request) or "-", limit)


def _closed(request, reason: str):
    status, title, text = CLOSED_PAGES[reason]
    return render(request, "surveys/h5_message.html", {"title": title, "text": text}, status=status)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def h5_page(request, token: str):
    if rate_limited(request):
        return render(
            request,
            "surveys/h5_message.html",
            {"title": "请求过于频繁", "text": "您的操作过于频繁，请一分钟后再试。"},
            status=429,
        )
    invitation = (
        Invitation.objects.select_related("version").filter(token=token, channel=Channel.H5).first()
        if token
        else None
    )
    if invitation is None:
        return _closed(request, "unknown")
    if invitation.status == InvitationStatus.ANSWERED:
        return _closed(request, "answered")
    if invitation.is_expired:
        sending.expire_due(Invitation.objects.filter(pk=invitation.pk))
        return _closed(request, "expired")
    version = invitation.version
    errors: dict = {}
    if request.method == "POST":
        answers = answers_from_post(version.questions, request.POST)
        try:
            writeback.do_submit_response(
                invitation, {"answers": answers}, channel=Channel.H5, actor=h5_actor(request)
            )
        except writeback.InvitationClosed as exc:
            return _closed(request, exc.reason)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors = {k: "；".join(v) for k, v in exc.message_dict.items()}
            else:
                errors = {"": "；".join(exc.messages)}
        else:
            return render(
                request,
                "surveys/h5_message.html",
                {
                    "title": "已提交",
                    "text": version.closing or "您的问卷已提交，感谢您的配合！",
                    "done": True,
                },
            )
    elif invitation.opened_at is None:
        sending.do_record_event(invitation, "opened", actor=h5_actor(request))
    return render(
        request,
        "surveys/h5.html",
        {
            "version": version,
            "qn_rows": form_rows(
                version.questions, request.POST if request.method == "POST" else None, errors
            ),
            "errors": errors,
            "general_error": errors.get("", "") or errors.get("answers", ""),
        },
        status=200,
    )
