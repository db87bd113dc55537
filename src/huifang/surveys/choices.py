"""Enumerations of the questionnaires. Stored values are short and stable; labels are what
pages, exports and the CLI show."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionStatus(models.TextChoices):
    """A questionnaire version is a draft (editable, at most one) until it is published
    (frozen for ever, numbered 1, 2, 3 …)."""

    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class Channel(models.TextChoices):
    """How an invitation reaches the customer and how the answers come back."""

    APPHALL = "apphall", _("掌厅")
    H5 = "h5", _("H5")
    OFFLINE = "offline", _("线下")


class InvitationStatus(models.TextChoices):
    """An invitation's life. Stored; due ones are set 已过期 set-based before sending and
    reading (``surveys.sending.expire_due``). An invitation past ``expires_at`` never takes
    answers whatever its stored status."""

    PENDING = "pending", _("待下发")
    SENT = "sent", _("已下发")
    DELIVERED = "delivered", _("已送达")
    OPENED = "opened", _("已打开")
    ANSWERED = "answered", _("已作答")
    EXPIRED = "expired", _("已过期")


# Open: may still be answered (if not past expires_at). One open invitation per task and
# channel (a partial unique index).
OPEN_INVITATION_STATUSES = (
    InvitationStatus.PENDING,
    InvitationStatus.SENT,
    InvitationStatus.DELIVERED,
    InvitationStatus.OPENED,
)
