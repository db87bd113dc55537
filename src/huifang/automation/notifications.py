"""站内消息: sending, reading and e-mailing notifications.

:func:`notify` inserts messages set-based; a message whose (recipient, kind, dedupe key)
already exists is skipped by the database (the unique constraint), so two workers, two
passes or a signal received twice never send one reminder twice. The rows themselves are
the record of what was sent (who, what, when, read when); each call that makes some is
audited too (生成站内消息提醒: the count per kind and the recipients), whether the
reminders' pass or an event (an assignment, an abnormal answer …) made them.

Reading is not audited, and :func:`mark_read` is no permission-checked ``do_…`` service:
it touches only the person's own rows (the queryset is theirs), changes nothing anyone
else sees and reveals nothing, so an audit row would only bury the log's real events.

E-mail (``settings.NOTIFY_EMAIL``, docs/operators.md) goes out after the commit to the
recipients who have an e-mail address, for every kind of message or only the kinds
``HUIFANG_EMAIL_KINDS`` names; each row is claimed (``emailed_at``) before it is
sent, so no two processes mail it twice. A failure is logged, never raised: the message
is in Huifang whatever the mail server says. Messages carry task numbers, never customer
names or numbers, so a mail leaves no personal data outside.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from huifang.automation.audit_actions import AutomationAction
from huifang.automation.models import Notification, NotificationKind
from huifang.core import audit
from huifang.org.models import Branch, Role, User

log = logging.getLogger(__name__)

LATEST = 8  # messages in the bell's dropdown
EMAIL_WITHIN = datetime.timedelta(days=1)  # older unsent messages are not mailed late
DIGEST_LINES = 30


@dataclass(frozen=True)
class Message:
    """One message to one person; ``key`` names its subject and occurrence."""

    recipient_id: int
    kind: str
    key: str
    title: str
    body: str = ""
    link: str = ""


def notify(messages: Iterable[Message], *, now: datetime.datetime | None = None) -> list[Message]:
    """Send ``messages``; those already sent (same recipient, kind and key) are skipped.
    Returns the new ones. E-mail of them follows the commit when
    ``HUIFANG_EMAIL_NOTIFICATIONS`` is on."""
    now = now or timezone.now()
    wanted = {(m.recipient_id, m.kind, m.key[:200]): m for m in messages}
    if not wanted:
        return []
    existing = set(
        Notification.objects.filter(
            recipient_id__in={k[0] for k in wanted},
            kind__in={k[1] for k in wanted},
            dedupe_key__in={k[2] for k in wanted},
        ).values_list("recipient_id", "kind", "dedupe_key")
    )
    new = [m for k, m in wanted.items() if k not in existing]
    if not new:
        return []
    with transaction.atomic():
        # A process racing with this one may insert the same rows first: the unique
        # constraint keeps one, and the other insert skips it.
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=m.recipient_id,
                    kind=m.kind,
                    dedupe_key=m.key[:200],
                    title=m.title[:200],
                    body=m.body,
                    link=m.link[:500],
                    created_at=now,
                )
                for m in new
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
        _audit(new)
        if email_settings()["NOTIFICATIONS"]:
            transaction.on_commit(lambda: send_emails(now=now))
    return new


def _audit(made: list[Message]) -> None:
    """One audit row for the messages one call made, whatever made them (the reminders'
    pass, an assignment, an abnormal answer, a plan run, a failed intake): the count per
    kind and who got them, under the context's actor (the person, ``job:站内消息`` …)."""
    counts = Counter(m.kind for m in made)
    audit.record(
        AutomationAction.NOTIFY,
        object_type="automation.notification",
        after={
            "count": len(made),
            "kinds": dict(sorted(counts.items())),
            "recipients": sorted(
                User.objects.filter(pk__in={m.recipient_id for m in made}).values_list(
                    "username", flat=True
                )
            ),
        },
        message="生成站内消息 "
        + "，".join(f"{NotificationKind(k).label} {n} 条" for k, n in sorted(counts.items())),
    )


# ---------------------------------------------------------------- recipients


def hq_admins() -> list[int]:
    return list(
        User.objects.filter(is_active=True, role=Role.HQ_ADMIN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def managers_over(branch: Branch) -> list[int]:
    """The active branch managers whose scope holds ``branch`` (theirs or one above it)."""
    parts = [p for p in branch.path.split("/") if p]
    prefixes = ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))]
    return list(
        User.objects.filter(
            is_active=True, role=Role.BRANCH_MANAGER, branch__path__in=prefixes
        ).values_list("pk", flat=True)
    )


