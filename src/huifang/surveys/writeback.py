"""The ONE write-back of questionnaire answers: app-hall responses, H5 submissions and
offline entries all go through :func:`do_submit_response`.

In one transaction: the invitation is locked and must still be answerable (not 已作答,
not past its expiry, its task open); the answers are checked against the invitation's
version (``surveys.content.check_answers``); the response and its answer rows are stored;
a callback record is written through ``records.services.do_create_record`` (回访形式
掌厅问卷 / H5问卷 / 线下问卷; 成功 when nothing is abnormal — which completes the task —
else 其他 naming the abnormal questions); one 反馈营业部 per abnormal answer; the
invitation becomes 已作答. A refusal writes nothing.

The app hall (``surveys.api``) calls :func:`do_submit_apphall`, which finds the invitation by
its code under the lock; every answer costs one statement for the invitation with its
task's status, its customer's investor code and its version's publication, and a published
version's questions are read once per process (issue 16: ≥ 200 answers/s).
"""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from huifang.callbacks.choices import OPEN_STATUSES
from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records import services as record_services
from huifang.callbacks.records.choices import Method, RecordStatus
from huifang.core import audit
from huifang.core.actors import as_actor
from huifang.core.permissions import is_system, require
from huifang.core.prepared import Insert, Prepared
from huifang.surveys.audit_actions import SurveyAction, mask_answers
from huifang.surveys.choices import Channel, InvitationStatus, VersionStatus
from huifang.surveys.content import Schema, check_answers, schema_of
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


class InvitationNotFound(ValidationError):
    """No invitation of that code (and channel): the app hall answers 404."""

    def __init__(self):
        super().__init__("问卷邀请不存在", code="not_found")


# Every answer reads its invitation with ONE statement (compiled once per process,
# core.prepared): the invitation's row, locked (PostgreSQL: FOR UPDATE OF the invitation
# alone), with its task's status, its customer's investor code and its version's status
# and publication time joined in. The version's content comes from :func:`_version`.
_FIELDS = [f.attname for f in Invitation._meta.concrete_fields]  # the SELECT's order
_JOINED = {
    "joined_task_status": F("task__status"),
    "joined_investor_code": F("customer__investor_code"),
    "joined_version_status": F("version__status"),
    "joined_published_at": F("version__published_at"),
}


def _locked(**lookup):
    # Annotations, not values_list(): the rows stay the invitation's, so that PostgreSQL
    # locks the invitation alone (FOR UPDATE OF), not the task, customer and version rows.
    return (
        Invitation.objects.select_for_update(of=("self",))
        .filter(**lookup)
        .annotate(**_JOINED)
        .order_by()
    )


INVITATION_FOR_UPDATE = Prepared(lambda pk: _locked(pk=pk), int)
APPHALL_INVITATION_FOR_UPDATE = Prepared(
    lambda code: _locked(code=code, channel=Channel.APPHALL), str
)
VERSION = Prepared(lambda pk: QuestionnaireVersion.objects.filter(pk=pk), int)


class _Locked:
    """What the one statement read: the invitation (an instance, as ``refresh_from_db``
    would leave it) and the joined values."""

    __slots__ = ("investor_code", "invitation", "published_at", "task_status", "version_status")

    def __init__(self, row: tuple):
        n = len(_FIELDS)
        self.invitation = Invitation.from_db("default", _FIELDS, row[:n])
        self.task_status, self.investor_code, self.version_status, self.published_at = row[n:]


# Published versions never change (``QuestionnaireVersion.save`` refuses): each process
# keeps the ones it has read, by id, with their answer schema. The publication time read
# with the invitation must match (ids are reused after a rollback on SQLite), and a saved
# or deleted version is dropped.
_VERSIONS: dict[int, tuple] = {}
_VERSIONS_AT_MOST = 256


def _version(version_id: int, status: str, published_at) -> tuple[QuestionnaireVersion, Schema]:
    if status == VersionStatus.PUBLISHED:
        kept = _VERSIONS.get(version_id)
        if kept is not None and kept[0] == published_at:
            return kept[1], kept[2]
    version = VERSION.first(version_id)
    schema = schema_of(version)
    if version.is_published:
        if len(_VERSIONS) >= _VERSIONS_AT_MOST:
            _VERSIONS.clear()
        _VERSIONS[version_id] = (version.published_at, version, schema)
    return version, schema


