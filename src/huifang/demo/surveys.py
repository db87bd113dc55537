"""The demo's questionnaires: a published questionnaire for the demo batch's business type,
an app-hall partner, invitations in every channel (掌厅, H5, 线下) and some answered ones,
normal and abnormal — all through the real services (``partners.services``,
``surveys.sending.do_invite``, the one write-back ``do_submit_response``, offline entry),
so the results page, the task and customer pages and the audit log have something to show.

Runs once: a database that already holds invitations is left alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records.services import AttachmentInput
from huifang.core.actors import Actor, ActorKind
from huifang.org.models import User
from huifang.partners import services as partner_services
from huifang.partners.models import Partner
from huifang.surveys import offline, sending
from huifang.surveys.content import CHOICE_TYPES
from huifang.surveys.models import Invitation, QuestionnaireVersion
from huifang.surveys.writeback import do_submit_response

PARTNER = "演示掌厅"
PER_CHANNEL = 12  # invitations per online channel
ANSWERED = 6  # of which answered (every third abnormal)
SCAN = b"%PDF-1.4\n% huifang demo: a scanned paper questionnaire\n"


def answers_for(version: QuestionnaireVersion, *, abnormal: bool) -> list[dict]:
    """Answers that fit ``version``: each choice question's first normal option (an abnormal
    one for the first question that has one, when ``abnormal``), text and date questions
    left blank unless required."""
    answers = []
    made_abnormal = False
    for question in version.questions or []:
        options = question.get("options") or []
        if question["type"] in CHOICE_TYPES and options:
            chosen = next((o for o in options if not o.get("abnormal")), options[0])
            if abnormal and not made_abnormal:
                bad = next((o for o in options if o.get("abnormal")), None)
                if bad is not None:
                    chosen, made_abnormal = bad, True
            answer = {"question": question["id"], "options": [chosen["id"]]}
            if chosen.get("note"):
                answer["note"] = "演示：客户说明的情况"
            answers.append(answer)
        elif question.get("required", True):
            text = "2026-01-05" if question["type"] == "date" else "演示回答"
            answers.append({"question": question["id"], "text": text})
    return answers


def _version_for(task: CallbackTask) -> QuestionnaireVersion | None:
    return offline.default_version(task) or QuestionnaireVersion.objects.published().first()


def ensure_surveys(say: Callable[[str], None]) -> None:
    if Invitation.objects.exists():
        say("已有问卷邀请：保留现有问卷数据，不再生成演示问卷")
        return
    admin = User.objects.get(username="hq_admin")
    tasks = list(
        CallbackTask.objects.filter(status__in=("new", "in_progress"), assignee__isnull=False)
        .select_related("assignee")
        .order_by("pk")[: 2 * PER_CHANNEL + 2]
    )
    if len(tasks) < 4:
        say("演示回访任务不足：未生成演示问卷")
        return
    version = _version_for(tasks[0])
    if version is None:
        say("没有已发布的问卷：未生成演示问卷")
        return
    if not Partner.objects.filter(name=PARTNER).exists():
        partner, secret = partner_services.do_create_partner(PARTNER, "apphall", actor=admin)
        say(f"演示掌厅对接方“{PARTNER}”：key={partner.key} secret={secret}（只显示这一次）")
    code = version.questionnaire.code
    per_channel = min(PER_CHANNEL, (len(tasks) - 2) // 2)
    apphall, h5 = tasks[:per_channel], tasks[per_channel : 2 * per_channel]
    paper = tasks[2 * per_channel : 2 * per_channel + 2]
    for channel, chosen in (("apphall", apphall), ("h5", h5)):
        sending.do_invite([t.pk for t in chosen], channel=channel, questionnaire=code, actor=admin)
    answered = 0
    partner_actor = Actor.partner(PARTNER)
    h5_actor = Actor(label="h5", kind=ActorKind.SYSTEM)  # as the H5 page writes
    for channel, chosen, actor in (("apphall", apphall, partner_actor), ("h5", h5, h5_actor)):
        for n, task in enumerate(chosen[:ANSWERED]):
            invitation = Invitation.objects.get(task=task, channel=channel)
            if channel == "apphall":
                sending.do_record_event(invitation, "delivered", actor=partner_actor)
            sending.do_record_event(invitation, "opened", actor=actor)
            payload = {
                "answers": answers_for(invitation.version, abnormal=n % 3 == 2),
                "investor_code": task.customer.investor_code,
            }
            if channel == "apphall":
                payload["submission_id"] = f"demo-{invitation.code}"
            try:
                do_submit_response(invitation, payload, channel=channel, actor=actor)
                answered += 1
            except ValidationError as exc:
                say(f"演示问卷 {invitation.code} 未能提交：{'；'.join(exc.messages)}")
    for n, task in enumerate(paper):
        scan = SimpleUploadedFile("paper-questionnaire.pdf", SCAN, "application/pdf")
        task_version = _version_for(task)
        try:
            offline.do_enter_offline(
                task,
                task_version,
                answers_for(task_version, abnormal=n == 1),
                scan=AttachmentInput(file=scan),
                actor=task.assignee,
            )
            answered += 1
        except ValidationError as exc:
            say(f"演示线下问卷（任务 #{task.pk}）未能录入：{'；'.join(exc.messages)}")
    say(
        f"演示问卷 {code}：掌厅、H5 各下发 {per_channel} 份，线下录入 {len(paper)} 份，"
        f"共作答 {answered} 份（含异常答案）"
    )
