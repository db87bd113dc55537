"""问卷下发 pages: the task list's button (ticked tasks, every matching task as a job),
the task page's invitations with the H5 link, and scoping."""

from __future__ import annotations

import pytest
from django.urls import reverse

from huifang.callbacks.models import CallbackTask
from huifang.surveys import sending
from huifang.surveys.models import Invitation
from tests.surveys.invites import make_batch, make_task


@pytest.fixture
def tasks(branches, published):
    batch = make_batch()
    return [make_task(branches["a1"], batch) for _ in range(2)], batch


def test_the_task_list_offers_the_button_to_managers(client_for, tasks):
    html = client_for("manager_a").get(reverse("callbacks:task_list")).content.decode()
    assert reverse("surveys:invite") in html and "下发问卷" in html


def test_the_ticked_tasks_are_confirmed_then_invited(client_for, tasks):
    client = client_for("manager_a")
    ids = [str(t.pk) for t in tasks[0]]
    page = client.post(reverse("surveys:invite"), {"pk": ids})
    assert page.status_code == 200
    assert "确认下发问卷" in page.content.decode()
    assert not Invitation.objects.exists()
    done = client.post(
        reverse("surveys:invite"),
        {"pk": ids, "confirmed": "1", "channel": "h5", "questionnaire": "", "expires_days": "7"},
        follow=True,
    )
    assert "新建邀请 2 条" in done.content.decode()
    assert Invitation.objects.filter(channel="h5", created_by__username="manager_a").count() == 2


def test_every_matching_task_is_invited_by_a_job(client_for, tasks, run_jobs):
    client = client_for("manager_a")
    _, batch = tasks
    with run_jobs():
        answer = client.post(
            reverse("surveys:invite"),
            {
                "matching": "1",
                "filter": f"batch={batch.number}",
                "confirmed": "1",
                "channel": "apphall",
                "questionnaire": "QN-TEST",
                "expires_days": "14",
            },
        )
    assert answer.status_code == 302 and "/jobs/" in answer["Location"]
    assert Invitation.objects.filter(channel="apphall").count() == 2


def test_an_agent_may_not_invite_a_task_not_assigned_to_them(client_for, tasks, personas):
    task = tasks[0][0]
    type(task).objects.filter(pk=task.pk).update(assignee=personas["manager_a"])
    client = client_for("agent_a")
    answer = client.post(
        reverse("surveys:invite"),
        {"pk": [task.pk], "confirmed": "1", "channel": "h5", "expires_days": "14"},
        follow=True,
    )
    assert "只有该任务的回访专员或营业部负责人可以处理" in answer.content.decode()
    assert not Invitation.objects.exists()
    page = client.get(reverse("surveys:invite_task", args=[task.pk]))
    assert page.status_code == 403
    assert "只有该任务的回访专员或营业部负责人可以处理" in page.content.decode()


def test_an_agent_invites_their_own_task_from_its_page(client_for, tasks, personas):
    """user-guide: 回访专员 send questionnaires for their own tasks (was 403 for agents)."""
    task = tasks[0][0]
    CallbackTask.objects.filter(pk=task.pk).update(assignee=personas["agent_a"])
    client = client_for("agent_a")
    html = client.get(reverse("callbacks:task_detail", args=[task.pk])).content.decode()
    assert reverse("surveys:invite_task", args=[task.pk]) in html
    url = reverse("surveys:invite_task", args=[task.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"channel": "h5", "expires_days": "14"})
    assert list(Invitation.objects.values_list("task_id", flat=True)) == [task.pk]


def test_the_task_page_lists_its_invitations_with_the_h5_link(client_for, tasks):
    task = tasks[0][0]
    sending.do_invite([task.pk], channel="h5", actor=None)
    invitation = Invitation.objects.get(task=task)
    html = client_for("agent_a").get(reverse("callbacks:task_detail", args=[task.pk])).content
    html = html.decode()
    assert invitation.code in html
    assert f"/q/{invitation.token}" in html


def _status_cell(html: str, code: str) -> str:
    row = html[html.index(f'data-invitation="{code}"') :]
    return row.split("<td>")[4].split("</td>")[0]


# An H5 link is usable once created (nobody sends it); an app-hall invitation waits for
# the push to the partner.
@pytest.mark.parametrize(
    ("channel", "shown"), [("h5", "链接可用（待客户打开）"), ("apphall", "待下发")]
)
def test_a_new_invitation_shows_the_status_of_its_channel(client_for, tasks, channel, shown):
    task = tasks[0][0]
    sending.do_invite([task.pk], channel=channel, actor=None)
    invitation = Invitation.objects.get(task=task)
    html = client_for("agent_a").get(reverse("callbacks:task_detail", args=[task.pk]))
    assert _status_cell(html.content.decode(), invitation.code) == shown


def test_an_open_h5_link_has_a_copy_button_naming_its_field(client_for, tasks):
    task = tasks[0][0]
    sending.do_invite([task.pk], channel="h5", actor=None)
    code = Invitation.objects.get(task=task).code
    html = client_for("agent_a").get(reverse("callbacks:task_detail", args=[task.pk]))
    html = html.content.decode()
    assert f'id="h5-link-{code}"' in html
    assert f'data-copy="h5-link-{code}" aria-live="polite">复制链接</button>' in html


def test_the_invite_page_offers_questionnaires_by_name(client_for, tasks):
    task = tasks[0][0]
    html = client_for("manager_a").get(reverse("surveys:invite_task", args=[task.pk])).content
    questionnaire = Invitation.version.field.related_model.objects.first().questionnaire
    option = f'value="{questionnaire.code}">{questionnaire.title}（{questionnaire.code}）</option>'
    assert option in html.decode()


def test_one_task_is_invited_from_its_page(client_for, tasks):
    task = tasks[0][0]
    client = client_for("manager_a")
    url = reverse("surveys:invite_task", args=[task.pk])
    assert client.get(url).status_code == 200
    answer = client.post(url, {"channel": "apphall", "questionnaire": "", "expires_days": "14"})
    assert answer.status_code == 302
    assert Invitation.objects.get(task=task).channel == "apphall"


def test_another_branchs_task_cannot_be_invited_from_its_page(client_for, branches, published):
    other = make_task(branches["b1"])
    url = reverse("surveys:invite_task", args=[other.pk])
    assert client_for("manager_a").get(url).status_code == 404


def test_a_branch_user_sees_only_its_branchs_invitations(branches, personas, published):
    mine, theirs = make_task(branches["a1"]), make_task(branches["b1"])
    sending.do_invite([mine.pk, theirs.pk], channel="h5", actor=None)
    visible = Invitation.objects.restrict(personas["manager_a"], "view")
    assert list(visible.values_list("task", flat=True)) == [mine.pk]
    assert Invitation.objects.restrict(personas["hq_admin"], "view").count() == 2


def test_the_task_page_shows_a_due_invitation_as_expired(client_for, tasks):
    import datetime

    from django.utils import timezone

    task = tasks[0][0]
    sending.do_invite([task.pk], channel="h5", actor=None)
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    html = client_for("agent_a").get(reverse("callbacks:task_detail", args=[task.pk]))
    html = html.content.decode()
    assert "已过期" in html
    assert "/q/" not in html  # no link to copy for an invitation that takes no answers
