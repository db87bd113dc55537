"""显示号码: what the task page and the record form show of the customer's numbers, and the
rate limit on revealing them (the reveal itself is ``services.do_reveal_numbers``).

The limit counts each agent's reveals over a sliding hour in Django's cache, through DRF's
throttle (django-ratelimit refuses the file cache, which is the default here). On the
file cache two reveals at the same instant may count as one: the limit is a brake on
harvesting numbers, not an exact quota.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from huifang.callbacks import services
from huifang.callbacks.models import CallbackTask
from huifang.core.masking import mask_phone


@dataclass(frozen=True)
class Number:
    label: str
    value: str
    tel: str = ""  # the tel: link's target, only once revealed


def shown(task: CallbackTask, revealed: dict[str, str] | None = None) -> list[Number]:
    """The customer's mobile and phone: masked, or in full with a tel: link."""
    customer = task.customer
    rows = [("手机号", "mobile", customer.mobile), ("联系电话", "phone", customer.phone)]
    if revealed is None:
        return [Number(label, mask_phone(value)) for label, _, value in rows]
    return [
        Number(label, revealed[key], re.sub(r"[^\d+]", "", revealed[key])) for label, key, _ in rows
    ]


def context(user, task: CallbackTask) -> dict:
    """Template context of ``callbacks/_task_numbers.html`` before any reveal."""
    return {
        "task_numbers": shown(task),
        "can_reveal_numbers": services.may_reveal_numbers(user, task),
        "numbers_revealed": False,
    }


class RevealThrottle(SimpleRateThrottle):
    """At most ``settings.TASK_REVEALS_PER_HOUR`` reveals per agent in any hour."""

    scope = "task_numbers"

    def get_rate(self) -> str:
        return f"{settings.TASK_REVEALS_PER_HOUR}/hour"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}

    def message(self) -> str:
        minutes = max(1, math.ceil((self.wait() or 0) / 60))
        return f"查看号码过于频繁：每小时最多 {self.num_requests} 次，请 {minutes} 分钟后再试。"
