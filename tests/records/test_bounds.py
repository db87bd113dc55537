"""Length and date bounds of a record (issue 19, found when probed: a 9 MB remark and a
record dated year 0001 were accepted through the API)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from huifang.callbacks.records import services
from huifang.callbacks.records.models import CallbackRecord
from tests.records.test_api import URL, payload


@pytest.fixture
def agent_api(personas):
    client = APIClient()
    client.force_authenticate(personas["agent_a"])
    return client


def test_a_9_mb_remark_through_the_api_is_400_in_chinese(task, agent_api):
    body = json.dumps(payload(task, remark="备" * ((9 << 20) // 3)), ensure_ascii=False)
    response = agent_api.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"]["remark"] == ["备注不能超过 2000 字"]
    assert CallbackRecord.objects.count() == 0


def test_a_call_in_year_0001_through_the_api_is_400_in_chinese(task, agent_api):
    called = "0001-01-01T10:00:00+08:00"
    response = agent_api.post(URL, payload(task, called_at=called), format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["called_at"] == ["回访时间不能早于 2000-01-01"]
    assert CallbackRecord.objects.count() == 0


def test_an_overlong_feedback_through_the_api_is_400(task, agent_api):
    response = agent_api.post(URL, payload(task, feedback="x" * 2001), format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["feedback"] == ["反馈内容不能超过 2000 字"]


def test_the_service_takes_a_remark_of_2000_characters_and_refuses_2001(content):
    assert len(services.clean_content(content(remark="好" * 2000))["remark"]) == 2000
    with pytest.raises(ValidationError) as refused:
        services.clean_content(content(remark="好" * 2001))
    assert refused.value.message_dict["remark"] == ["备注不能超过 2000 字（现有 2001 字）"]


def test_the_service_refuses_a_call_before_2000(content):
    early = timezone.make_aware(datetime.datetime(1999, 12, 31, 23, 59))
    with pytest.raises(ValidationError) as refused:
        services.clean_content(content(called_at=early))
    assert refused.value.message_dict["called_at"] == ["回访时间不能早于 2000-01-01"]


def test_the_service_refuses_an_appointment_more_than_a_year_after_the_call(db, content, reason):
    called = timezone.now() - datetime.timedelta(hours=1)
    data = content(
        status="failure",
        failure_reason=reason("客户要求改约"),
        called_at=called,
        appointment_at=called + datetime.timedelta(days=400),
    )
    with pytest.raises(ValidationError) as refused:
        services.clean_content(data)
    assert refused.value.message_dict["appointment_at"] == ["约定的回访时间不能晚于本次回访后一年"]
