"""The ONE write-back of questionnaire answers: app-hall responses, H5 submissions and
offline entries all go through :func:`do_submit_response`.

In one transaction: the invitation is locked and must still be answerable (not 已作答,
not past its expiry, its task open); the answers are checked against the invitation's
version (``surveys.content.check_answers``); the response and its answer rows are stored;
a callback record is written through ``records.services.do_create_record`` (回访形式
掌厅问卷 / H5问卷 / 线下问卷; 成功 when nothing is abnormal — which completes the task —
else 其他 naming the abnormal questions); one 反馈营业部 per abnormal answer; the
invitation becomes 已作答. A refusal writes nothing.
"""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records import services as record_services
from huifang.callbacks.records.choices import Method, RecordStatus
from huifang.core import audit
from huifang.core.actors import as_actor
from huifang.core.permissions import require
from huifang.core.prepared import Insert, Prepared
from huifang.customers.models import Customer
from huifang.surveys.audit_actions import SurveyAction, mask_answers
from huifang.surveys.choices import Channel, InvitationStatus
from huifang.surveys.content import check_answers
from huifang.surveys.models import Invitation, QuestionnaireVersion, Response, ResponseAnswer

METHODS = {
    Channel.APPHALL: Method.APP_HALL,
    Channel.H5: Method.H5,
    Channel.OFFLINE: Method.OFFLINE,
}
# The customer fills these in on a page that shows the "needs a note" flag; the app hall
# never sees it (interfaces.md), so it is not asked there.
NOTES_REQUIRED = (Channel.H5, Channel.OFFLINE)


class InvitationClosed(ValidationError):
    """The invitation takes no answers: ``reason`` is ``expired`` (410), ``answered``
    or ``task_closed`` (409)."""

    MESSAGES = {
        "expired": "该问卷邀请已过期",
        "answered": "该问卷邀请已作答",
        "task_closed": "该回访任务已结束，不再接收问卷答案",
    }

    def __init__(self, reason: str):
        super().__init__(self.MESSAGES[reason], code=reason)
        self.reason = reason

    @property
    def status(self) -> int:
        return 410 if self.reason == "expired" else 409


# Every answer reads these (compiled once per process, core.prepared).
INVITATION_FOR_UPDATE = Prepared(
    lambda pk: Invitation.objects.select_for_update(of=("self",)).filter(pk=pk), int
)
TASK = Prepared(lambda pk: CallbackTask.objects.filter(pk=pk), int)
VERSION = Prepared(lambda pk: QuestionnaireVersion.objects.filter(pk=pk), int)
INVESTOR_CODE = Prepared(
    lambda pk: Customer.objects.filter(pk=pk).values_list("investor_code", flat=True), int
)


def _submitted_at(value, now: datetime.datetime) -> datetime.datetime:
    if value in (None, ""):
        return now
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, str):
        moment = parse_datetime(value.strip())
        if moment is None:
            raise ValueError
    else:
        raise ValueError
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return min(moment, now)  # a partner's clock a little ahead: never a future record


def _question_label(version, qid: str) -> tuple[int, dict]:
    for n, question in enumerate(version.questions or [], start=1):
        if question["id"] == qid:
            return n, question
    return 0, {"id": qid, "text": qid, "options": []}


def _answer_text(question: dict, answer: dict) -> str:
    options = {o["id"]: o["text"] for o in question.get("options") or []}
    if "options" in answer:
        text = "、".join(options.get(o, o) for o in answer["options"])
    else:
        text = answer.get("text", "")
    if answer.get("note"):
        text += f"（说明：{answer['note']}）"
    return text


def abnormal_lines(version, answers: list[dict], abnormal: list[str]) -> list[str]:
    """``第 2 题“…”：答“不是本人开户”`` for each abnormal question."""
    by_id = {a["question"]: a for a in answers}
    lines = []
    for qid in abnormal:
        n, question = _question_label(version, qid)
        lines.append(f"第 {n} 题“{question['text']}”：答“{_answer_text(question, by_id[qid])}”")
    return lines


ANSWER_INSERT = Insert(ResponseAnswer)


def _answer_rows(response: Response, answers: list[dict]) -> list[ResponseAnswer]:
    rows = []
    for answer in answers:
        common = {"response": response, "version_id": response.version_id}
        if "options" in answer:
            rows.extend(
                ResponseAnswer(**common, question=answer["question"], option=option)
                for option in answer["options"]
            )
        else:
            rows.append(
                ResponseAnswer(**common, question=answer["question"], text=answer.get("text", ""))
            )
    return rows


