"""Machine partners (对接方), the event ids they sent (idempotency) and what Huifang sends
them (deliveries, with one row per attempt)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from huifang.core.actors import Actor
from huifang.core.fieldcrypt import EncryptedJSONField
from huifang.core.prepared import Insert, Prepared
from huifang.core.scoping import RestrictedQuerySet
from huifang.partners import crypto


class PartnerKind(models.TextChoices):
    APPHALL = "apphall", "掌厅"
    CALLCENTER = "callcenter", "外呼平台"
    SMS = "sms", "短信网关"


class Partner(models.Model):
    """A machine that calls the partner API and may receive Huifang's signed POSTs.

    The secret is stored encrypted (:mod:`huifang.partners.crypto`); its clear text is
    shown once, when it is created or reset, and only the signing module reads it."""

    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField("类型", max_length=16, choices=PartnerKind.choices)
    key = models.CharField("Key", max_length=64, unique=True, editable=False)
    secret_encrypted = models.TextField(editable=False)
    url = models.URLField("推送地址", max_length=500, blank=True)
    is_enabled = models.BooleanField("启用", default=True)
    last_request_at = models.DateTimeField("最近请求时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "对接方"
        verbose_name_plural = "对接方"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def actor(self, ip: str | None = None) -> Actor:
        return Actor.partner(self.name, ip=ip)

    def set_secret(self, secret: str) -> None:
        self.secret_encrypted = crypto.encrypt(secret)


class PartnerEvent(models.Model):
    """An id a partner sent (``submission_id``, ``event_id``) within a scope, with the
    first answer given to it: the same id again gets that answer and writes nothing."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="events")
    scope = models.CharField("范围", max_length=64)
    event_id = models.CharField("事件ID", max_length=200)
    status = models.PositiveSmallIntegerField("HTTP 状态", null=True)
    body = models.JSONField("应答", null=True)
    created_at = models.DateTimeField("接收时间", default=timezone.now)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "对接方事件"
        verbose_name_plural = "对接方事件"
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "scope", "event_id"], name="partners_event_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.event_id}"


# Every partner request reads these (signing.verify, idempotency.once): compiled once.
EVENT_INSERT = Insert(PartnerEvent)
PARTNER_BY_KEY = Prepared(lambda key: Partner.objects.filter(key=key)[:1], str)
EVENT_ANSWER = Prepared(
    lambda partner, scope, event_id: PartnerEvent.objects.filter(
        partner_id=partner, scope=scope, event_id=event_id
    ).values_list("body")[:1],
    int,
    str,
    str,
)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "失败"


class Delivery(models.Model):
    """One signed JSON POST to a partner's URL, retried with backoff until 已送达 or 失败."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="deliveries")
    topic = models.CharField("类型", max_length=64)
    ref = models.CharField("业务编号", max_length=100, blank=True, db_index=True)
    event_id = models.CharField("事件ID", max_length=32, unique=True)
    # Call lists carry full phone numbers: encrypted at rest (core.fieldcrypt).
    payload = EncryptedJSONField("内容")
    status = models.CharField(
        "状态", max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "推送"
        verbose_name_plural = "推送"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="partners_due")]

    def __str__(self) -> str:
        return f"{self.topic} {self.ref}".strip()


class DeliveryAttempt(models.Model):
    """One POST of a delivery: when, the HTTP status (none for a network error), the
    error and how long it took."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField("时间", default=timezone.now)
    http_status = models.PositiveSmallIntegerField("HTTP 状态", null=True, blank=True)
    error = models.CharField("错误", max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "推送记录"
        verbose_name_plural = "推送记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.at:%Y-%m-%d %H:%M:%S}"
