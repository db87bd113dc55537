"""Enumerations of the callback list. Stored values are short and stable; labels are what
pages, exports and the CLI show."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskStatus(models.TextChoices):
    """处理状态: 未处理 → 处理中 → 已完成 / 无法联系 / 已取消 (``services.TRANSITIONS``)."""

    NEW = "new", _("未处理")
    IN_PROGRESS = "in_progress", _("处理中")
    COMPLETED = "completed", _("已完成")
    UNREACHABLE = "unreachable", _("无法联系")
    CANCELLED = "cancelled", _("已取消")


# An open task absorbs a later batch's reasons; at most one per customer and business type.
OPEN_STATUSES: tuple[str, ...] = (TaskStatus.NEW.value, TaskStatus.IN_PROGRESS.value)


class DeadlineRule(models.TextChoices):
    """How a business type sets the deadline (截止日期) of the tasks a batch creates."""

    TRADING_DAYS = "trading_days", _("批次创建后 N 个交易日")
    BIRTHDAY_MONTH_END = "birthday_month_end", _("年满指定周岁次月月末")


class LinkKind(models.TextChoices):
    """How a batch touched a task."""

    CREATED = "created", _("新建")
    MERGED = "merged", _("合并")


CLOSED_CUSTOMER_REASON = "客户已销户"


class RecordRequirement(models.TextChoices):
    """What a business type may require of the successful record that completes its tasks
    (成功记录必填项); 合规核查 lists completed tasks whose record lacks one."""

    DURATION = "duration", _("回访时长")
    PHONE = "phone", _("联系电话或手机号")
    REMARK = "remark", _("备注")
    RECORDING = "recording", _("录音引用")


class DistributionMode(models.TextChoices):
    """How 自动分配 shares a branch's tasks among its agents (a per-branch setting)."""

    LEAST_LOADED = "least_loaded", _("负载最少优先")
    ROUND_ROBIN = "round_robin", _("轮流分配")
