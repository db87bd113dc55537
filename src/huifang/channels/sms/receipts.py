"""Delivery reports in each provider's format, read into :class:`services.Report`.

Alibaba Cloud's HTTP batch push and Tencent Cloud's callback are JSON arrays that may
repeat (both vendors say so): a report's dedup key is the provider, its id and the number.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from huifang.channels.sms.services import Report


class BadReceipt(ValueError):
    """The body is not the provider's format (the message is Chinese)."""


def _local(text) -> datetime.datetime | None:
    """``"2017-01-01 00:00:00"`` (Beijing time, as both vendors write it) or ISO 8601."""
    if not text:
        return None
    value = parse_datetime(str(text).strip().replace("T", " ", 1))
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value


def _array(body) -> list[dict]:
    if isinstance(body, dict):
        body = [body]
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        raise BadReceipt("回执必须是 JSON 数组")
    if len(body) > 10_000:
        raise BadReceipt("单次回执最多 10000 条")
    return body


def aliyun(body) -> list[Report]:
    """``[{"phone_number", "send_time", "report_time", "success", "err_code", "err_msg",
    "sms_size", "biz_id", "out_id"}]``."""
    reports = []
    for item in _array(body):
        biz_id = str(item.get("biz_id") or "").strip()
        phone = str(item.get("phone_number") or "").strip()
        if not biz_id:
            raise BadReceipt("回执缺少 biz_id")
        success = item.get("success")
        if isinstance(success, str):
            success = success.strip().lower() == "true"
        out_id = str(item.get("out_id") or "")
        reports.append(
            Report(
                dedup_key=f"aliyun:{biz_id}:{phone}",
                provider_message_id=biz_id,
                delivered=bool(success),
                code=str(item.get("err_code") or ""),
                text=str(item.get("err_msg") or ""),
                at=_local(item.get("report_time")),
                payload=item,
                mobile=phone,
                message_id=int(out_id) if out_id.isdigit() else None,
            )
        )
    return reports


def tencent(body) -> list[Report]:
    """``[{"user_receive_time", "nationcode", "mobile", "report_status": "SUCCESS"|"FAIL",
    "errmsg", "description", "sid"}]``."""
    reports = []
    for item in _array(body):
        sid = str(item.get("sid") or "").strip()
        if not sid:
            raise BadReceipt("回执缺少 sid")
        mobile = str(item.get("mobile") or "").strip()
        reports.append(
            Report(
                dedup_key=f"tencent:{sid}:{mobile}",
                provider_message_id=sid,
                delivered=str(item.get("report_status") or "").upper() == "SUCCESS",
                code=str(item.get("errmsg") or ""),
                text=str(item.get("description") or ""),
                at=_local(item.get("user_receive_time")),
                payload=item,
                mobile=mobile,
            )
        )
    return reports
