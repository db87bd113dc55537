"""The calendar pages: HQ edits through services with audit rows; others may not."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from huifang.core import calendar
from huifang.core.models import AuditEvent, CalendarHoliday, CalendarYear

D = datetime.date


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    calendar.clear_cache()
    yield
    calendar.clear_cache()


def _add(client, year, day, name):
    return client.post(
        reverse("core:calendar_holiday_add", args=[year]), {"date": day, "name": name}
    )


def test_hq_sees_the_years_and_the_nav_entry(client_for):
    response = client_for("hq_admin").get(reverse("core:calendar"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "交易日历" in body
    assert reverse("core:calendar_year", args=[2026]) in body


def test_year_page_lists_the_holidays(client_for):
    response = client_for("hq_admin").get(reverse("core:calendar_year", args=[2025]))
    assert response.status_code == 200
    assert "2025-01-28" in response.content.decode()


def test_removing_a_holiday_asks_for_confirmation_first(client_for):
    body = client_for("hq_admin").get(reverse("core:calendar_year", args=[2025])).content.decode()
    assert 'data-confirm="删除节假日 2025-01-28' in body


def test_reopening_a_maintained_year_asks_for_confirmation_first(client_for):
    body = client_for("hq_admin").get(reverse("core:calendar_year", args=[2025])).content.decode()
    button = body[body.index('name="complete" value="0"') :]
    button = button[: button.index("</button>")]
    assert 'data-confirm="重新开放 2025 年交易日历的维护？' in button


def test_adding_a_holiday_in_the_page_changes_deadlines_and_is_audited(client_for, personas):
    assert calendar.add_trading_days(D(2025, 3, 7), 1) == D(2025, 3, 10)
    response = _add(client_for("hq_admin"), 2025, "2025-03-10", "临时休市")
    assert response.status_code == 302
    assert calendar.add_trading_days(D(2025, 3, 7), 1) == D(2025, 3, 11)
    event = AuditEvent.objects.get(action="holiday_add")
    assert event.user == personas["hq_admin"]
    assert event.object_type == "core.calendaryear" and event.object_id == "2025"
    assert event.after == {"date": "2025-03-10", "name": "临时休市"}


def test_removing_a_holiday_in_the_page_reopens_the_day_and_is_audited(client_for):
    holiday = CalendarHoliday.objects.get(date=D(2025, 10, 8))
    assert not calendar.is_trading_day(D(2025, 10, 8))
    response = client_for("hq_admin").post(
        reverse("core:calendar_holiday_remove", args=[2025, holiday.pk])
    )
    assert response.status_code == 302
    assert calendar.is_trading_day(D(2025, 10, 8))
    event = AuditEvent.objects.get(action="holiday_remove")
    assert event.before == {"date": "2025-10-08", "name": "国庆节"}


def test_new_year_is_created_open_then_marked_complete(client_for):
    client = client_for("hq_admin")
    assert client.post(reverse("core:calendar_year_create"), {"year": 2027}).status_code == 302
    assert _add(client, 2027, "2027-01-01", "元旦").status_code == 302
    assert _add(client, 2027, "2027-01-04", "临时休市").status_code == 302
    assert calendar.is_trading_day(D(2027, 1, 4))  # still the provisional calendar
    assert calendar.is_provisional(2027)
    response = client.post(reverse("core:calendar_year_complete", args=[2027]), {"complete": "1"})
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).is_complete
    assert calendar.add_trading_days(D(2026, 12, 31), 1) == D(2027, 1, 5)
    actions = list(
        AuditEvent.objects.filter(object_id="2027").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["create", "holiday_add", "holiday_add", "update"]


def test_duplicate_holiday_is_refused_with_a_chinese_message(client_for):
    response = _add(client_for("hq_admin"), 2025, "2025-01-28", "重复")
    assert response.status_code == 400
    assert "2025-01-28 已是节假日（春节）" in response.content.decode()
    assert not AuditEvent.objects.filter(action="holiday_add").exists()


def test_holiday_outside_the_year_is_refused(client_for):
    response = _add(client_for("hq_admin"), 2025, "2026-03-02", "错年")
    assert response.status_code == 400
    assert "日期必须在 2025 年内" in response.content.decode()
    assert not CalendarHoliday.objects.filter(date=D(2026, 3, 2)).exists()


def test_deadline_tryout_shows_the_missing_year_message(client_for):
    response = client_for("hq_admin").get(
        reverse("core:calendar"), {"start": "2101-01-05", "days": "1"}
    )
    assert "2101 年的交易日历尚未维护" in response.content.decode()


def test_deadline_tryout_into_an_unmaintained_year_is_marked_provisional(client_for):
    response = client_for("hq_admin").get(
        reverse("core:calendar"), {"start": "2026-12-30", "days": "5"}
    )
    body = response.content.decode()
    # 2026-12-31, (元旦 01-01 closed), 01-04 … 01-07: the 5th is Thursday 2027-01-07.
    assert "第 5 个交易日：2027-01-07" in body
    assert "暂定" in body[body.index('id="check-result"') :]


def test_agent_gets_403_on_the_pages_and_cannot_edit(client_for):
    client = client_for("agent_a")
    assert client.get(reverse("core:calendar")).status_code == 403
    assert client.get(reverse("core:calendar_year", args=[2025])).status_code == 403
    assert _add(client, 2025, "2025-03-10", "越权").status_code == 403
    assert not CalendarHoliday.objects.filter(date=D(2025, 3, 10)).exists()


def test_auditor_may_view_but_not_edit(client_for):
    client = client_for("auditor")
    assert client.get(reverse("core:calendar_year", args=[2025])).status_code == 200
    assert _add(client, 2025, "2025-03-10", "越权").status_code == 403
    response = client.post(reverse("core:calendar_year_complete", args=[2025]), {"complete": "0"})
    assert response.status_code == 403
    assert CalendarYear.objects.get(year=2025).is_complete


def test_manager_cannot_remove_a_holiday(client_for):
    holiday = CalendarHoliday.objects.get(date=D(2025, 10, 8))
    response = client_for("manager_a").post(
        reverse("core:calendar_holiday_remove", args=[2025, holiday.pk])
    )
    assert response.status_code == 403
    assert CalendarHoliday.objects.filter(pk=holiday.pk).exists()


def test_service_refuses_an_actor_without_permission(personas):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        calendar.do_add_holiday(2025, D(2025, 3, 10), "越权", actor=personas["agent_a"])


def test_index_warns_when_next_year_is_not_maintained(client_for, monkeypatch):
    from huifang.core import calendar_views

    monkeypatch.setattr(calendar_views.timezone, "localdate", lambda: D(2026, 6, 1))
    body = client_for("hq_admin").get(reverse("core:calendar")).content.decode()
    assert "2027 年的交易日历尚未维护完成" in body
    assert body.index(">2026</a>") < body.index(">2004</a>")  # newest year first


def _schedule_upload(rows) -> SimpleUploadedFile:
    text = "\n".join(",".join(row) for row in rows) + "\n"
    return SimpleUploadedFile("2027.csv", text.encode("utf-8-sig"), content_type="text/csv")


def test_an_unmaintained_year_page_shows_the_provisional_holidays(client_for):
    response = client_for("auditor").get(reverse("core:calendar_year", args=[2027]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "2027-02-05" in body[body.index('id="provisional-holidays"') :]
    assert "导入官方节假日安排" not in body  # viewers cannot import
    assert client_for("auditor").get(reverse("core:calendar_year", args=[2101])).status_code == 404


def test_hq_uploads_the_official_schedule_in_the_page(client_for):
    from tests.core.test_calendar_import import schedule_rows

    response = client_for("hq_admin").post(
        reverse("core:calendar_import"), {"year": 2027, "file": _schedule_upload(schedule_rows())}
    )
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).is_complete
    event = AuditEvent.objects.get(action="calendar_import")
    assert event.user.username == "hq_admin" and "2027.csv" in event.message


def test_a_bad_upload_is_refused_with_the_problems_and_writes_nothing(client_for):
    from tests.core.test_calendar_import import schedule_rows

    rows = [*schedule_rows(), ["2027-03-03", "上班", ""]]
    response = client_for("hq_admin").post(
        reverse("core:calendar_import"), {"year": 2027, "file": _schedule_upload(rows)}, follow=True
    )
    assert "调休上班日应为周六或周日" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_a_manager_cannot_import_a_schedule(client_for):
    from tests.core.test_calendar_import import schedule_rows

    response = client_for("manager_a").post(
        reverse("core:calendar_import"), {"year": 2027, "file": _schedule_upload(schedule_rows())}
    )
    assert response.status_code == 403
    assert not CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.parametrize(
    ("url", "label"),
    [
        (reverse("core:calendar"), "节假日安排文件"),
        (reverse("core:calendar_year", args=[2025]), "日期"),
    ],
)
def test_calendar_form_labels_are_styled_and_have_no_english_colon(client_for, url, label):
    body = client_for("hq_admin").get(url).content.decode()
    labels = re.findall(r'<label class="form-label"[^>]*>([^<]*)</label>', body)
    assert label in labels
    assert not [text for text in re.findall(r"<label[^>]*>([^<]*)</label>", body) if ":" in text]
