"""问卷下发: invitations from tasks, their expiry, and what the app hall reports back.

``do_invite`` makes one invitation per open task and channel, set-based (one SELECT of the
candidates that also probes each task's open invitation, then ``executemany`` INSERTs in
chunks), so a 300,000-task batch takes well under a minute on SQLite; repeating it creates
nothing (one open invitation per task and channel is a partial unique index, and the
candidates leave out tasks that have one). New app-hall invitations are queued for every
enabled app-hall partner with a URL (``partners.delivery.do_enqueue``: in the invite's own
transaction up to :data:`INLINE_PUSH`, else by a background job once it commits) and
marked 已下发 when a delivery succeeds (:func:`on_delivery_done`).
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.constants import OnConflict
from django.utils import timezone

from huifang.callbacks.models import CallbackTask
from huifang.callbacks.services import require_own_tasks
from huifang.core import audit
from huifang.core.actors import as_actor
from huifang.core.chunks import in_chunks
from huifang.core.permissions import is_system, require, scoped
from huifang.surveys.audit_actions import SurveyAction
from huifang.surveys.choices import (
    OPEN_INVITATION_STATUSES,
    Channel,
    InvitationStatus,
    VersionStatus,
)
from huifang.surveys.models import Invitation, Questionnaire, QuestionnaireVersion
from huifang.surveys.models.invitations import new_code

SEND = "surveys.send_invitation"
COLUMNS = [
    "code",
    "token",
    "task_id",
    "customer_id",
    "branch_id",
    "business_type_id",
    "channel",
    "version_id",
    "status",
    "expires_at",
    "created_at",
    "created_by_id",
    "created_via",
]
CHUNK = 5000
# Up to this many new app-hall invitations are queued to the partners in the invite's own
# transaction; more are queued by a background job after it commits (queuing a delivery
# costs more than creating the invitation).
INLINE_PUSH = 2000
MAX_EXPIRES_DAYS = 365
EVENT_TYPES = ("delivered", "opened")

# Why a task got no invitation (InviteResult.skipped keys → Chinese, as pages print them).
SKIP_LABELS = {
    "closed": "任务已结束（已完成、无法联系或已取消）",
    "already_invited": "已有未结束的邀请",
    "no_questionnaire": "回访业务类型没有已发布的问卷",
}


@dataclass
class InviteResult:
    created: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    codes: list[str] = field(default_factory=list)  # of the invitations created (≤ 1000 kept)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def summary(self) -> str:
        parts = [f"新建邀请 {self.created} 条"]
        for reason, count in self.skipped.items():
            if count:
                parts.append(f"跳过 {count} 条（{SKIP_LABELS[reason]}）")
        return "，".join(parts)


# -- expiry ---------------------------------------------------------------------------------


def expire_due(queryset: QuerySet | None = None, *, now: datetime.datetime | None = None) -> int:
    """Set open invitations past their expiry to 已过期, set-based (one UPDATE on the
    (status, expires_at) index). Not audited: it records what time did, not a decision."""
    now = now or timezone.now()
    rows = (queryset if queryset is not None else Invitation.objects.all()).filter(
        status__in=OPEN_INVITATION_STATUSES, expires_at__lte=now
    )
    return rows.update(status=InvitationStatus.EXPIRED)


# -- versions -------------------------------------------------------------------------------


def version_for_questionnaire(questionnaire: Questionnaire | str) -> QuestionnaireVersion:
    """The latest published version of ``questionnaire`` (or its code); ValidationError."""
    if isinstance(questionnaire, str):
        found = Questionnaire.objects.filter(code=questionnaire).first()
        if found is None:
            raise ValidationError({"questionnaire": f"问卷 {questionnaire} 不存在"})
        questionnaire = found
    version = questionnaire.latest_published()
    if version is None:
        raise ValidationError({"questionnaire": f"问卷 {questionnaire.code} 还没有发布的版本"})
    return version


def versions_by_business_type() -> dict[int, int]:
    """Business type id → the id of the latest published version of the questionnaire that
    names it (the most recently published one when several do)."""
    rows = (
        QuestionnaireVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .filter(questionnaire__business_types__isnull=False)
        .order_by("published_at", "number", "id")
        .values_list("questionnaire__business_types", "id")
    )
    chosen: dict[int, int] = {}
    for business_type_id, version_id in rows:
        chosen[business_type_id] = version_id  # later (newer) rows win
    return chosen


# -- invite ---------------------------------------------------------------------------------


def _task_queryset(tasks) -> QuerySet:
    if isinstance(tasks, QuerySet):
        return (
            tasks.model.objects.filter(pk__in=tasks.values("pk"))
            if tasks.query.is_sliced
            else tasks
        )
    ids = [t.pk if isinstance(t, CallbackTask) else int(t) for t in tasks]
    if len(ids) <= 900:
        return CallbackTask.objects.filter(pk__in=ids)
    return _ChunkedIds(ids)  # type: ignore[return-value]


class _ChunkedIds:
    """A long id list read in chunks (SQLite's parameter limit)."""

    def __init__(self, ids: list[int]):
        self.ids = ids


def _candidate_rows(tasks, channel: str) -> Iterable[tuple]:
    """(id, customer, branch, business type, open_flag, invited) of the chosen tasks;
    ``invited``: the task already has an open invitation in ``channel`` (one probe of the
    (task, channel) index per task, inside the same statement)."""
    fields = ("id", "customer_id", "branch_id", "business_type_id", "open_flag", "invited")
    invited = Exists(
        Invitation.objects.filter(
            task_id=OuterRef("pk"), channel=channel, status__in=OPEN_INVITATION_STATUSES
        )
    )
    if isinstance(tasks, _ChunkedIds):
        for chunk in in_chunks(tasks.ids):
            yield from (
                CallbackTask.objects.filter(pk__in=chunk)
                .order_by()
                .annotate(invited=invited)
                .values_list(*fields)
            )
        return
    yield from (
        tasks.order_by().annotate(invited=invited).values_list(*fields).iterator(chunk_size=CHUNK)
    )


def _insert(rows: list[tuple]) -> None:
    """INSERT the invitation rows (in :data:`COLUMNS` order), skipping any that hit the
    one-open-per-task-and-channel index (a concurrent invite of the same task): plain
    ``executemany`` — building 300,000 model instances costs more than the inserts."""
    ops = connection.ops
    table = ops.quote_name(Invitation._meta.db_table)
    columns = ", ".join(ops.quote_name(c) for c in COLUMNS)
    marks = ", ".join(["%s"] * len(COLUMNS))
    head = ops.insert_statement(on_conflict=OnConflict.IGNORE)
    tail = ops.on_conflict_suffix_sql(COLUMNS, OnConflict.IGNORE, None, None) or ""
    sql = f"{head} {table} ({columns}) VALUES ({marks}) {tail}".strip()
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _check_scope(tasks, actor) -> None:
    """Refuse when any chosen task lies outside the person's branch scope, or — for an
    agent — is not assigned to them (``callbacks.services.require_own_tasks``)."""
    if is_system(actor):
        return
    visible = scoped(actor, CallbackTask.objects.all(), "change")
    if isinstance(tasks, _ChunkedIds):
        for chunk in in_chunks(tasks.ids):
            if visible.filter(pk__in=chunk).count() != len(set(chunk)):
                raise PermissionDenied("所选任务不在您的权限范围内")
            require_own_tasks(actor, CallbackTask.objects.filter(pk__in=chunk))
        return
    if tasks.exclude(pk__in=visible.values("pk")).exists():
        raise PermissionDenied("所选任务不在您的权限范围内")
    require_own_tasks(actor, tasks)


def do_invite(
    tasks,
    *,
    channel: str,
    questionnaire: Questionnaire | str | None = None,
    expires_days: int = 14,
    actor,
    progress: Callable[[int, int | None, str | None], None] | None = None,
) -> InviteResult:
    """问卷下发 to ``tasks`` (a queryset, or tasks / ids) through ``channel``.

    The version is ``questionnaire``'s latest published one, else per task the latest
    published questionnaire naming the task's business type. Only open tasks; a task that
    already has an open invitation in the channel gets nothing. App-hall invitations are
    queued to the app-hall partners once the transaction commits."""
    actor = as_actor(actor)
    require(actor, SEND, message="您没有下发问卷的权限")
    if channel not in Channel.values:
        raise ValidationError({"channel": "渠道应为 apphall（掌厅）、h5 或 offline（线下）"})
    try:
        expires_days = int(expires_days)
    except (TypeError, ValueError):
        raise ValidationError({"expires_days": "有效天数应为整数"}) from None
    if not 1 <= expires_days <= MAX_EXPIRES_DAYS:
        raise ValidationError({"expires_days": f"有效天数应在 1 到 {MAX_EXPIRES_DAYS} 之间"})
    fixed = version_for_questionnaire(questionnaire) if questionnaire is not None else None
    by_type = {} if fixed is not None else versions_by_business_type()
    tasks = _task_queryset(tasks)
    _check_scope(tasks, actor)

    now = timezone.now()
    # Whole seconds: partners read it so (partners.times), and the time shown is the time kept.
    expires_at = (now + datetime.timedelta(days=expires_days)).replace(microsecond=0)
    result = InviteResult(skipped={reason: 0 for reason in SKIP_LABELS})
    with transaction.atomic():
        expire_due(now=now)
        rows: list[tuple] = []
        seen = 0
        ops = connection.ops
        stamp = ops.adapt_datetimefield_value(now)
        expiry = ops.adapt_datetimefield_value(expires_at)
        user_id = actor.user.pk if actor.user is not None else None
        via = actor.label[:64]
        for task_id, customer_id, branch_id, type_id, is_open, invited in _candidate_rows(
            tasks, channel
        ):
            seen += 1
            if not is_open:
                result.skipped["closed"] += 1
                continue
            if invited:
                result.skipped["already_invited"] += 1
                continue
            version_id = fixed.pk if fixed is not None else by_type.get(type_id)
            if version_id is None:
                result.skipped["no_questionnaire"] += 1
                continue
            rows.append(
                (
                    new_code(),
                    secrets.token_urlsafe(24),
                    task_id,
                    customer_id,
                    branch_id,
                    type_id,
                    channel,
                    version_id,
                    InvitationStatus.PENDING.value,
                    expiry,
                    stamp,
                    user_id,
                    via,
                )
            )
        total = seen
        done = 0
        if progress:
            progress(0, len(rows), "正在创建邀请")
        for chunk in in_chunks(rows, CHUNK):
            _insert(chunk)
            done += len(chunk)
            if progress:
                progress(done, len(rows), f"已创建 {done} / {len(rows)} 条邀请")
        created = Invitation.objects.filter(created_at=now, channel=channel).filter(
            created_via=actor.label[:64]
        )
        result.created = created.count()
        result.skipped["already_invited"] += len(rows) - result.created
        result.codes = list(created.values_list("code", flat=True)[:1000])
        if result.created:
            target = (
                {"obj": fixed}
                if fixed is not None
                else {"object_type": "surveys.invitation", "object_repr": "问卷邀请"}
            )
            audit.record(
                SurveyAction.INVITE,
                **target,
                after={
                    "channel": channel,
                    "created": result.created,
                    "skipped": result.skipped,
                    "tasks": total,
                    "expires_at": expires_at.isoformat(),
                    "version": fixed.pk if fixed is not None else None,
                },
                message=f"下发问卷（{Channel(channel).label}）：{result.summary()}",
                actor=actor,
            )
        if channel == Channel.APPHALL and result.created:
            if result.created <= INLINE_PUSH:
                _enqueue_apphall(created, actor)
            else:  # a big batch: queued by a background job once this commits
                _start_push(now, via, result.created, actor)
    return result


def _start_push(created_at: datetime.datetime, via: str, count: int, actor) -> None:
    from huifang.core.jobs import start_job
    from huifang.surveys import jobs

    start_job(
        jobs.PUSH_KIND,
        f"推送掌厅问卷邀请：{count} 条",
        jobs.PushParams(created_at=created_at.isoformat(), created_via=via),
        user=actor.user,
    )


def apphall_partners() -> list:
    """The enabled app-hall partners with a URL (the ones invitations are pushed to)."""
    from huifang.partners.models import Partner, PartnerKind

    return list(Partner.objects.filter(kind=PartnerKind.APPHALL, is_enabled=True).exclude(url=""))


def _enqueue_apphall(created: QuerySet, actor, partners: list | None = None) -> int:
    """Queue ``invitation.created`` for ``created`` to every enabled app-hall partner with
    a URL; returns how many invitations were queued."""
    from huifang.partners.delivery import do_enqueue

    partners = apphall_partners() if partners is None else partners
    if not partners:
        return 0
    items = [
        (
            code,
            {
                "invitation": code,
                "investor_code": investor_code,
                "title": title,
                "expires_at": expires_at,
            },
        )
        for code, investor_code, title, expires_at in created.order_by("id").values_list(
            "code", "customer__investor_code", "version__title", "expires_at"
        )
    ]
    for partner in partners:
        do_enqueue(partner, "invitation.created", items, actor=actor)
    return len(items)


def on_delivery_done(sender, delivery, ok: bool, **kwargs) -> None:
    """An ``invitation.created`` delivery succeeded: the invitation is 已下发."""
    if not ok or delivery.topic != "invitation.created":
        return
    now = timezone.now()
    Invitation.objects.filter(code=delivery.ref, status=InvitationStatus.PENDING).update(
        status=InvitationStatus.SENT, sent_at=now
    )


# -- events ---------------------------------------------------------------------------------

# The status an event moves an invitation to, from the statuses it may move from.
_EVENT_MOVES = {
    "delivered": (
        InvitationStatus.DELIVERED,
        (InvitationStatus.PENDING, InvitationStatus.SENT),
        "delivered_at",
    ),
    "opened": (
        InvitationStatus.OPENED,
        (InvitationStatus.PENDING, InvitationStatus.SENT, InvitationStatus.DELIVERED),
        "opened_at",
    ),
}


def do_record_event(
    invitation: Invitation, type: str, at: datetime.datetime | None = None, *, actor
) -> Invitation:
    """已送达 / 已打开: note when the customer's app received or opened the invitation. The
    time is kept once (the first report); the status only moves forward, never out of
    已作答 or 已过期."""
    actor = as_actor(actor)
    require(actor, "surveys.change_invitation", invitation, message="您没有修改问卷邀请的权限")
    if type not in _EVENT_MOVES:
        raise ValidationError({"type": "事件类型应为 delivered 或 opened"})
    now = timezone.now()
    at = min(at or now, now)
    target, sources, stamp = _EVENT_MOVES[type]
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        before = audit.snapshot(locked, ["status", stamp])
        changed = []
        if getattr(locked, stamp) is None:
            setattr(locked, stamp, at)
            changed.append(stamp)
        if locked.status in sources and not locked.is_expired:
            locked.status = target
            changed.append("status")
        if type == "opened" and locked.delivered_at is None:
            locked.delivered_at = at
            changed.append("delivered_at")
        if changed:
            locked.save(update_fields=changed)
            audit.record(
                SurveyAction.INVITATION_EVENT,
                locked,
                before=before,
                after=audit.snapshot(locked, ["status", stamp]),
                message=f"问卷邀请{'已送达' if type == 'delivered' else '已打开'}",
                actor=actor,
            )
    invitation.refresh_from_db()
    return invitation
