"""录入线下问卷 shows each question at the size of the rest of the form: inside the page
layout the question, a <legend>, took the layout's heading size (about 24 px at 1366)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

SIZES = """() => {
  const q = document.querySelector('#offline-form [data-question]');
  const px = el => parseFloat(getComputedStyle(el).fontSize);
  return [px(q.querySelector('legend')), px(q.querySelector('label'))];
}"""


def test_questions_are_the_size_of_their_answers(demo, demo_login, live_server):
    from huifang.callbacks.models import CallbackTask

    task = CallbackTask.objects.filter(
        assignee__username="010101_agent1", status__in=("new", "in_progress")
    ).first()
    page = demo_login("010101_agent1")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/surveys/offline/{task.pk}/")
    question, answer = page.evaluate(SIZES)
    assert question == answer
