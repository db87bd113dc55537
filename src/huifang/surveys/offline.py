"""线下问卷: an agent enters the answers of a paper questionnaire a customer filled in.

:func:`do_enter_offline` creates the task's offline invitation (or takes its open one) and
hands the answers, the agent and the scan to THE write-back
(``surveys.writeback.do_submit_response``, channel 线下), so the response, its callback
record (回访形式 线下问卷, the scan attached), the task's completion and the follow-ups are
exactly what an app-hall or H5 answer writes. One transaction: a refused entry leaves no
invitation behind.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records.services import AttachmentInput
from huifang.callbacks.services import require_own_task
from huifang.core import audit
from huifang.core.actors import as_actor
from huifang.core.permissions import require
from huifang.surveys.audit_actions import SurveyAction
from huifang.surveys.choices import (
    OPEN_INVITATION_STATUSES,
    Channel,
    InvitationStatus,
    VersionStatus,
)
from huifang.surveys.models import Invitation, QuestionnaireVersion, Response
from huifang.surveys.writeback import do_submit_response

# A paper questionnaire is answered on the spot: its invitation only has to outlive the
# entry itself.
OFFLINE_EXPIRY = datetime.timedelta(days=1)


def default_version(task: CallbackTask) -> QuestionnaireVersion | None:
    """The version an invitation of ``task`` gets when nobody chooses (the invite
    service's rule): the latest published version of the most recently published
    questionnaire naming the task's business type."""
    return (
        QuestionnaireVersion.objects.filter(
            status=VersionStatus.PUBLISHED,
            questionnaire__business_types=task.business_type_id,
        )
        .select_related("questionnaire")
        .order_by("-published_at", "-number", "-id")
        .first()
    )


def chosen_version(raw, task: CallbackTask) -> QuestionnaireVersion | None:
    """The published version an agent chose (its id, as the page's select or the API's
    ``version`` send it), or :func:`default_version` when none was chosen; None for an id
    that is not a published version (the service then refuses with its message)."""
    raw = str(raw or "")
    if raw.isdigit():
        if len(raw) > 18:  # beyond a bigint: no such version
            return None
        return (
            QuestionnaireVersion.objects.published()
            .select_related("questionnaire")
            .filter(pk=int(raw))
            .first()
        )
    return default_version(task)


def entered(task_id: int) -> Response | None:
    """The task's offline (线下) questionnaire already entered, if any: a task takes one."""
    return (
        Response.objects.filter(task_id=task_id, channel=Channel.OFFLINE)
        .select_related("invitation", "invitation__created_by")
        .order_by("id")
        .first()
    )


def already_entered_message(response: Response) -> str:
    invitation = response.invitation
    who = invitation.created_by.display_name if invitation.created_by_id else ""
    when = timezone.localtime(response.received_at)
    return (
        f"该任务的线下问卷已于 {when:%Y-%m-%d %H:%M} 由{who or '他人'}录入"
        f"（邀请 {invitation.code}），不能重复录入；如有错误请修改其回访记录"
    )


def choosable_versions() -> list[QuestionnaireVersion]:
    """Each questionnaire's latest published version (what an agent may enter)."""
    latest: dict[int, QuestionnaireVersion] = {}
    for version in (
        QuestionnaireVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .select_related("questionnaire")
        .order_by("questionnaire__code", "number")
    ):
        latest[version.questionnaire_id] = version
    return list(latest.values())


def do_enter_offline(
    task: CallbackTask,
    version: QuestionnaireVersion,
    answers: list[dict],
    *,
    scan: AttachmentInput | None,
    submitted_at: datetime.datetime | None = None,
    actor,
) -> Response:
    """录入线下问卷 for ``task``: ``answers`` as ``surveys.forms.answers_from_post`` reads
    them, ``scan`` the paper questionnaire's scan (required), ``submitted_at`` when the
    customer filled it in (default now). The acting person is the agent (回访人).

    A task takes one offline entry: a second one (the form sent twice, the back button)
    is refused while the first stands — checked under the task's row lock, so two entries
    at once cannot both pass. Only a person who may work the task enters it
    (``callbacks.services.require_own_task``: an agent their own task).

    Refusals: ValidationError keyed by question id (bad answers), ``scan`` or
    ``version``, or unkeyed (already entered, task closed); PermissionDenied without the
    permissions, out of scope or another agent's task."""
    actor = as_actor(actor)
    require(
        actor,
        ("surveys.add_response", "records.add_callbackrecord"),
        task,
        action="change",
        message="您没有录入线下问卷的权限",
    )
    if actor.user is None:
        raise ValidationError({"agent": "线下问卷须由回访专员本人录入"})
    if version is None or version.status != VersionStatus.PUBLISHED:
        raise ValidationError({"version": "请选择已发布的问卷版本"})
    if scan is None or (scan.file is None and not scan.reference):
        raise ValidationError({"scan": "请上传纸质问卷的扫描件"})
    with transaction.atomic():
        task = CallbackTask.objects.select_for_update(of=("self",)).get(pk=task.pk)
        require_own_task(actor, task)
        earlier = entered(task.pk)
        if earlier is not None:
            raise ValidationError(already_entered_message(earlier))
        if not task.is_open:
            raise ValidationError(f"任务当前为“{task.get_status_display()}”，不能再录入线下问卷")
        now = timezone.now()
        invitation = Invitation.objects.filter(
            task=task, channel=Channel.OFFLINE, status__in=OPEN_INVITATION_STATUSES
        ).first()
        if invitation is not None and (
            invitation.version_id != version.pk or invitation.expires_at <= now
        ):
            # An earlier, unfinished entry on another version (or a stale one): retire it
            # so the one open offline invitation per task is this entry's.
            before = audit.snapshot(invitation, ["status"])
            invitation.status = InvitationStatus.EXPIRED
            invitation.save(update_fields=["status"])
            audit.record(
                SurveyAction.OFFLINE_ENTRY,
                invitation,
                before=before,
                after={"status": InvitationStatus.EXPIRED},
                message="线下问卷改用其他问卷版本，原线下邀请作废",
                actor=actor,
            )
            invitation = None
        if invitation is None:
            invitation = Invitation.objects.create(
                task=task,
                customer_id=task.customer_id,
                branch_id=task.branch_id,
                business_type_id=task.business_type_id,
                channel=Channel.OFFLINE,
                version=version,
                expires_at=now + OFFLINE_EXPIRY,
                created_by=actor.user,
                created_via=actor.label[:64],
                sent_at=now,
            )
            audit.record(
                SurveyAction.OFFLINE_ENTRY,
                invitation,
                after={
                    "task": task.pk,
                    "channel": Channel.OFFLINE,
                    "version": version.pk,
                    "code": invitation.code,
                },
                message=f"录入线下问卷：任务 #{task.pk}，{version}",
                actor=actor,
            )
        payload = {"answers": answers}
        if submitted_at is not None:
            payload["submitted_at"] = submitted_at
        return do_submit_response(
            invitation,
            payload,
            channel=Channel.OFFLINE,
            actor=actor,
            agent=actor.user,
            attachments=[scan],
        )
