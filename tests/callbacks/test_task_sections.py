"""The task page's sections registry (``callbacks.task_sections``): apps to the right of
callbacks add cards to the task page without callbacks importing them."""

from __future__ import annotations

import pytest

from huifang.callbacks import task_sections
from huifang.callbacks.models import CallbackTask
from huifang.customers.customer360 import Section
from tests.callbacks.test_pages import tasks  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(task_sections, "_SECTIONS", {})
    return task_sections


def test_a_registered_section_shows_on_the_task_page_in_order(client_for, tasks, registry):  # noqa: F811
    registry.register_section(
        "late", lambda request, task: Section("后来的卡片", "callbacks/_task_actions.html", {}), 20
    )
    registry.register_section(
        "early", lambda request, task: Section("先来的卡片", "callbacks/_task_actions.html", {}), 10
    )
    task = CallbackTask.objects.get(customer__investor_code="01010001")

    html = client_for("hq_admin").get(f"/callbacks/tasks/{task.pk}/").content.decode()

    assert 0 < html.index("先来的卡片") < html.index("后来的卡片")


def test_a_section_that_returns_none_is_hidden(client_for, tasks, registry):  # noqa: F811
    registry.register_section("hidden", lambda request, task: None)
    task = CallbackTask.objects.get(customer__investor_code="01010001")

    response = client_for("hq_admin").get(f"/callbacks/tasks/{task.pk}/")

    assert response.status_code == 200 and task_sections.sections_for(None, task) == []
