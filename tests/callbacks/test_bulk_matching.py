"""Bulk actions on every task matching the list's filter (not only the ticked page), and
平均分配 without asking a one-branch manager for their branch."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from huifang.callbacks import services
from huifang.callbacks.forms import DistributeForm
from huifang.callbacks.models import CallbackTask
from huifang.core.models import AuditEvent
from huifang.org.models import Role
from huifang.org.services import do_create_user
from tests.callbacks.conftest import make_customer, make_run
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
BULK = "/callbacks/tasks/bulk/"


@pytest.fixture
def tasks(branches, personas, annual):
    run = make_run(
        {
            make_customer(branches["a1"], code="01010001"): ["A003"],
            make_customer(branches["a1"], code="01010002"): ["A005"],
            make_customer(branches["a1"], code="01010003"): ["A005"],
            make_customer(branches["b1"], code="01020001"): ["A005"],
        }
    )
    return services.do_create_batch(run, annual, actor=personas["hq_admin"]).batch


def matching(action: str, filter_query: str, **more) -> dict:
    return {"action": action, "matching": "1", "filter": filter_query, **more}


def test_the_confirmation_states_how_many_tasks_match_the_filter(client_for, tasks):
    response = client_for("hq_admin").post(BULK, matching("cancel", "rule=A005"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "全部符合筛选条件的 <span data-confirm-count>3</span> 条" in html
    assert 'name="expected" value="3"' in html
    assert CallbackTask.objects.filter(status="cancelled").count() == 0


def test_cancelling_every_matching_task_cancels_and_audits_each(client_for, tasks):
    response = client_for("hq_admin").post(
        BULK, matching("cancel", "rule=A005", confirmed="1", expected="3", reason="重复名单")
    )

    assert response.status_code == 302
    cancelled = CallbackTask.objects.filter(status="cancelled")
    assert set(cancelled.values_list("customer__investor_code", flat=True)) == {
        "01010002",
        "01010003",
        "01020001",
    }
    events = AuditEvent.objects.filter(action="task_cancel")
    assert {int(e.object_id) for e in events} == set(cancelled.values_list("pk", flat=True))


def test_matching_is_scoped_to_the_tasks_the_user_may_change(client_for, tasks):
    response = client_for("manager_a").post(
        BULK, matching("cancel", "rule=A005", confirmed="1", expected="2", reason="重复名单")
    )

    assert response.status_code == 302
    cancelled = CallbackTask.objects.filter(status="cancelled")
    assert set(cancelled.values_list("branch__code", flat=True)) == {"010101"}
    assert cancelled.count() == 2


def test_nothing_changes_when_the_matching_count_differs_from_the_confirmed_one(client_for, tasks):
    response = client_for("hq_admin").post(
        BULK, matching("cancel", "rule=A005", confirmed="1", expected="2", reason="重复名单")
    )

    assert response.status_code == 200
    assert "请重新确认" in response.content.decode()
    assert CallbackTask.objects.filter(status="cancelled").count() == 0


def test_an_invalid_filter_does_nothing(client_for, tasks):
    response = client_for("hq_admin").post(
        BULK, matching("cancel", "deadline_after=不是日期", confirmed="1", reason="x")
    )

    assert response.status_code == 302
    assert CallbackTask.objects.filter(status="cancelled").count() == 0


def test_the_service_takes_a_queryset_of_matching_tasks(tasks, personas):
    chosen = CallbackTask.objects.filter(rule_codes__contains=",A005,")

    count = services.do_assign(chosen, personas["agent_a"], actor=personas["manager_a"], expected=2)

    assert count.changed == 2
    assert set(
        CallbackTask.objects.filter(assignee=personas["agent_a"]).values_list(
            "customer__investor_code", flat=True
        )
    ) == {"01010002", "01010003"}


def test_the_service_refuses_an_empty_match(tasks, personas):
    with pytest.raises(ValidationError):
        services.do_cancel(CallbackTask.objects.none(), "x", actor=personas["hq_admin"])


def test_the_list_hands_its_filter_to_the_bulk_form(client_for, tasks):
    html = client_for("hq_admin").get("/callbacks/tasks/?rule=A005&page=1&sort=deadline")
    text = html.content.decode()

    assert 'name="filter" value="rule=A005"' in text
    assert "选择全部符合筛选条件的 3 条" in text


def test_a_manager_with_one_branch_is_not_asked_for_it(branches, personas):
    manager = do_create_user(
        username="manager_a1",
        password=PASSWORD,
        branch=branches["a1"],
        role=Role.BRANCH_MANAGER,
        full_name="营业部经理",
    )

    form = DistributeForm(actor=manager)

    assert form.only_branch == branches["a1"]
    assert [f.name for f in form.visible_fields()] == []
    assert str(branches["a1"].pk) in str(form["branch"])


def test_a_manager_of_several_branches_picks_one(personas):
    form = DistributeForm(actor=personas["manager_a"])

    assert form.only_branch is None
    assert [f.name for f in form.visible_fields()] == ["branch"]
