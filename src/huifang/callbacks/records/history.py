"""A record's versions as people read them: labels instead of codes, phones and
addresses masked."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from huifang.callbacks.records.choices import Method, RecordStatus
from huifang.callbacks.records.models import CallbackRecord, FailureReason, minutes_seconds
from huifang.core.masking import mask_address, mask_phone

LABELS = {
    "status": "回访状态",
    "failure_reason_id": "失败原因",
    "method": "回访形式",
    "called_at": "回访时间",
    "duration_seconds": "回访时长",
    "channel_source": "渠道来源",
    "mobile_used": "手机号",
    "phone_used": "联系电话",
    "address": "客户联系地址",
    "tags": "客户标签",
    "remark": "备注",
    "appointment_at": "改约时间",
}


def _when(value) -> str:
    parsed = parse_datetime(value) if isinstance(value, str) else value
    if isinstance(parsed, datetime.datetime):
        return f"{timezone.localtime(parsed):%Y-%m-%d %H:%M:%S}"
    return ""


def readable(field: str, value, reasons: dict[int, str]) -> str:
    if value in (None, ""):
        return ""
    if field == "status":
        return str(dict(RecordStatus.choices).get(value, value))
    if field == "method":
        return str(dict(Method.choices).get(value, value))
    if field == "failure_reason_id":
        return reasons.get(value, str(value))
    if field in ("called_at", "appointment_at"):
        return _when(value)
    if field == "duration_seconds" and str(value).isdigit():
        return minutes_seconds(int(value))
    if field in ("mobile_used", "phone_used"):
        return mask_phone(value)
    if field == "address":
        return mask_address(value)
    return str(value)


def _field(version, name: str, label: str, reasons: dict[int, str]) -> dict:
    """One field of a version: its value, and the old one when this version changed it.
    A change whose two sides read the same is none (versions saved before times were
    kept in UTC recorded a Shanghai time and the same time in UTC as a change)."""
    value = readable(name, version.data.get(name), reasons)
    old = readable(name, version.changes[name][0], reasons) if name in version.changes else ""
    changed = name in version.changes and old != value
    return {"label": label, "value": value, "changed": changed, "old": old if changed else ""}


def version_rows(record: CallbackRecord) -> list[dict]:
    """Newest first: version, who, when, why, and each field's readable value, with the
    fields this version changed marked."""
    versions = list(record.versions.select_related("changed_by").order_by("-version"))
    reasons = dict(FailureReason.objects.values_list("pk", "name"))
    rows = []
    for v in versions:
        rows.append(
            {
                "version": v.version,
                "changed_at": v.changed_at,
                "changed_by": v.changed_by,
                "reason": v.reason,
                "fields": [_field(v, name, label, reasons) for name, label in LABELS.items()],
            }
        )
    return rows
