"""SMS (短信触达): templates HQ maintains, one row per message sent to a customer, the
receipts providers sent back, and the opt-out list (退订名单)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from huifang.callbacks.models import CallbackTask
from huifang.core.fieldcrypt import BlindIndexField, EncryptedJSONField, EncryptedTextField
from huifang.core.scoping import RestrictedQuerySet
from huifang.customers.models import Customer
from huifang.org.models import Branch


class SmsStatus(models.TextChoices):
    QUEUED = "queued", "排队"
    SENT = "sent", "已发送"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "失败"


class SmsTemplate(models.Model):
    """短信模板: text with ``{变量}``, the signature 【…】, and what each cloud provider
    calls the same template (its template code/id, the order or names of its parameters)."""

    code = models.CharField("模板编号", max_length=32, unique=True)
    name = models.CharField("模板名称", max_length=100)
    text = models.TextField("短信内容")
    signature = models.CharField("签名", max_length=30, help_text="如【某某期货】")
    enabled = models.BooleanField("启用", default=True)
    aliyun_template_code = models.CharField("阿里云模板CODE", max_length=40, blank=True)
    aliyun_params = models.CharField(
        "阿里云模板参数",
        max_length=300,
        blank=True,
        help_text="阿里云模板变量与本系统变量的对应，如 name=客户名称,deadline=回访截止日期",
    )
    tencent_template_id = models.CharField("腾讯云模板ID", max_length=40, blank=True)
    tencent_params = models.CharField(
        "腾讯云模板参数",
        max_length=300,
        blank=True,
        help_text="按腾讯云模板 {1} {2} … 的顺序列出本系统变量，如 客户名称,回访截止日期",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "短信模板"
        verbose_name_plural = "短信模板"
        ordering = ["code"]

    def __str__(self) -> str:
        """The name users know it by, its code after it (selects, messages, audit)."""
        return f"{self.name}（{self.code}）"


class SmsMessage(models.Model):
    """One text to one customer: what was rendered, where it went, and how it fared."""

    scope_field = "branch"

    customer = models.ForeignKey(
        Customer, verbose_name="客户", on_delete=models.PROTECT, related_name="+"
    )
    task = models.ForeignKey(
        CallbackTask,
        verbose_name="回访任务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    branch = models.ForeignKey(
        Branch, verbose_name="部门", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    template = models.ForeignKey(
        SmsTemplate, verbose_name="短信模板", on_delete=models.PROTECT, related_name="messages"
    )
    params = models.JSONField("模板变量", default=dict)
    text = models.TextField("短信内容")
    parts = models.PositiveSmallIntegerField("计费条数", default=1)
    # Encrypted at rest; found by its blind index (opt-out, delivery reports).
    mobile = EncryptedTextField("手机号", max_length=20)
    mobile_bidx = BlindIndexField(source="mobile", db_index=True)
    provider = models.CharField("服务商", max_length=16)
    provider_message_id = models.CharField("服务商流水号", max_length=100, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=SmsStatus.choices, default=SmsStatus.QUEUED
    )
    provider_code = models.CharField("服务商状态码", max_length=60, blank=True)
    provider_text = models.CharField("服务商说明", max_length=300, blank=True)
    day = models.DateField("发送日")  # the Beijing date it was queued: per-day dedupe, quota
    queued_at = models.DateTimeField("排队时间", default=timezone.now)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间", null=True, blank=True)
    forced = models.BooleanField("强制发送", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发送人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "短信"
        verbose_name_plural = "短信记录"
        ordering = ["-queued_at", "-id"]
        constraints = [
            # One message per customer per template per day unless forced, even for two
            # senders pressing the button together.
            models.UniqueConstraint(
                fields=["customer", "template", "day"],
                condition=Q(forced=False),
                name="sms_once_a_day",
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="sms_due"),
            models.Index(fields=["branch", "queued_at"], name="sms_branch_queued"),
            models.Index(fields=["task", "queued_at"], name="sms_task"),
            models.Index(fields=["day"], name="sms_day"),
            models.Index(fields=["provider", "provider_message_id"], name="sms_provider_id"),
        ]

    def __str__(self) -> str:
        return f"短信 #{self.pk}"


class SmsReceipt(models.Model):
    """A delivery report as the provider sent it; ``dedup_key`` makes a repeat a no-op."""

    provider = models.CharField("服务商", max_length=16)
    dedup_key = models.CharField("去重键", max_length=200, unique=True)
    message = models.ForeignKey(
        SmsMessage,
        verbose_name="短信",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="receipts",
    )
    payload = EncryptedJSONField("原始内容")  # the provider's report, with the number
    received_at = models.DateTimeField("接收时间", default=timezone.now)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "短信回执"
        verbose_name_plural = "短信回执"
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return self.dedup_key


class SmsOptOut(models.Model):
    """退订名单: a mobile number that gets no more texts."""

    mobile = EncryptedTextField("手机号", max_length=20)
    mobile_bidx = BlindIndexField(source="mobile", unique=True)
    reason = models.CharField("原因", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_via = models.CharField("来源", max_length=100, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "退订"
        verbose_name_plural = "退订名单"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.mobile
