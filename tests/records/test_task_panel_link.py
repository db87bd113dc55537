"""The 回访任务 panel on 登记回访记录 and a task's record page leads back to the task (its
short messages, questionnaires, history): the pages offered only 客户全景 and ← 返回."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize("page", ["records:task_records", "records:record_create"])
def test_the_task_panel_links_to_the_task(task, client_for, page):
    html = client_for("agent_a").get(reverse(page, args=[task.pk])).content.decode()
    task_url = reverse("callbacks:task_detail", args=[task.pk])
    assert f'<a href="{task_url}" data-testid="task-link">回访任务 #{task.pk}</a>' in html
