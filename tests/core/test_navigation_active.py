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
