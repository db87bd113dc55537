"""Times written to partners: ISO 8601, Beijing time, whole seconds (partners.times)."""

from __future__ import annotations

import datetime
import json

from huifang.partners.times import PartnerJSONEncoder, partner_time


def test_a_utc_time_is_written_in_beijing_time_without_its_fraction():
    moment = datetime.datetime(2026, 1, 15, 2, 0, 0, 234567, tzinfo=datetime.UTC)
    assert partner_time(moment) == "2026-01-15T10:00:00+08:00"


def test_a_naive_time_is_taken_as_beijing_time():
    assert partner_time(datetime.datetime(2026, 1, 15, 10, 0)) == "2026-01-15T10:00:00+08:00"


def test_the_encoder_writes_times_so_and_dates_as_days():
    moment = datetime.datetime(2026, 1, 15, 2, 0, 0, 500000, tzinfo=datetime.UTC)
    text = json.dumps({"at": moment, "day": datetime.date(2026, 2, 3)}, cls=PartnerJSONEncoder)
    assert json.loads(text) == {"at": "2026-01-15T10:00:00+08:00", "day": "2026-02-03"}
