"""Invitations (问卷下发) and responses (问卷结果).

An :class:`Invitation` asks one task's customer to answer one published questionnaire
version through one channel (掌厅, H5, 线下); at most one is open per task and channel (a
partial unique index, so two senders racing create one). A :class:`Response` is the one
submission an invitation takes (a one-to-one), written with its callback record by
``surveys.writeback.do_submit_response``; its answers are also kept one row per answered
option (or text) in :class:`ResponseAnswer`, so per-question distributions are GROUP BY
queries.
"""

from __future__ import annotations

import base64
import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huifang.callbacks.models import BusinessType, CallbackTask
from huifang.callbacks.records.models import CallbackRecord
from huifang.core.fields import user_reference
from huifang.core.scoping import RestrictedQuerySet
from huifang.customers.models import Customer
from huifang.org.models import Branch
from huifang.surveys.choices import OPEN_INVITATION_STATUSES, Channel, InvitationStatus
from huifang.surveys.models.questionnaires import QuestionnaireVersion

# An open H5 invitation not yet opened: its link works, the customer has not opened it.
H5_READY = "链接可用（待客户打开）"


def new_code() -> str:
    """The invitation's public id (API paths): ``INV`` + 16 random upper-case letters and
    digits (A–Z, 2–7: 80 random bits in base32)."""
    return "INV" + base64.b32encode(secrets.token_bytes(10)).decode()


def new_token() -> str:
    """The H5 link's token (``/q/<token>``): 32 URL-safe characters, unguessable."""
    return secrets.token_urlsafe(24)


