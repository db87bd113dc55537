"""The task list's 分配时间 filter (page, API and export alike): a from–to range of Beijing
date-times; one moment at both ends is one assignment's tasks."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from huifang.callbacks.models import CallbackTask
from tests.surveys.invites import make_task

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
LIST = "/callbacks/tasks/"


def at(hour: int, minute: int = 0, second: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 1, 5, hour, minute, second, tzinfo=BEIJING)


@pytest.fixture
def assigned(branches, personas):
    """Two tasks assigned at 09:00:00, one at 09:00:01 and one at 14:30 (Beijing)."""
    moments = [at(9), at(9), at(9, 0, 1), at(14, 30)]
    tasks = [make_task(branches["a1"], assignee=personas["agent_a"]) for _ in moments]
    for task, moment in zip(tasks, moments, strict=True):
        CallbackTask.objects.filter(pk=task.pk).update(assigned_at=moment)
    return tasks


def listed(response) -> set[int]:
    return {row.record.pk for row in response.context["table"].rows}


def test_one_moment_at_both_ends_lists_that_assignments_tasks(assigned, client_for):
    moment = {"assigned_after": "2026-01-05T09:00:00", "assigned_before": "2026-01-05T09:00:00"}
    response = client_for("manager_a").get(LIST, moment)
    assert listed(response) == {assigned[0].pk, assigned[1].pk}


def test_a_range_to_the_minute_includes_both_ends(assigned, client_for):
    span = {"assigned_after": "2026-01-05T09:00", "assigned_before": "2026-01-05T14:30"}
    response = client_for("manager_a").get(LIST, span)
    assert listed(response) == {t.pk for t in assigned}


def test_the_api_filters_by_assignment_time_as_the_page(assigned, api_for):
    response = api_for("manager_a").get(
        "/api/v1/callback-tasks/", {"assigned_after": "2026-01-05T09:00:01"}
    )
    assert {row["id"] for row in response.json()["results"]} == {
        assigned[2].pk,
        assigned[3].pk,
    }


def test_a_bad_assignment_time_is_a_chinese_form_error(assigned, client_for):
    response = client_for("manager_a").get(LIST, {"assigned_after": "昨天"})
    assert response.status_code == 200
    assert "输入一个有效的日期/时间" in response.content.decode()