@receiver(post_save, sender=QuestionnaireVersion, dispatch_uid="surveys_writeback_version_saved")
@receiver(post_delete, sender=QuestionnaireVersion, dispatch_uid="surveys_writeback_version_gone")
def _forget_version(sender, instance, **kwargs):
    _VERSIONS.pop(instance.pk, None)


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
    schema = schema_of(version)
    if qid in schema.questions:
        return schema.numbers[qid], schema.questions[qid]
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


class _InsertWithPostSave(Insert):
    """:class:`core.prepared.Insert` for a model that has ``post_save`` receivers but no
    ``pre_save`` ones (``Response``: automation announces an abnormal answer): the INSERT
    compiled once, then ``post_save`` sent as ``Model.save_base`` sends it for a new row.
    Whatever the base class leaves to the ORM (``save(force_insert=True)``) sends its
    signals there."""

    def _plain(self, obj) -> bool:
        return type(obj) is self.model and obj.pk is None and not pre_save.has_listeners(self.model)

    def _execute(self, obj, plan, params, connection, using: str) -> None:
        super()._execute(obj, plan, params, connection, using)
        post_save.send(
            sender=self.model,
            instance=obj,
            created=True,
            update_fields=None,
            raw=False,
            using=using,
        )


RESPONSE_INSERT = _InsertWithPostSave(Response)


def _mark_answered(invitation: Invitation, now: datetime.datetime) -> None:
    """``invitation.save(update_fields=["status", "answered_at"])`` as 已作答 at ``now``, its
    SQL written once (the ORM's UPDATE compiler costs more than the statement)."""
    invitation.status = InvitationStatus.ANSWERED
    invitation.answered_at = now
    meta = Invitation._meta
    answered_at = meta.get_field("answered_at").get_db_prep_save(now, connection)
    table = connection.ops.quote_name(meta.db_table)
    with transaction.mark_for_rollback_on_error(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, answered_at = %s WHERE id = %s",
            [InvitationStatus.ANSWERED.value, answered_at, invitation.pk],
        )


def _answer_values(response: Response, answers: list[dict]) -> list[tuple]:
    """The rows of :class:`ResponseAnswer` for ``answers``: one per chosen option, or one
    with the text (``option`` empty), as (response, version, question, option, text)."""
    rows = []
    ids = (response.pk, response.version_id)
    for answer in answers:
        question = answer["question"]
        if "options" in answer:
            rows.extend((*ids, question, option, "") for option in answer["options"])
        else:
            rows.append((*ids, question, "", answer.get("text", "")))
    return rows


# The columns of an answer row, all plain values (ids and text): the INSERT is written
# once per row count (``ResponseAnswer.objects.bulk_create`` of model instances cost ~10 %
# of an answer's CPU); ``tests/surveys/test_apphall_writeback_cost.py`` compares its rows
# with the ORM's.
_ANSWER_COLUMNS = ("response_id", "version_id", "question", "option", "text")
_ANSWER_SQL: dict[tuple[str, int], str] = {}
_ANSWERS_PER_INSERT = 100


def _insert_answers(response: Response, answers: list[dict]) -> None:
    """Insert the answer rows of ``response`` (no ids are read back: nothing uses them)."""
    rows = _answer_values(response, answers)
    meta = ResponseAnswer._meta
    for start in range(0, len(rows), _ANSWERS_PER_INSERT):
        chunk = rows[start : start + _ANSWERS_PER_INSERT]
        key = (connection.vendor, len(chunk))
        sql = _ANSWER_SQL.get(key)
        if sql is None:
            quote = connection.ops.quote_name
            columns = ", ".join(quote(meta.get_field(c).column) for c in _ANSWER_COLUMNS)
            one = "(" + ", ".join(["%s"] * len(_ANSWER_COLUMNS)) + ")"
            sql = _ANSWER_SQL[key] = (
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
                + ", ".join([one] * len(chunk))
            )
        with transaction.mark_for_rollback_on_error(), connection.cursor() as cursor:
            cursor.execute(sql, [value for row in chunk for value in row])


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
        found = INVITATION_FOR_UPDATE.first(invitation.pk)
        if found is None:
            raise ValidationError("问卷邀请不存在")
        response = _submit(_Locked(found), payload, channel, actor, agent, attachments)
    locked = response.invitation
    for field in Invitation._meta.concrete_fields:  # as refresh_from_db would leave it
        setattr(invitation, field.attname, getattr(locked, field.attname))
    return response