class InvitationQuerySet(RestrictedQuerySet):
    def open(self) -> InvitationQuerySet:
        """Still answerable: an open status and not past ``expires_at``."""
        return self.filter(status__in=OPEN_INVITATION_STATUSES, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """One questionnaire invitation of one task through one channel."""

    scope_field = "branch"

    code = models.CharField(_("邀请编号"), max_length=24, unique=True, default=new_code)
    token = models.CharField(_("H5 链接令牌"), max_length=64, unique=True, default=new_token)
    task = models.ForeignKey(
        CallbackTask,
        verbose_name=_("回访任务"),
        on_delete=models.PROTECT,
        related_name="invitations",
        db_index=False,  # the (task, channel) indexes serve
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # (customer, channel, status) below serves
    )
    # Denormalised from the task (never changes): scoping and the branch filter read it.
    branch = models.ForeignKey(
        Branch, verbose_name=_("营业部"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    business_type = models.ForeignKey(
        BusinessType,
        verbose_name=_("回访业务类型"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    version = models.ForeignKey(
        QuestionnaireVersion,
        verbose_name=_("问卷版本"),
        on_delete=models.PROTECT,
        related_name="invitations",
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=InvitationStatus.choices,
        default=InvitationStatus.PENDING,
    )
    expires_at = models.DateTimeField(_("有效期至"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = user_reference(_("创建人"), db_index=False)
    created_via = models.CharField(_("创建来源"), max_length=64, blank=True, default="")
    sent_at = models.DateTimeField(_("下发时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    opened_at = models.DateTimeField(_("打开时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("作答时间"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("问卷邀请")
        verbose_name_plural = _("问卷邀请")
        ordering = ["-created_at", "-id"]
        permissions = [("send_invitation", "可下发问卷")]
        constraints = [
            # One OPEN invitation per task and channel: repeating an invite creates nothing,
            # even when two senders race (SQLite and PostgreSQL partial unique index).
            models.UniqueConstraint(
                fields=["task", "channel"],
                condition=Q(status__in=OPEN_INVITATION_STATUSES),
                name="invitation_one_open",
            ),
        ]
        indexes = [
            models.Index(fields=["task", "channel"], name="invitation_task_channel"),
            models.Index(fields=["customer", "channel", "status"], name="invitation_customer"),
            models.Index(fields=["branch", "created_at"], name="invitation_branch_created"),
            models.Index(fields=["status", "expires_at"], name="invitation_status_expires"),
            models.Index(fields=["version", "branch"], name="invitation_version_branch"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_expired(self) -> bool:
        """Past its expiry (whatever the stored status says) or stored 已过期."""
        return self.status == InvitationStatus.EXPIRED or (
            self.status != InvitationStatus.ANSWERED and self.expires_at <= timezone.now()
        )

    @property
    def is_answered(self) -> bool:
        return self.status == InvitationStatus.ANSWERED

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_INVITATION_STATUSES and not self.is_expired

    @property
    def shown_status(self) -> str:
        """The status as pages and the API show it: 已过期 once past its expiry (whatever is
        stored); an H5 invitation nobody has opened yet is 链接可用（待客户打开）, not 待下发,
        since no partner sends an H5 link: it is usable as soon as it exists."""
        if self.is_expired and not self.is_answered:
            return str(InvitationStatus.EXPIRED.label)
        if self.channel == Channel.H5 and self.status == InvitationStatus.PENDING:
            return H5_READY
        return str(self.get_status_display())

    @property
    def h5_path(self) -> str:
        from django.urls import reverse

        return reverse("survey_h5", args=[self.token])


class Response(models.Model):
    """问卷结果: the one submission of an invitation, with the callback record it wrote."""

    scope_field = "branch"

    invitation = models.OneToOneField(
        Invitation, verbose_name=_("问卷邀请"), on_delete=models.PROTECT, related_name="response"
    )
    # The partner's id (app hall), or one generated here (H5, offline).
    submission_id = models.CharField(_("提交编号"), max_length=64, db_index=True)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    version = models.ForeignKey(
        QuestionnaireVersion,
        verbose_name=_("问卷版本"),
        on_delete=models.PROTECT,
        related_name="responses",
        db_index=False,  # (version, branch) below serves
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.PROTECT, related_name="+"
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("营业部"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    task = models.ForeignKey(
        CallbackTask,
        verbose_name=_("回访任务"),
        on_delete=models.PROTECT,
        related_name="survey_responses",
    )
    # As surveys.content.check_answers normalises them, in questionnaire order:
    # [{"question", "options": [ids]} | {"question", "text"}, each with "note" if given].
    answers = models.JSONField(_("答案"), default=list)
    abnormal = models.JSONField(_("异常题目"), default=list, blank=True)  # [question ids]
    submitted_at = models.DateTimeField(_("提交时间"))
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)
    record = models.OneToOneField(
        CallbackRecord,
        verbose_name=_("回访记录"),
        on_delete=models.PROTECT,
        related_name="survey_response",
    )
    created_via = models.CharField(_("登记来源"), max_length=64, blank=True, default="")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("问卷结果")
        verbose_name_plural = _("问卷结果")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["version", "branch"], name="response_version_branch"),
            models.Index(fields=["branch", "received_at"], name="response_branch_received"),
        ]

    def __str__(self) -> str:
        return f"问卷结果 #{self.pk}"

    @property
    def is_abnormal(self) -> bool:
        return bool(self.abnormal)


class ResponseAnswer(models.Model):
    """One answered option (or one text/date answer, ``option`` empty) of a response."""

    scope_field = "response__branch"

    response = models.ForeignKey(
        Response, verbose_name=_("问卷结果"), on_delete=models.PROTECT, related_name="rows"
    )
    version = models.ForeignKey(
        QuestionnaireVersion,
        verbose_name=_("问卷版本"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # (version, question, option) below serves
    )
    question = models.CharField(_("题目"), max_length=64)
    option = models.CharField(_("选项"), max_length=64, blank=True, default="")
    text = models.TextField(_("文字答案"), blank=True, default="")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("问卷答案")
        verbose_name_plural = _("问卷答案")
        ordering = ["response", "id"]
        indexes = [
            models.Index(fields=["version", "question", "option"], name="answer_distribution"),
        ]

    def __str__(self) -> str:
        return f"{self.question}={self.option or self.text[:20]}"
