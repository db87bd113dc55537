"""显示号码: the agent assigned to an open task reads its customer's numbers in full to
dial them — audited per reveal, rate-limited — without the general reveal permission;
nobody else can."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from huifang.callbacks.numbers import RevealThrottle
from huifang.core.models import AuditEvent

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _fresh_counts():
    """Reveal counts live in the (process-wide) test cache: start and end clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def assigned(task, personas):
    task.assignee = personas["agent_a"]
    task.save(update_fields=["assignee"])
    return task


def reveal(client, task, **extra):
    return client.post(reverse("callbacks:task_numbers", args=[task.pk]), **HTMX, **extra)


def reveals():
    return AuditEvent.objects.filter(action="reveal")


@pytest.mark.parametrize("url", ["callbacks:task_detail", "records:record_create"])
def test_assigned_agent_sees_the_button_beside_the_masked_numbers(assigned, client_for, url):
    html = client_for("agent_a").get(reverse(url, args=[assigned.pk])).content.decode()
    assert 'id="reveal-numbers"' in html and "显示号码" in html
    assert "138****5678" in html and "13812345678" not in html


def test_reveal_shows_the_full_numbers_as_tel_links_and_is_audited(assigned, client_for, personas):
    response = reveal(client_for("agent_a"), assigned)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="tel:13812345678"' in html and 'href="tel:01088886666"' in html
    assert "010-88886666" in html
    event = reveals().get()
    assert event.user == personas["agent_a"]
    assert event.object_type == "customers.customer"
    assert event.object_id == str(assigned.customer_id)
    assert f"回访任务 #{assigned.pk}" in event.message


def test_every_reveal_is_audited(assigned, client_for):
    client = client_for("agent_a")
    for _ in range(3):
        assert reveal(client, assigned).status_code == 200
    assert reveals().count() == 3


def test_reveal_does_not_give_the_agent_the_general_permission(assigned, client_for, personas):
    client = client_for("agent_a")
    reveal(client, assigned)
    assert not personas["agent_a"].has_perm("customers.reveal_sensitive")
    customer_page = reverse("customers:customer_detail", args=[assigned.customer.investor_code])
    assert client.post(customer_page).status_code == 403


def test_another_agent_of_the_branch_has_no_button_and_gets_403(assigned, client, colleague):
    client.force_login(colleague)
    html = client.get(reverse("callbacks:task_detail", args=[assigned.pk])).content.decode()
    assert "138****5678" in html and 'id="reveal-numbers"' not in html
    assert reveal(client, assigned).status_code == 403
    assert not reveals().exists()


def test_another_agent_of_the_branch_gets_no_record_form(assigned, client, colleague):
    """The form itself is the assigned agent's (docs/users.md: 处理分配给自己的任务)."""
    client.force_login(colleague)
    page = client.get(reverse("records:record_create", args=[assigned.pk]))
    assert page.status_code == 403
    assert "该任务已分配给agent_a" in page.content.decode()


def test_a_manager_with_the_general_permission_gets_403_here(assigned, client_for):
    client = client_for("manager_a")
    html = client.get(reverse("callbacks:task_detail", args=[assigned.pk])).content.decode()
    assert 'id="reveal-numbers"' not in html
    assert reveal(client, assigned).status_code == 403
    assert not reveals().exists()


def test_an_unassigned_task_cannot_be_revealed(make_task, client_for):
    task = make_task("a1", assignee=None)
    assert reveal(client_for("agent_a"), task).status_code == 403
    assert not reveals().exists()


def test_a_closed_task_cannot_be_revealed(assigned, client_for):
    assigned.status = "completed"
    assigned.save(update_fields=["status"])
    client = client_for("agent_a")
    html = client.get(reverse("callbacks:task_detail", args=[assigned.pk])).content.decode()
    assert 'id="reveal-numbers"' not in html
    assert reveal(client, assigned).status_code == 403
    assert not reveals().exists()


def test_a_task_out_of_scope_is_404(make_task, personas, client_for):
    other = make_task("b1")
    other.assignee = personas["agent_a"]  # a stale assignment after a move
    other.save(update_fields=["assignee"])
    assert reveal(client_for("agent_a"), other).status_code == 404
    assert not reveals().exists()


def test_reveal_is_refused_with_a_chinese_message_past_the_hourly_limit(
    assigned, client_for, settings, monkeypatch
):
    settings.TASK_REVEALS_PER_HOUR = 2
    clock = [1_800_000_000.0]
    monkeypatch.setattr(RevealThrottle, "timer", lambda self: clock[0])
    client = client_for("agent_a")
    assert [reveal(client, assigned).status_code for _ in range(2)] == [200, 200]
    refused = reveal(client, assigned)
    html = refused.content.decode()
    assert refused.status_code == 429
    assert "查看号码过于频繁：每小时最多 2 次，请 60 分钟后再试" in html
    assert "13812345678" not in html
    assert reveals().count() == 2
    clock[0] += 3600
    assert reveal(client, assigned).status_code == 200
    assert reveals().count() == 3


def test_the_limit_counts_per_agent(make_task, assigned, client, personas, colleague, settings):
    settings.TASK_REVEALS_PER_HOUR = 1
    theirs = make_task("a1")
    theirs.assignee = colleague
    theirs.save(update_fields=["assignee"])
    client.force_login(personas["agent_a"])
    assert [reveal(client, assigned).status_code for _ in range(2)] == [200, 429]
    client.force_login(colleague)
    assert reveal(client, theirs).status_code == 200


def test_without_htmx_the_numbers_come_on_a_page_of_their_own(assigned, client_for):
    response = client_for("agent_a").post(reverse("callbacks:task_numbers", args=[assigned.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="tel:13812345678"' in html and "返回任务" in html


def test_reveal_answers_get_with_405(assigned, client_for):
    url = reverse("callbacks:task_numbers", args=[assigned.pk])
    assert client_for("agent_a").get(url).status_code == 405
    assert not reveals().exists()
