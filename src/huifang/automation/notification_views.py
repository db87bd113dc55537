"""站内消息 pages: the person's own messages (filters 未读/类型), opening one (marks it
read and goes to its task, plan or record) and 标记已读 / 全部标记已读. Everyone sees
only their own: the queryset is ``notifications.for_user``, another's message is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from huifang.automation import notifications
from huifang.automation.filtersets import NotificationFilterSet
from huifang.core.views import INVALID_FILTER_TEXT, style_form

PER_PAGE = 50


class NotificationListView(View):
    """The person's messages, newest first, through :class:`NotificationFilterSet`."""

    filterset_class = NotificationFilterSet

    def get(self, request):
        filterset = self.filterset_class(
            request.GET, queryset=notifications.for_user(request.user), request=request
        )
        style_form(filterset.form)
        rows = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        page = Paginator(rows.order_by("-created_at", "-pk"), PER_PAGE).get_page(
            request.GET.get("page")
        )
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "automation/notification_list.html",
            {
                "title": "站内消息",
                "filter": filterset,
                "page": page,
                "query": query.urlencode(),
                "unread": notifications.unread_count(request.user),
                "invalid_filter_text": INVALID_FILTER_TEXT,
            },
        )


def _safe(request, link: str) -> bool:
    return bool(link) and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def notification_open(request, pk: int):
    """Open a message: it becomes read, and the browser goes where it points."""
    row = get_object_or_404(notifications.for_user(request.user), pk=pk)
    notifications.mark_read(request.user, [row.pk])
    if _safe(request, row.link):
        return redirect(row.link)
    return redirect("automation:notification_list")


def notification_mark_read(request):
    """标记已读 (the ticked ones) or 全部标记已读 (``all``)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if request.POST.get("all"):
        done = notifications.mark_all_read(request.user)
    else:
        ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()]
        if not ids:
            messages.error(request, "请先勾选消息")
            return redirect("automation:notification_list")
        done = notifications.mark_read(request.user, ids)
    messages.success(request, f"已标记 {done} 条消息为已读")
    back = request.POST.get("next", "")
    if _safe(request, back):
        return redirect(back)
    return redirect("automation:notification_list")
