"""The task page's 问卷邀请 section: the task's invitations (status, expiry, the H5 link to
copy) and the 下发问卷 button (registered from ``SurveysConfig.ready``)."""

from __future__ import annotations

from django.http import HttpRequest

from huifang.callbacks.models import CallbackTask
from huifang.callbacks.task_sections import register_section
from huifang.core.scoping import has_model_perm
from huifang.customers.customer360 import Section
from huifang.surveys.models import Invitation
from huifang.surveys.sending import expire_due


def section(request: HttpRequest, task: CallbackTask) -> Section | None:
    user = request.user
    if not has_model_perm(user, Invitation, "view"):
        return None
    expire_due(Invitation.objects.filter(task=task))  # stored statuses up to date first
    rows = (
        Invitation.objects.restrict(user, "view")
        .filter(task=task)
        .select_related("version", "version__questionnaire")
        .order_by("-created_at", "-id")
    )
    return Section(
        "问卷邀请",
        "surveys/_task_invitations.html",
        {
            "task": task,
            "invitations": list(rows[:50]),
            "can_send": user.has_perm("surveys.send_invitation") and task.is_open,
            "base_url": request.build_absolute_uri("/")[:-1],
        },
    )


def install() -> None:
    register_section("surveys", section, order=5)
