"""The 问卷 sections of the customer 360 page and the task page, and one response's answers
page: what they list, and that a branch user sees only its own."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.surveys import results_world


@pytest.fixture
def world(branches, published):
    return results_world.build(branches)


def _task_page(client, task):
    return client.get(reverse("callbacks:task_detail", args=[task.pk]))


def test_the_task_page_lists_the_tasks_invitations_and_links_the_response(client_for, world):
    task = world.tasks_a[1]
    page = _task_page(client_for("agent_a"), task)
    assert page.status_code == 200
    html = page.content.decode()
    for invitation in task.invitations.all():
        assert invitation.code in html
    assert reverse("surveys:response_detail", args=[world.abnormal.pk]) in html
    assert "第 1 题 您是本人吗？" in html  # the abnormal question named


def test_the_task_page_names_each_invitations_questionnaire(client_for, world):
    """问卷 reads 年度回访问卷（QN-…）第 1 版: the name first, the code after it."""
    task = world.tasks_a[1]
    html = _task_page(client_for("agent_a"), task).content.decode()
    version = task.invitations.first().version
    shown = f"<td>{version.title}（{version.questionnaire.code}）第 {version.number} 版</td>"
    assert shown in html


def test_the_task_page_offers_offline_entry_for_an_open_task(client_for, world):
    open_task = world.tasks_a[2]
    html = _task_page(client_for("manager_a"), open_task).content.decode()
    assert reverse("surveys:offline_entry", args=[open_task.pk]) in html


def test_a_completed_task_offers_no_offline_entry(client_for, world):
    done = world.tasks_a[0]
    html = _task_page(client_for("manager_a"), done).content.decode()
    assert reverse("surveys:offline_entry", args=[done.pk]) not in html


def test_the_customer_page_lists_the_customers_invitations(client_for, world):
    customer = world.tasks_a[1].customer
    page = client_for("manager_a").get(
        reverse("customers:customer_detail", args=[customer.investor_code])
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert world.abnormal.invitation.code in html
    assert reverse("surveys:response_detail", args=[world.abnormal.pk]) in html


def test_the_response_page_shows_the_answers_and_marks_the_abnormal_ones(client_for, world):
    page = client_for("agent_a").get(reverse("surveys:response_detail", args=[world.abnormal.pk]))
    assert page.status_code == 200
    lines = {line["id"]: line for line in page.context["lines"]}
    assert lines["identity"]["answer"] == "不是本人"
    assert lines["identity"]["note"] == "家人代开"
    assert lines["identity"]["abnormal"] is True
    assert lines["opinion"]["answer"] == "没有意见"
    assert lines["opinion"]["abnormal"] is False
    assert lines["channels"]["answered"] is False
    assert 'data-abnormal="1"' in page.content.decode()


def test_the_response_page_names_its_questionnaire_first(client_for, world):
    version = world.abnormal.version
    page = client_for("agent_a").get(reverse("surveys:response_detail", args=[world.abnormal.pk]))
    shown = f"{version.title}（{version.questionnaire.code}）第 {version.number} 版</dd>"
    assert shown in page.content.decode()


def test_the_response_page_names_a_partners_channel_in_chinese(client_for, world):
    world.abnormal.created_via = "partner:掌厅"
    world.abnormal.save(update_fields=["created_via"])
    page = client_for("agent_a").get(reverse("surveys:response_detail", args=[world.abnormal.pk]))
    html = page.content.decode()
    assert "对接方 掌厅" in html
    assert "partner:" not in html


def test_another_branchs_response_is_404(client_for, world):
    page = client_for("agent_b").get(reverse("surveys:response_detail", args=[world.abnormal.pk]))
    assert page.status_code == 404


def test_the_customer_section_shows_a_branch_user_only_its_invitations(world, personas, rf):
    from huifang.surveys.models import Invitation
    from huifang.surveys.sections import invitation_rows

    every = Invitation.objects.all()
    seen = {row["invitation"].branch_id for row in invitation_rows(personas["agent_b"], every)}
    assert seen == {world.task_b.branch_id}
