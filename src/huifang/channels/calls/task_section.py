"""The task page's 外呼记录 section: the brochure's call table (操作, 拨打时间, 拨打时长,
拨打次数, 拨打结果), 100 per page, in attempt order (registered from ``CallsConfig.ready``)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest

from huifang.callbacks.models import CallbackTask
from huifang.callbacks.task_sections import register_section
from huifang.channels.calls.models import CallAttempt
from huifang.core.scoping import has_model_perm
from huifang.customers.customer360 import Section

PER_PAGE = 100
PAGE_PARAM = "calls_page"


def task_calls(task: CallbackTask, user):
    """The task's attempts the user may see, earliest attempt first (an attempt reported
    late still sorts by its number)."""
    return (
        CallAttempt.objects.restrict(user, "view")
        .filter(task=task)
        .order_by("attempt", "started_at", "id")
    )


def section(request: HttpRequest, task: CallbackTask) -> Section | None:
    if not has_model_perm(request.user, CallAttempt, "view"):
        return None
    page = Paginator(task_calls(task, request.user), PER_PAGE).get_page(request.GET.get(PAGE_PARAM))
    return Section(
        "外呼记录",
        "calls/_task_calls.html",
        {"task": task, "page": page, "page_param": PAGE_PARAM},
    )


def install() -> None:
    register_section("calls", section, order=10)
