"""How Huifang writes a time to a partner, in its answers and in what it POSTs: ISO 8601
in Beijing time with its offset, whole seconds (``2026-01-15T10:00:00+08:00``), so the
same moment reads the same whichever way it reaches the partner."""

from __future__ import annotations

import datetime
import zoneinfo

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")


def partner_time(moment: datetime.datetime) -> str:
    """``moment`` as partners read it (a naive one is taken as Beijing time)."""
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=BEIJING)
    return moment.astimezone(BEIJING).isoformat(timespec="seconds")


class PartnerJSONEncoder(DjangoJSONEncoder):
    """Django's encoder, with times written by :func:`partner_time`."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            return partner_time(o)
        return super().default(o)
