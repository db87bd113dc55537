"""The menu lights one entry: the one whose address is the longest prefix of the page's."""

from __future__ import annotations

import pytest

from huifang.core import navigation

pytestmark = pytest.mark.django_db


def active(user, path: str) -> list[str]:
    return [
        item["label"]
        for group in navigation.for_user(user, path)
        for item in group["items"]
        if item["active"]
    ]


def test_a_page_under_another_entry_lights_only_its_own(personas):
    assert active(personas["hq_admin"], "/callbacks/tasks/distribution/") == ["分配设置"]


def test_a_task_page_lights_the_task_list(personas):
    assert active(personas["hq_admin"], "/callbacks/tasks/12/") == ["回访任务"]


def test_a_screening_page_does_not_light_the_rule_list(personas):
    assert "回访规则管理" not in active(personas["hq_admin"], "/rules/screening/runs/1/")


def test_the_parameter_edit_page_lights_parameter_maintenance(personas):
    """修改参数值 sits under 回访规则管理's /rules/ but is 参数维护's page."""
    assert active(personas["hq_admin"], "/rules/A003/edit/") == ["回访规则参数维护"]
    assert active(personas["hq_admin"], "/rules/A003/") == ["回访规则管理"]


def test_messages_light_no_entry_though_under_the_plans_address(personas):
    """站内消息 (/plans/messages/) is opened from the header; it is no page of 回访计划."""
    assert active(personas["hq_admin"], "/plans/messages/") == []
    assert active(personas["hq_admin"], "/plans/1/") == ["回访计划"]


def test_a_call_push_lights_the_push_list(personas):
    assert active(personas["hq_admin"], "/calls/push/3/") == ["外呼名单"]


def test_an_answer_sheet_lights_the_survey_results(personas):
    assert active(personas["hq_admin"], "/surveys/responses/3/") == ["问卷结果"]


def test_the_page_shows_the_entry_it_belongs_to(client_for):
    """What the user sees: the sidebar's active link on the parameter edit page."""
    text = client_for("hq_admin").get("/rules/A003/edit/").content.decode()
    assert 'class="dropdown-item active" href="/rules/params/">回访规则参数维护</a>' in text
    assert 'class="dropdown-item active" href="/rules/">' not in text
