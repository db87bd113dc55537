"""The demo leaves questionnaire data: a published questionnaire, an app-hall partner,
invitations in every channel, answered ones normal and abnormal — through the services."""

from __future__ import annotations

import datetime

from django.core.management import call_command

from huifang.core.models import AuditEvent
from huifang.partners.models import Partner
from huifang.surveys.models import Invitation, Response


def test_the_demo_creates_questionnaire_data(db, settings, tmp_path, monkeypatch):
    import io

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
    call_command("demo", "--customers", "60", "--year", "2025", stdout=out)
    assert "演示掌厅对接方" in out.getvalue()
    assert Partner.objects.filter(kind="apphall").count() == 1
    channels = set(Invitation.objects.values_list("channel", flat=True))
    assert channels == {"apphall", "h5", "offline"}
    responses = Response.objects.all()
    assert set(responses.values_list("channel", flat=True)) == {"apphall", "h5", "offline"}
    assert any(r.abnormal for r in responses)
    assert any(not r.abnormal for r in responses)
    assert Invitation.objects.exclude(status="answered").exists()  # some still open
    assert AuditEvent.objects.filter(action="response_submit").count() == responses.count()

    call_command("demo", "--customers", "60", "--year", "2025", stdout=io.StringIO())
    assert Response.objects.count() == responses.count()