def do_submit_apphall(code: str, payload: dict, *, actor, savepoint: bool = True) -> Response:
    """The app hall's submission to the invitation ``code`` (interfaces.md, App hall): as
    :func:`do_submit_response`, the invitation found by its code under the lock, in the
    same statement as its task's status, its customer's investor code and its version.

    Raises :class:`InvitationNotFound` for a code that is no app-hall invitation. An
    invitation past its expiry is refused (:class:`InvitationClosed` ``expired``) but not
    marked 已过期 here, since the refusal rolls back: the caller marks it afterwards
    (``sending.expire_due``). ``savepoint=False``: the caller's transaction
    (``partners.idempotency.once``) rolls back as a whole on any error, so no savepoint
    of its own is needed (one round trip less on PostgreSQL each way)."""
    actor = as_actor(actor)
    if not is_system(actor):  # a partner is; a person is checked on the invitation below
        require(actor, "surveys.add_response", message="您没有登记问卷结果的权限")
    if not isinstance(payload, dict):
        raise ValidationError({"answers": "提交内容应为 JSON 对象"})
    with transaction.atomic(savepoint=savepoint):
        found = APPHALL_INVITATION_FOR_UPDATE.first(code)
        if found is None:
            raise InvitationNotFound()
        locked = _Locked(found)
        if not is_system(actor):
            require(
                actor,
                "surveys.add_response",
                locked.invitation,
                action="view",
                message="您没有登记问卷结果的权限",
            )
        return _submit(locked, payload, Channel.APPHALL, actor, None, None)


def _submit(found: _Locked, payload: dict, channel: str, actor, agent, attachments) -> Response:
    """The write-back proper, inside the transaction, the invitation ``found`` locked."""
    locked = found.invitation
    now = timezone.now()
    if locked.status == InvitationStatus.ANSWERED:
        raise InvitationClosed("answered")
    if locked.status == InvitationStatus.EXPIRED or locked.expires_at <= now:
        raise InvitationClosed("expired")
    if locked.channel != channel:
        raise ValidationError(
            {"channel": f"该邀请的渠道是“{locked.get_channel_display()}”，不能按此渠道作答"}
        )
    if found.task_status not in OPEN_STATUSES:
        raise InvitationClosed("task_closed")
    # The task as do_create_record leaves it (it locks and reads the row itself).
    task = CallbackTask(pk=locked.task_id)
    version, schema = _version(locked.version_id, found.version_status, found.published_at)

    errors: dict[str, str] = {}
    investor_code = payload.get("investor_code")
    if investor_code is not None and str(investor_code) != found.investor_code:
        errors["investor_code"] = "投资者代码与该问卷邀请的客户不符"
    try:
        submitted_at = _submitted_at(payload.get("submitted_at"), now)
    except ValueError:
        errors["submitted_at"] = "提交时间格式应为 ISO 8601，例如 2026-01-05T10:30:00+08:00"
        submitted_at = now
    check = check_answers(
        version,
        payload.get("answers"),
        notes_required=channel in NOTES_REQUIRED,
        schema=schema,
    )
    errors.update(check.errors)
    if errors:
        raise ValidationError(errors)

    label = str(METHODS[channel].label)  # once (a lazy text is translated at each use)
    if check.abnormal:
        lines = abnormal_lines(version, check.answers, check.abnormal)
        status = RecordStatus.OTHER
        remark = f"{label}（邀请 {locked.code}）异常答案：" + "；".join(lines)
    else:
        lines = []
        status = RecordStatus.SUCCESS
        remark = f"{label}（邀请 {locked.code}）：全部答案正常"
    record = record_services.do_create_record(
        task,
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
    locked.task = task
    locked.version = version
    submission_id = str(payload.get("submission_id") or f"{channel}-{uuid.uuid4().hex}")
    response = RESPONSE_INSERT.create(
        invitation=locked,
        submission_id=submission_id[:64],
        channel=channel,
        version=version,
        customer_id=locked.customer_id,
        branch_id=locked.branch_id,
        task=task,
        answers=check.answers,
        abnormal=check.abnormal,
        submitted_at=submitted_at,
        received_at=now,
        record=record,
        created_via=actor.label[:64],
    )
    _insert_answers(response, check.answers)
    for line in lines:
        record_services.do_feedback(
            task,
            f"问卷异常答案（{label}）：{line}，请营业部跟进",
            actor=actor,
            record=record,
            announce=False,  # the managers get 问卷异常答案 instead
        )
    before = audit.snapshot(locked, ["status", "answered_at"])
    _mark_answered(locked, now)
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
