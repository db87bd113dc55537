"""The 问卷 sections of the customer 360 page and the task page: the customer's / task's
invitations with their responses (status, channel, version, answered at, abnormal
questions), each response linking to its answers; on the task page also the open H5
links to copy, 下发问卷 and 录入线下问卷.
Registered from ``SurveysConfig.ready`` (customers and callbacks never import surveys)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse

from huifang.callbacks import task_sections, task_values
from huifang.callbacks.models import CallbackTask
from huifang.callbacks.services import work_refusal
from huifang.core.scoping import has_model_perm
from huifang.customers.customer360 import Section, register_section
from huifang.customers.models import Customer
from huifang.surveys import results
from huifang.surveys.choices import Channel
from huifang.surveys.models import Invitation, Response
from huifang.surveys.offline import entered

LIMIT = 50
TEMPLATE = "surveys/_invitations_section.html"


def invitation_rows(user, invitations) -> list[dict]:
    """Each invitation (newest first) with the status to show (``Invitation.shown_status``)
    and its response's abnormal questions."""
    rows = []
    chosen = (
        invitations.restrict(user, "view")
        .select_related("version__questionnaire", "response")
        .order_by("-created_at", "-id")[:LIMIT]
    )
    for invitation in chosen:
        response: Response | None = getattr(invitation, "response", None)
        rows.append(
            {
                "invitation": invitation,
                "status": invitation.shown_status,
                "response": response,
                "abnormal": results.abnormal_texts(invitation.version, response)
                if response
                else [],
            }
        )
    return rows


def may_enter_offline(user, task: CallbackTask) -> bool:
    """Whether the page offers 录入线下问卷 (``surveys.offline.do_enter_offline`` checks
    again): an open task the user may change and work (an agent's own), with the
    permissions."""
    return (
        task.is_open
        and user.has_perm("surveys.add_response")
        and user.has_perm("records.add_callbackrecord")
        and work_refusal(user, task) is None
        and CallbackTask.objects.restrict(user, "change").filter(pk=task.pk).exists()
    )


def may_send(user, task: CallbackTask) -> bool:
    """Whether the page offers 下发问卷 for ``task`` (``surveys.sending.do_invite`` checks
    again)."""
    return (
        task.is_open
        and user.has_perm("surveys.send_invitation")
        and work_refusal(user, task) is None
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
    offline_done = entered(task.pk)
    # Why the buttons are missing for a task the user sees but does not work.
    works = request.user.has_perm("records.add_callbackrecord")  # not the auditor
    refusal = work_refusal(request.user, task) if task.is_open and works else None
    return Section(
        "问卷",
        TEMPLATE,
        {
            "task": task,
            "rows": rows,
            "show_task": False,
            "can_offline": offline_done is None and may_enter_offline(request.user, task),
            "offline_done": offline_done,
            "can_send": may_send(request.user, task),
            "work_refusal": refusal,
            # H5 links to copy and send to the customer (by SMS, chat …).
            # The address customers reach (HUIFANG_PUBLIC_URL), else the one in use.
            "base_url": settings.PUBLIC_URL or request.build_absolute_uri("/")[:-1],
        },
    )


def h5_links(task_ids) -> dict[int, str]:
    """The SMS variable 问卷链接: each task's open H5 invitation as the address customers
    open (``HUIFANG_PUBLIC_URL`` + ``/q/<token>``); tasks without one have none."""
    if not settings.PUBLIC_URL:
        raise ValidationError(
            "短信内容含{问卷链接}，但未设置 HUIFANG_PUBLIC_URL（客户手机打开 H5 问卷的地址），"
            "无法生成链接；请系统管理员设置后再发送"
        )
    tokens = (
        Invitation.objects.open()
        .filter(task_id__in=task_ids, channel=Channel.H5)
        .values_list("task_id", "token")
    )
    return {
        task_id: settings.PUBLIC_URL + reverse("survey_h5", args=[token])
        for task_id, token in tokens
    }


def install() -> None:
    register_section("responses", customer_section, order=30)
    task_sections.register_section("surveys", task_section, order=10)
    task_values.register_value("问卷链接", h5_links)
