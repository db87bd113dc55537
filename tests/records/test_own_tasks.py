"""An agent works only the tasks assigned to them (docs/users.md: 回访专员 处理分配给自己的任务):
a colleague's task, or one not yet assigned, takes no record from them — in the service, so
the page and the API refuse alike (403, Chinese); the task page shows who holds it instead
of 登记回访记录. Branch managers and HQ keep working every task of their scope."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from huifang.callbacks.records import services
from huifang.callbacks.records.models import CallbackRecord
from huifang.org.models import Role
from huifang.org.services import do_create_user
from tests.conftest import PASSWORD

HELD = "该任务已分配给王五，只有该任务的回访专员或营业部负责人可以处理"


@pytest.fixture
def colleague(branches):
    """A second agent of 期货北京营业部, holding the task."""
    return do_create_user(
        username="agent_a2",
        password=PASSWORD,
        branch=branches["a1"],
        role=Role.AGENT,
        full_name="王五",
    )


@pytest.fixture
def theirs(make_task, colleague):
    return make_task("a1", assignee=colleague)


def _form(task, **overrides) -> dict:
    now = timezone.localtime() - datetime.timedelta(hours=1)
    data = {
        "expected_attempts": task.attempt_count,
        "status": "failure",
        "failure_reason": "",
        "method": "phone",
        "called_date": now.date().isoformat(),
        "called_time": now.strftime("%H:%M"),
    }
    data.update(overrides)
    return data


def test_the_service_refuses_a_colleagues_task(theirs, personas, content):
    with pytest.raises(PermissionDenied) as refused:
        services.do_create_record(theirs, content(), actor=personas["agent_a"])
    assert str(refused.value) == HELD
    assert not CallbackRecord.objects.exists()


def test_an_agent_works_a_task_of_their_branch_not_yet_assigned(make_task, personas, content):
    task = make_task("a1", assignee=None)
    record = services.do_create_record(task, content(), actor=personas["agent_a"])
    assert record.agent == personas["agent_a"]


@pytest.mark.parametrize("who", ["manager_a", "hq_admin"])
def test_managers_and_hq_keep_working_any_task(theirs, personas, content, who):
    record = services.do_create_record(theirs, content(), actor=personas[who])
    assert record.task_id == theirs.pk


def test_the_assigned_agent_registers(theirs, colleague, content):
    assert services.do_create_record(theirs, content(), actor=colleague).agent == colleague


def test_the_form_of_a_colleagues_task_is_403_and_saves_nothing(theirs, client_for):
    client = client_for("agent_a")
    url = reverse("records:record_create", args=[theirs.pk])
    page = client.get(url)
    assert page.status_code == 403 and HELD in page.content.decode()
    assert client.post(url, _form(theirs, status="success")).status_code == 403
    assert not CallbackRecord.objects.exists()


def test_the_task_page_names_the_holder_instead_of_the_button(theirs, client_for):
    html = (
        client_for("agent_a")
        .get(reverse("records:task_records", args=[theirs.pk]))
        .content.decode()
    )
    assert 'id="register-record"' not in html
    assert 'id="task-not-mine"' in html and HELD in html


def test_the_holder_and_the_manager_see_the_button(theirs, client, colleague, client_for):
    url = reverse("records:task_records", args=[theirs.pk])
    client.force_login(colleague)
    assert 'id="register-record"' in client.get(url).content.decode()
    html = client_for("manager_a").get(url).content.decode()
    assert 'id="register-record"' in html and 'id="task-not-mine"' not in html


def test_the_api_answers_403_in_chinese(theirs, api_for):
    response = api_for("agent_a").post(
        "/api/v1/callback-records/",
        {
            "task": theirs.pk,
            "status": "失败",
            "failure_reason": "无人接听",
            "method": "电话",
            "called_at": (timezone.now() - datetime.timedelta(minutes=30)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["message"] == HELD
    assert not CallbackRecord.objects.exists()


def test_the_customer_timeline_offers_no_form_link_for_a_colleagues_task(theirs, client_for):
    url = reverse("customers:customer_detail", args=[theirs.customer.investor_code])
    html = client_for("agent_a").get(url).content.decode()
    assert reverse("records:record_create", args=[theirs.pk]) not in html
