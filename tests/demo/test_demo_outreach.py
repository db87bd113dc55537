"""The demo leaves SMS messages, outbound calls (with the records they wrote) and
management measures — through the services, once."""

from __future__ import annotations

import datetime
import io

from django.core.management import call_command

from huifang.callbacks.records.models import CallbackRecord
from huifang.channels.calls.models import CallAttempt
from huifang.channels.sms.models import SmsMessage
from huifang.reports.models import Measure


def test_the_demo_creates_texts_calls_and_measures(db, settings, tmp_path, monkeypatch):
    from django.utils import timezone

    real = timezone.localdate
    monkeypatch.setattr(  # a batch day whose deadline stays inside the seeded calendar
        "django.utils.timezone.localdate",
        lambda value=None, timezone=None: (
            datetime.date(2026, 3, 2) if value is None else real(value, timezone)
        ),
    )
    settings.DATA_DIR = tmp_path
    out = io.StringIO()
    call_command("demo", "--customers", "200", "--year", "2025", stdout=out)
    assert "演示外呼" in out.getvalue() and "演示短信" in out.getvalue()
    assert SmsMessage.objects.exists()
    assert CallAttempt.objects.filter(result="connected").exists()
    assert CallbackRecord.objects.filter(method="outbound", status="success").exists()
    assert Measure.objects.exists()
    counts = (SmsMessage.objects.count(), CallAttempt.objects.count(), Measure.objects.count())

    call_command("demo", "--customers", "200", "--year", "2025", stdout=io.StringIO())
    again = (SmsMessage.objects.count(), CallAttempt.objects.count(), Measure.objects.count())
    assert again == counts
