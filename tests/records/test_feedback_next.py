"""``POST /records/feedback/<pk>/handle/`` follows ``next`` only on this site (issue 19,
found when probed: it redirected to any external ``next``)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from huifang.callbacks.records.models import BranchFeedback
from huifang.callbacks.records.services import do_feedback


@pytest.fixture
def feedback(task, personas) -> BranchFeedback:
    return do_feedback(task, "客户投诉", actor=personas["agent_a"])


def _handle(client, feedback, next_value: str):
    url = reverse("records:feedback_handle", args=[feedback.pk])
    return client.post(url, {"note": "已处理", "next": next_value})


@pytest.mark.parametrize(
    "outside",
    [
        "https://evil.example.com/",
        "//evil.example.com/",
        "/\\evil.example.com/",
        "javascript:alert(1)",
        "http://testserver.evil.example.com/",
    ],
)
def test_an_external_next_is_ignored(client_for, feedback, outside):
    response = _handle(client_for("manager_a"), feedback, outside)
    assert response.status_code == 302
    assert response["Location"] == reverse("records:feedback_list")


def test_a_next_on_this_site_is_followed(client_for, feedback, task):
    back = reverse("records:task_records", args=[task.pk])
    response = _handle(client_for("manager_a"), feedback, back)
    assert response["Location"] == back
