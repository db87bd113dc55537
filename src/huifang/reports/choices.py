"""Enumerations of 管理措施."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MeasureStatus(models.TextChoices):
    """状态: 待执行 → 执行中 → 已完成, or 已取消 from either open state."""

    PENDING = "pending", _("待执行")
    ACTIVE = "active", _("执行中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


OPEN_MEASURE_STATUSES: tuple[str, ...] = (MeasureStatus.PENDING.value, MeasureStatus.ACTIVE.value)

# status → the statuses it may change to.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    MeasureStatus.PENDING: (MeasureStatus.ACTIVE, MeasureStatus.DONE, MeasureStatus.CANCELLED),
    MeasureStatus.ACTIVE: (MeasureStatus.DONE, MeasureStatus.CANCELLED),
    MeasureStatus.DONE: (),
    MeasureStatus.CANCELLED: (),
}

# The measure types (by name) that put a customer on the restriction list while open.
RESTRICTING_TYPES: tuple[str, ...] = ("限制开仓", "限制出金", "重新适当性评估")
