"""自动分配: the branch's 分配方式 (least loaded or round robin), 离岗 agents skipped, a
batch shared among the nearest branch with an agent on duty; the 分配设置 page."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from huifang.callbacks import distribution, services
from huifang.callbacks.models import AgentAbsence, BranchDistribution, CallbackTask
from huifang.core.models import AuditEvent
from huifang.org.models import Role
from huifang.org.services import do_create_user
from tests.callbacks.conftest import make_customer, make_run

pytestmark = pytest.mark.django_db


def _agent(name, branch):
    return do_create_user(
        username=name, password="Huifang-test-2026", branch=branch, role=Role.AGENT, full_name=name
    )


def _batch(branch_customers: dict, annual, actor):
    """A batch of one task per customer, customers made in the given branches."""
    hits = {}
    for branch, count in branch_customers.items():
        for _ in range(count):
            hits[make_customer(branch)] = ["A003"]
    return services.do_create_batch(make_run(hits), annual, actor=actor).batch


def _owners(batch=None):
    tasks = CallbackTask.objects.order_by("pk")
    if batch is not None:
        tasks = tasks.filter(links__batch=batch)
    return [t.assignee.username if t.assignee else None for t in tasks.select_related("assignee")]


@pytest.fixture
def office(branches, personas):
    """北京营业部 with three agents: agent_a (the persona), a2, a3."""
    return {
        "branch": branches["a1"],
        "agents": [personas["agent_a"]]
        + [_agent(n, branches["a1"]) for n in ("agent_a2", "agent_a3")],
    }


def _tasks(branch, n, annual, actor):
    batch = _batch({branch: n}, annual, actor)
    return list(
        CallbackTask.objects.filter(links__batch=batch).order_by("pk").values_list("pk", flat=True)
    )


def test_round_robin_goes_round_the_agents_in_username_order(office, personas, annual):
    distribution.do_set_mode(office["branch"], "round_robin", actor=personas["manager_a"])
    ids = _tasks(office["branch"], 5, annual, personas["hq_admin"])

    done = distribution.do_auto_distribute(ids, office["branch"], actor=personas["manager_a"])

    assert _owners() == ["agent_a", "agent_a2", "agent_a3", "agent_a", "agent_a2"]
    assert done.mode == "round_robin" and done.count == 5


def test_round_robin_starts_after_the_agent_who_got_the_last_task(office, personas, annual):
    distribution.do_set_mode(office["branch"], "round_robin", actor=personas["manager_a"])
    first = _tasks(office["branch"], 2, annual, personas["hq_admin"])
    distribution.do_auto_distribute(first, office["branch"], actor=personas["manager_a"])
    second = _tasks(office["branch"], 2, annual, personas["hq_admin"])

    distribution.do_auto_distribute(second, office["branch"], actor=personas["manager_a"])

    assert _owners() == ["agent_a", "agent_a2", "agent_a3", "agent_a"]
    setting = BranchDistribution.objects.get(branch=office["branch"])
    assert setting.last_agent.username == "agent_a"


def test_least_loaded_fills_the_emptiest_agent_first(office, personas, annual):
    busy = _tasks(office["branch"], 3, annual, personas["hq_admin"])
    services.do_assign(busy, office["agents"][0], actor=personas["manager_a"])
    ids = _tasks(office["branch"], 4, annual, personas["hq_admin"])

    done = distribution.do_auto_distribute(ids, office["branch"], actor=personas["manager_a"])

    assert done.mode == "least_loaded"
    assert done.shares == {"agent_a2": 2, "agent_a3": 2}


def test_an_agent_away_today_gets_nothing(office, personas, annual):
    today = timezone.localdate()
    distribution.do_add_absence(
        office["agents"][1], today, today, "年假", actor=personas["manager_a"]
    )
    ids = _tasks(office["branch"], 4, annual, personas["hq_admin"])

    done = distribution.do_auto_distribute(ids, office["branch"], actor=personas["manager_a"])

    assert "agent_a2" not in _owners()
    assert done.away == ["agent_a2"]


def test_an_absence_that_has_ended_does_not_keep_the_agent_out(office, personas, annual):
    yesterday = timezone.localdate() - datetime.timedelta(1)
    AgentAbsence.objects.create(agent=office["agents"][1], starts_on=yesterday, ends_on=yesterday)
    ids = _tasks(office["branch"], 3, annual, personas["hq_admin"])

    distribution.do_auto_distribute(ids, office["branch"], actor=personas["manager_a"])

    assert sorted(_owners()) == ["agent_a", "agent_a2", "agent_a3"]


def test_every_agent_away_refuses_and_assigns_nothing(branches, personas, annual):
    today = timezone.localdate()
    distribution.do_add_absence(personas["agent_a"], today, today, actor=personas["manager_a"])
    ids = _tasks(branches["a1"], 2, annual, personas["hq_admin"])

    with pytest.raises(ValidationError, match="都已离岗"):
        distribution.do_auto_distribute(ids, branches["a1"], actor=personas["manager_a"])
    assert _owners() == [None, None]


def test_a_batch_goes_to_each_branch_s_own_agents(branches, personas, annual):
    batch = _batch({branches["a1"]: 2, branches["b1"]: 1}, annual, personas["hq_admin"])

    done = distribution.do_distribute_batch(batch, actor=personas["hq_admin"])

    owners = dict(
        CallbackTask.objects.values_list("branch__code").values_list(
            "branch__code", "assignee__username"
        )
    )
    assert owners == {"010101": "agent_a", "010201": "agent_b"}
    assert done.count == 3 and not done.left


def test_a_batch_task_with_no_agent_in_its_office_goes_up_to_the_nearest_branch(
    branches, personas, annual
):
    AgentAbsence.objects.create(
        agent=personas["agent_b"], starts_on=timezone.localdate(), ends_on=timezone.localdate()
    )
    centre = _agent("hq_agent", branches["hq"])
    batch = _batch({branches["b1"]: 2}, annual, personas["hq_admin"])

    done = distribution.do_distribute_batch(batch, actor=personas["hq_admin"])

    assert _owners(batch) == [centre.username, centre.username]
    assert not done.left


def test_batch_tasks_no_agent_can_take_are_left_unassigned(branches, personas, annual):
    AgentAbsence.objects.create(
        agent=personas["agent_b"], starts_on=timezone.localdate(), ends_on=timezone.localdate()
    )
    batch = _batch({branches["a1"]: 1, branches["b1"]: 2}, annual, personas["hq_admin"])

    done = distribution.do_distribute_batch(batch, actor=personas["hq_admin"])

    assert (done.count, len(done.left)) == (1, 2)
    assert CallbackTask.objects.filter(assignee__isnull=True).count() == 2


def test_a_batch_distribution_leaves_already_assigned_tasks_alone(branches, personas, annual):
    batch = _batch({branches["a1"]: 2}, annual, personas["hq_admin"])
    first = CallbackTask.objects.filter(links__batch=batch).order_by("pk").first()
    other = _agent("agent_a9", branches["a1"])
    services.do_assign([first.pk], other, actor=personas["manager_a"])

    done = distribution.do_distribute_batch(batch, actor=personas["hq_admin"])

    assert done.count == 1
    assert _owners(batch)[0] == "agent_a9"


def test_changing_the_mode_is_audited_with_before_and_after(branches, personas):
    distribution.do_set_mode(branches["a1"], "least_loaded", actor=personas["manager_a"])
    distribution.do_set_mode(branches["a1"], "round_robin", actor=personas["manager_a"])

    event = AuditEvent.objects.filter(action="distribution_mode").latest("id")
    assert event.before == {"mode": "least_loaded"} and event.after == {"mode": "round_robin"}
    assert event.user == personas["manager_a"]


def test_an_unknown_mode_is_refused(branches, personas):
    with pytest.raises(ValidationError, match="请选择分配方式"):
        distribution.do_set_mode(branches["a1"], "random", actor=personas["manager_a"])
    assert not BranchDistribution.objects.exists()


def test_overlapping_absences_are_refused(personas):
    today = timezone.localdate()
    week = today + datetime.timedelta(6)
    distribution.do_add_absence(personas["agent_a"], today, week, actor=personas["manager_a"])

    with pytest.raises(ValidationError, match="日期不能重叠"):
        distribution.do_add_absence(personas["agent_a"], week, week, actor=personas["manager_a"])
    assert AgentAbsence.objects.count() == 1


def test_only_agents_can_be_marked_away(personas):
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="只能为回访专员"):
        distribution.do_add_absence(personas["manager_a"], today, today, actor=personas["hq_admin"])


def test_ending_a_started_absence_ends_it_yesterday(personas):
    today = timezone.localdate()
    absence = AgentAbsence.objects.create(
        agent=personas["agent_a"], starts_on=today - datetime.timedelta(3), ends_on=today
    )

    distribution.do_end_absence(absence, actor=personas["manager_a"])

    absence.refresh_from_db()
    assert absence.ends_on == today - datetime.timedelta(1)
    assert AuditEvent.objects.filter(action="absence_end", object_id=str(absence.pk)).exists()


def test_ending_an_absence_that_starts_today_withdraws_it(personas):
    today = timezone.localdate()
    absence = AgentAbsence.objects.create(agent=personas["agent_a"], starts_on=today, ends_on=today)

    distribution.do_end_absence(absence, actor=personas["manager_a"])

    assert not AgentAbsence.objects.exists()
    event = AuditEvent.objects.get(action="absence_end")
    assert event.after is None and event.before["starts_on"] == today.isoformat()


# ---------------------------------------------------------------- the page


URL = "/callbacks/tasks/distribution/"


def test_the_page_shows_each_agent_on_duty_or_away(client_for, personas):
    today = timezone.localdate()
    AgentAbsence.objects.create(agent=personas["agent_a"], starts_on=today, ends_on=today)

    page = client_for("manager_a").get(URL).content.decode()

    assert f"离岗至 {today:%Y-%m-%d}" in page
    assert "期货北京营业部" in page and "期货上海营业部" not in page


def test_a_manager_sets_the_mode_in_the_page(client_for, branches):
    response = client_for("manager_a").post(
        URL, {"what": "mode", "branch": branches["a1"].pk, "mode": "round_robin"}, follow=True
    )

    assert "的分配方式已改为“轮流分配”" in response.content.decode()
    assert BranchDistribution.objects.get(branch=branches["a1"]).mode == "round_robin"


def test_a_manager_cannot_set_another_branch_s_mode(client_for, branches):
    response = client_for("manager_a").post(
        URL, {"what": "mode", "branch": branches["b1"].pk, "mode": "round_robin"}
    )

    assert response.status_code == 404
    assert not BranchDistribution.objects.exists()


def test_a_manager_marks_an_agent_away_in_the_page(client_for, personas):
    today = timezone.localdate()
    response = client_for("manager_a").post(
        URL,
        {
            "what": "absence",
            "agent": personas["agent_a"].pk,
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
            "reason": "培训",
        },
        follow=True,
    )

    assert "已登记 agent_a 离岗" in response.content.decode()
    assert AgentAbsence.objects.get().reason == "培训"


def test_an_absence_ending_before_it_starts_is_refused_in_the_form(client_for, personas):
    today = timezone.localdate()
    response = client_for("manager_a").post(
        URL,
        {
            "what": "absence",
            "agent": personas["agent_a"].pk,
            "starts_on": today.isoformat(),
            "ends_on": (today - datetime.timedelta(1)).isoformat(),
        },
    )

    assert response.status_code == 200
    assert "结束日期不能早于开始日期" in response.content.decode()
    assert not AgentAbsence.objects.exists()


def test_an_auditor_sees_the_page_without_any_write_control(client_for):
    page = client_for("auditor").get(URL).content.decode()

    assert "分配方式" in page and "absence-form" not in page and 'name="what"' not in page


def test_an_auditor_cannot_post_to_the_page(client_for, branches):
    response = client_for("auditor").post(
        URL, {"what": "mode", "branch": branches["a1"].pk, "mode": "round_robin"}
    )

    assert response.status_code == 403
    assert not BranchDistribution.objects.exists()


# ---------------------------------------------------------------- 加入回访名单 with 自动分配


def test_the_batch_page_can_distribute_the_new_batch(client_for, branches, annual, run_jobs):
    run = make_run(
        {make_customer(branches["a1"]): ["A003"], make_customer(branches["b1"]): ["A003"]}
    )

    with run_jobs():
        client_for("hq_admin").post(
            "/callbacks/batches/new/",
            {"run": run.pk, "business_type": annual.pk, "distribute": "on"},
        )

    owners = dict(CallbackTask.objects.values_list("branch__code", "assignee__username"))
    assert owners == {"010101": "agent_a", "010201": "agent_b"}
    from huifang.core.models import Job

    assert "自动分配 2 条任务" in Job.objects.get().result["summary"]


def test_the_batch_page_leaves_tasks_unassigned_unless_asked(
    client_for, branches, annual, run_jobs
):
    run = make_run({make_customer(branches["a1"]): ["A003"]})

    with run_jobs():
        client_for("hq_admin").post(
            "/callbacks/batches/new/", {"run": run.pk, "business_type": annual.pk}
        )

    assert CallbackTask.objects.get().assignee is None


def test_the_api_creates_and_distributes_a_batch(personas, branches, annual, run_jobs):
    from rest_framework.test import APIClient

    run = make_run({make_customer(branches["a1"]): ["A003"]})
    client = APIClient()
    client.force_authenticate(personas["hq_admin"])

    with run_jobs():
        response = client.post(
            "/api/v1/callback-batches/",
            {"run": run.pk, "business_type": annual.name, "distribute": True},
            format="json",
        )

    assert response.status_code == 202
    assert CallbackTask.objects.get().assignee == personas["agent_a"]


def test_the_batch_command_distributes_and_still_prints_the_number_last(branches, annual, personas):
    import io

    from django.core.management import call_command

    run = make_run(
        {make_customer(branches["a1"]): ["A003"], make_customer(branches["b1"]): ["A003"]}
    )
    out = io.StringIO()

    call_command(
        "batch",
        "create",
        "--run",
        str(run.pk),
        "--business-type",
        annual.name,
        "--distribute",
        stdout=out,
    )

    lines = out.getvalue().strip().splitlines()
    assert lines[-2] == "自动分配 2 条任务"
    assert lines[-1] == CallbackTask.objects.first().batch.number
    assert not CallbackTask.objects.filter(assignee__isnull=True).exists()


def test_distributing_from_a_parent_branch_uses_each_office_s_own_mode(branches, personas, annual):
    """平均分配 picked at 北京分公司: 北京营业部's tasks go round its own agents by its own
    轮流分配, and nobody of another office is said to be away."""
    _agent("agent_a2", branches["a1"])
    distribution.do_set_mode(branches["a1"], "round_robin", actor=personas["manager_a"])
    ids = _tasks(branches["a1"], 4, annual, personas["hq_admin"])

    done = distribution.do_auto_distribute(ids, branches["a"], actor=personas["manager_a"])

    assert _owners() == ["agent_a", "agent_a2", "agent_a", "agent_a2"]
    assert done.mode == "round_robin" and done.away == []


def test_an_agent_cannot_open_the_distribution_page(client_for):
    assert client_for("agent_a").get(URL).status_code == 403
