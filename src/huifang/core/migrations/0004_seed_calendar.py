"""Seed the trading-day calendar for every year chinesecalendar knows (2004–2026 today).

Self-contained on purpose (historical models, no import of huifang.core.calendar), so the
migration keeps doing what it did when the service code changes later. Years already in
the database are left as they are.
"""

import datetime

from django.db import migrations

# Weekdays the exchanges closed although they were official working days (a copy of
# huifang.core.calendar.EXCHANGE_CLOSURES as of this migration).
EXCHANGE_CLOSURES = {datetime.date(2024, 2, 9): "春节"}


def seed(apps, schema_editor):
    from chinese_calendar.constants import Holiday, holidays

    CalendarYear = apps.get_model("core", "CalendarYear")
    CalendarHoliday = apps.get_model("core", "CalendarHoliday")
    AuditEvent = apps.get_model("core", "AuditEvent")
    chinese = {item.value: item.chinese for item in Holiday}
    known_years = {day.year for day in holidays}
    closed = {day: chinese.get(name, name) for day, name in holidays.items()}
    closed.update({d: n for d, n in EXCHANGE_CLOSURES.items() if d.year in known_years})
    existing = set(CalendarYear.objects.values_list("year", flat=True))
    years = sorted(known_years - existing)
    if not years:
        return
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=y, is_complete=True, source="chinesecalendar") for y in years]
    )
    CalendarHoliday.objects.bulk_create(
        [
            CalendarHoliday(calendar_year_id=day.year, date=day, name=name)
            for day, name in sorted(closed.items())
            if day.year in years
        ]
    )
    AuditEvent.objects.create(
        actor_label="migration",
        action="seed",
        object_type="core.calendaryear",
        object_repr=f"交易日历 {years[0]}–{years[-1]}",
        after={"years": years},
        message=f"从 chinesecalendar 导入 {len(years)} 年交易日历",
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0003_calendar")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