# ---------------------------------------------------------------- reading


def for_user(user):
    """Everyone sees only their own messages."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def unread_count(user) -> int:
    return for_user(user).unread().count()


def mark_read(user, ids: Iterable[int] | None = None) -> int:
    """Mark ``user``'s messages ``ids`` read (all unread ones when ``ids`` is None); others'
    ids are ignored. Returns how many changed. Not audited (see the module docstring)."""
    rows = for_user(user).unread()
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())


def mark_all_read(user) -> int:
    return mark_read(user, None)


# ---------------------------------------------------------------- e-mail


def email_settings() -> dict:
    return getattr(settings, "NOTIFY_EMAIL", None) or {"NOTIFICATIONS": False, "DIGEST": False}


def unknown_email_kinds() -> list[str]:
    """The codes in ``HUIFANG_EMAIL_KINDS`` that name no kind of message (a system check)."""
    known = set(NotificationKind.values) - {NotificationKind.DIGEST}
    return [k for k in email_settings().get("KINDS", ()) if k not in known]


def absolute(link: str) -> str:
    base = getattr(settings, "PUBLIC_URL", "")
    return f"{base}{link}" if link.startswith("/") and base else link


def _mail(to: str, subject: str, text: str) -> bool:
    try:
        send_mail(f"【回访】{subject}", text, None, [to])
    except Exception:  # the message stays in Huifang; the mail server is the operator's
        log.exception("站内消息邮件发送失败：%s", to)
        return False
    return True


def send_emails(*, now: datetime.datetime | None = None) -> int:
    """Mail the recent messages not mailed yet (of the kinds ``HUIFANG_EMAIL_KINDS`` names,
    when it names some) to recipients with an address; each row is
    claimed first, so two processes never mail one twice. Returns how many were sent."""
    now = now or timezone.now()
    pending = (
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__gte=now - EMAIL_WITHIN,
            recipient__is_active=True,
        )
        .exclude(recipient__email="")
        .exclude(kind=NotificationKind.DIGEST)
        .select_related("recipient")
        .order_by("pk")
    )
    kinds = email_settings().get("KINDS", ())
    if kinds:  # HUIFANG_EMAIL_KINDS: only those kinds are mailed
        pending = pending.filter(kind__in=kinds)
    sent = 0
    for row in pending:
        if not Notification.objects.filter(pk=row.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        ):
            continue
        text = "\n\n".join(p for p in (row.body, absolute(row.link)) if p)
        sent += _mail(row.recipient.email, row.title, text or row.title)
    return sent


def send_digests(day: datetime.date, *, now: datetime.datetime) -> int:
    """The daily digest: one mail per person with an address and unread messages, listing
    them. The claim is a 每日汇总 row per (person, day) inserted read, so the list shows it
    was sent and a second process finds it taken."""
    unread = (
        Notification.objects.unread()
        .exclude(kind=NotificationKind.DIGEST)
        .filter(recipient__is_active=True)
        .exclude(recipient__email="")
    )
    people = sorted(set(unread.values_list("recipient_id", flat=True)))
    if not people:
        return 0
    key = f"digest:{day:%Y-%m-%d}"
    mine = []
    for pk in people:
        try:
            with transaction.atomic():  # the claim: one 每日汇总 row per (person, day)
                mine.append(
                    Notification.objects.create(
                        recipient_id=pk,
                        kind=NotificationKind.DIGEST,
                        dedupe_key=key,
                        title=f"{day:%Y-%m-%d} 未读消息汇总已发送至邮箱",
                        created_at=now,
                        read_at=now,
                        emailed_at=now,
                    )
                )
        except IntegrityError:
            continue
    sent = 0
    for digest in mine:
        rows = list(unread.filter(recipient_id=digest.recipient_id).order_by("-created_at"))
        lines = [
            f"· {timezone.localtime(r.created_at):%m-%d %H:%M} {r.title}"
            for r in rows[:DIGEST_LINES]
        ]
        if len(rows) > DIGEST_LINES:
            lines.append(f"……共 {len(rows)} 条")
        text = f"您有 {len(rows)} 条未读站内消息：\n\n" + "\n".join(lines)
        to = User.objects.get(pk=digest.recipient_id).email
        sent += _mail(to, f"{day:%Y-%m-%d} 站内消息汇总", text)
    return sent
