"""The 问卷 sections of the customer 360 page and the task page: the customer's / task's
invitations with their responses (status, channel, version, answered at, abnormal
questions), each response linking to its answers; on the task page also the open H5
links to copy, 下发问卷 and 录入线下问卷.
Registered from ``SurveysConfig.ready`` (customers and callbacks never import surveys)."""

from __future__ import annotations

from django.http import HttpRequest

from huifang.callbacks import task_sections
from huifang.callbacks.models import CallbackTask
from huifang.core.scoping import has_model_perm
from huifang.customers.customer360 import Section, register_section
from huifang.customers.models import Customer
from huifang.surveys import results
from huifang.surveys.choices import InvitationStatus
from huifang.surveys.models import Invitation, Response

LIMIT = 50
TEMPLATE = "surveys/_invitations_section.html"


def invitation_rows(user, invitations) -> list[dict]:
    """Each invitation (newest first) with the status to show (已过期 once past its expiry,
    whatever is stored) and its response's abnormal questions."""
    rows = []
    chosen = (
        invitations.restrict(user, "view")
        .select_related("version__questionnaire", "response")
        .order_by("-created_at", "-id")[:LIMIT]
    )
    for invitation in chosen:
        response: Response | None = getattr(invitation, "response", None)
        status = (
            InvitationStatus.EXPIRED.label
            if invitation.is_expired and not invitation.is_answered
            else invitation.get_status_display()
        )
        rows.append(
            {
                "invitation": invitation,
                "status": status,
                "response": response,
                "abnormal": results.abnormal_texts(invitation.version, response)
                if response
                else [],
            }
        )
    return rows


def may_enter_offline(user, task: CallbackTask) -> bool:
    """Whether the page offers 录入线下问卷 (the write-back service checks again)."""
    return (
        task.is_open
        and user.has_perm("surveys.add_response")
        and user.has_perm("records.add_callbackrecord")
        and CallbackTask.objects.restrict(user, "change").filter(pk=task.pk).exists()
    )


def customer_section(request: HttpRequest, customer: Customer, year: int) -> Section | None:
    if not has_model_perm(request.user, Invitation, "view"):
        return None
    rows = invitation_rows(request.user, Invitation.objects.filter(customer=customer))
    return Section("问卷结果", TEMPLATE, {"rows": rows, "show_task": True})


def task_section(request: HttpRequest, task: CallbackTask) -> Section | None:
    if not has_model_perm(request.user, Invitation, "view"):
        return None
    from huifang.surveys.sending import expire_due

    expire_due(Invitation.objects.filter(task=task))  # stored statuses up to date first
    rows = invitation_rows(request.user, Invitation.objects.filter(task=task))
    return Section(
        "问卷",
        TEMPLATE,
        {
            "task": task,
            "rows": rows,
            "show_task": False,
            "can_offline": may_enter_offline(request.user, task),
            "can_send": request.user.has_perm("surveys.send_invitation") and task.is_open,
            # H5 links to copy and send to the customer (by SMS, chat …).
            "base_url": request.build_absolute_uri("/")[:-1],
        },
    )


def install() -> None:
    register_section("responses", customer_section, order=30)
    task_sections.register_section("surveys", task_section, order=10)