def do_submit_response(
    invitation: Invitation,
    payload: dict,
    *,
    channel: str,
    actor,
    agent=None,
    attachments=None,
) -> Response:
    """Take the one submission of ``invitation`` (see the module's docstring).

    ``payload``: ``{"answers": [...], "submission_id"?, "investor_code"?, "submitted_at"?}``
    (interfaces.md, App hall). Bad answers raise ValidationError keyed by question id
    (``investor_code`` / ``submitted_at`` / ``channel`` for those); an invitation that takes
    no answers raises :class:`InvitationClosed`. ``agent`` (offline entry) is who entered
    the paper questionnaire; app-hall and H5 answers have none."""
    actor = as_actor(actor)
    require(
        actor,
        "surveys.add_response",
        invitation,
        action="view",  # the invitation must be in the person's scope
        message="您没有登记问卷结果的权限",
    )
    if channel not in METHODS:
        raise ValidationError({"channel": "渠道应为掌厅、H5 或线下"})
    if not isinstance(payload, dict):
        raise ValidationError({"answers": "提交内容应为 JSON 对象"})
    with transaction.atomic():
        locked = INVITATION_FOR_UPDATE.first(invitation.pk)
        if locked is None:
            raise ValidationError("问卷邀请不存在")
        now = timezone.now()
        if locked.status == InvitationStatus.ANSWERED:
            raise InvitationClosed("answered")
        if locked.status == InvitationStatus.EXPIRED or locked.expires_at <= now:
            raise InvitationClosed("expired")
        if locked.channel != channel:
            raise ValidationError(
                {"channel": f"该邀请的渠道是“{locked.get_channel_display()}”，不能按此渠道作答"}
            )
        locked.task = TASK.first(locked.task_id)
        if not locked.task.is_open:
            raise InvitationClosed("task_closed")
        locked.version = VERSION.first(locked.version_id)

        errors: dict[str, str] = {}
        investor_code = payload.get("investor_code")
        if investor_code is not None and str(investor_code) != INVESTOR_CODE.first(
            locked.customer_id
        ):
            errors["investor_code"] = "投资者代码与该问卷邀请的客户不符"
        try:
            submitted_at = _submitted_at(payload.get("submitted_at"), now)
        except ValueError:
            errors["submitted_at"] = "提交时间格式应为 ISO 8601，例如 2026-01-05T10:30:00+08:00"
            submitted_at = now
        version = locked.version
        check = check_answers(
            version, payload.get("answers"), notes_required=channel in NOTES_REQUIRED
        )
        errors.update(check.errors)
        if errors:
            raise ValidationError(errors)

        label = METHODS[channel].label
        if check.abnormal:
            lines = abnormal_lines(version, check.answers, check.abnormal)
            status = RecordStatus.OTHER
            remark = f"{label}（邀请 {locked.code}）异常答案：" + "；".join(lines)
        else:
            lines = []
            status = RecordStatus.SUCCESS
            remark = f"{label}（邀请 {locked.code}）：全部答案正常"
        record = record_services.do_create_record(
            locked.task,
            {
                "status": status,
                "method": METHODS[channel],
                "called_at": submitted_at,
                "remark": remark,
                "channel_source": str(Channel(channel).label),
            },
            actor=actor,
            agent=agent,
            attachments=attachments,
            reported=True,  # the questionnaire result itself
        )
        submission_id = str(payload.get("submission_id") or f"{channel}-{uuid.uuid4().hex}")
        response = Response.objects.create(
            invitation=locked,
            submission_id=submission_id[:64],
            channel=channel,
            version=version,
            customer_id=locked.customer_id,
            branch_id=locked.branch_id,
            task_id=locked.task_id,
            answers=check.answers,
            abnormal=check.abnormal,
            submitted_at=submitted_at,
            received_at=now,
            record=record,
            created_via=actor.label[:64],
        )
        ANSWER_INSERT.create_many(_answer_rows(response, check.answers))
        for line in lines:
            record_services.do_feedback(
                locked.task,
                f"问卷异常答案（{label}）：{line}，请营业部跟进",
                actor=actor,
                record=record,
                announce=False,  # the managers get 问卷异常答案 instead
            )
        before = audit.snapshot(locked, ["status", "answered_at"])
        locked.status = InvitationStatus.ANSWERED
        locked.answered_at = now
        locked.save(update_fields=["status", "answered_at"])
        audit.record(
            SurveyAction.RESPONSE_SUBMIT,
            response,
            before=before,
            after={
                "invitation": locked.code,
                "channel": channel,
                "submission_id": response.submission_id,
                "record": record.pk,
                "status": status,
                "abnormal": check.abnormal,
                "answers": mask_answers(check.answers),
            },
            message=f"提交问卷（{label}，邀请 {locked.code}）："
            + (f"{len(lines)} 题异常" if lines else "全部正常"),
            actor=actor,
        )
    for field in Invitation._meta.concrete_fields:  # as refresh_from_db would leave it
        setattr(invitation, field.attname, getattr(locked, field.attname))
    return response


def response_body(response: Response) -> dict:
    """The app hall's 201 body (interfaces.md): ``{"response", "record", "status",
    "abnormal"}``."""
    return {
        "response": response.pk,
        "record": response.record_id,
        "status": "其他" if response.abnormal else "成功",
        "abnormal": list(response.abnormal),
    }
