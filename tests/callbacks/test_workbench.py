"""The home page as each role's workbench: the numbers, their links, scope and cost."""

from __future__ import annotations

import datetime
import html as markup
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from huifang.callbacks import services
from huifang.callbacks.models import CallbackTask
from huifang.core.models import Job
from huifang.customers.models import ImportRecord
from tests.callbacks.conftest import TODAY, make_customer, make_run
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

BEIJING = timezone.get_fixed_timezone(8 * 60)
FIGURE = re.compile(r'href="([^"]+)" data-count="(\d+)" data-label="([^"]+)"')


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BEIJING)


@pytest.fixture
def work(branches, personas, annual):
    """Branch 010101 (manager_a's subtree, agent_a's branch) and 010201 (agent_b's).

    agent_a: an overdue task, a task with a 改约 late today, one with a 改约 just after
    midnight tomorrow, one completed (its old 改约 today no longer counts); one open task
    in 010101 is unassigned; agent_b's overdue task in 010201 is out of 0101's sight.
    """
    codes = ["a_overdue", "a_today", "a_tomorrow", "a_done", "a_unassigned", "b_overdue"]
    customers = {
        code: make_customer(branches["b1" if code.startswith("b") else "a1"], name=code)
        for code in codes
    }
    services.do_create_batch(
        make_run({c: ["A003"] for c in customers.values()}), annual, actor=personas["hq_admin"]
    )
    task = {code: CallbackTask.objects.get(customer=c) for code, c in customers.items()}
    mine = [task[c].pk for c in ("a_overdue", "a_today", "a_tomorrow", "a_done")]
    services.do_assign(mine, personas["agent_a"], actor=personas["hq_admin"])
    services.do_assign([task["b_overdue"].pk], personas["agent_b"], actor=personas["hq_admin"])
    late = TODAY - datetime.timedelta(days=3)
    for code in ("a_overdue", "b_overdue"):
        CallbackTask.objects.filter(pk=task[code].pk).update(deadline=late)
    CallbackTask.objects.filter(pk=task["a_today"].pk).update(appointment_at=at(TODAY, 23, 30))
    CallbackTask.objects.filter(pk=task["a_tomorrow"].pk).update(
        appointment_at=at(TODAY + datetime.timedelta(days=1), 0, 10)
    )
    CallbackTask.objects.filter(pk=task["a_done"].pk).update(
        status="completed", appointment_at=at(TODAY, 10)
    )
    return task


def figures(response) -> dict[str, tuple[int, str]]:
    page = response.content.decode()
    return {
        markup.unescape(label): (int(count), markup.unescape(url))
        for url, count, label in FIGURE.findall(page)
    }


def counts(response) -> dict[str, int]:
    return {label: count for label, (count, _) in figures(response).items()}


def test_an_agent_sees_their_open_overdue_and_todays_appointments(client_for, work):
    response = client_for("agent_a").get("/")

    assert counts(response) == {"我的未完成任务": 3, "今日改约": 1, "我的逾期任务": 1}
    html = response.content.decode()
    assert html.index("a_overdue") < html.index("a_today")  # by deadline, the late one first
    assert "a_done" not in html and "b_overdue" not in html


def test_a_manager_sees_their_branch_open_overdue_and_unassigned(client_for, work):
    response = client_for("manager_a").get("/")

    assert counts(response) == {"未完成任务": 4, "已逾期": 1, "未分配": 1}
    html = response.content.decode()
    assert "a_unassigned" in html and "b_overdue" not in html


def test_hq_sees_latest_runs_batches_and_imports_waiting_or_failed(client_for, work, personas):
    ImportRecord.objects.create(dataset="customers", status="failed", file_name="坏文件.csv")
    ImportRecord.objects.create(dataset="daily", status="rejected", file_name="有误.csv")
    ImportRecord.objects.create(dataset="daily", status="applied", file_name="好文件.csv")
    Job.objects.create(kind="customers.import", title="导入客户", created_by=personas["hq_admin"])

    response = client_for("hq_admin").get("/")

    assert counts(response) == {
        "未落地的筛选": 0,
        "排队等待导入": 1,
        "导入中": 0,
        "导入失败": 1,
        "已拒绝（数据有误）": 1,
    }
    html = response.content.decode()
    assert "坏文件.csv" in html and "有误.csv" in html and "好文件.csv" not in html
    batch = CallbackTask.objects.get(pk=work["a_today"].pk).batch.number
    assert f"/callbacks/tasks/?batch={batch}" in html
    assert "新建筛选" in html and "数据导入" in html


def test_an_auditor_gets_the_hq_view_without_its_action_links(client_for, work):
    html = client_for("auditor").get("/").content.decode()

    assert "最近的筛选" in html and "最近的回访批次" in html and "导入失败" in html
    assert "新建筛选" not in html and 'href="/data/import/"' not in html


@pytest.fixture
def office_manager(branches):
    """A manager of one 营业部 (manager_a heads a 分公司 with offices below it)."""
    from huifang.org.models import Role
    from huifang.org.services import do_create_user

    return do_create_user(
        username="office_manager",
        password=PASSWORD,
        branch=branches["a1"],
        role=Role.BRANCH_MANAGER,
    )


@pytest.mark.parametrize(
    "persona", ["agent_a", "agent_b", "manager_a", "office_manager", "hq_admin", "auditor"]
)
def test_every_number_equals_the_rows_of_the_list_it_links_to(
    client, personas, office_manager, work, persona
):
    ImportRecord.objects.create(dataset="customers", status="failed", file_name="坏文件.csv")
    client.force_login(office_manager if persona == "office_manager" else personas[persona])
    shown = figures(client.get("/"))

    assert shown and any(count for count, _ in shown.values())
    for label, (count, url) in shown.items():
        listed = client.get(url)
        assert listed.status_code == 200, label
        assert listed.context["filter"].qs.count() == count, label


def test_the_links_carry_the_filters_they_count(client_for, work):
    shown = figures(client_for("agent_a").get("/"))

    _, url = shown["今日改约"]
    query = parse_qs(urlsplit(url).query)
    assert query["appointment_after"] == query["appointment_before"] == [TODAY.isoformat()]
    assert query["assignee"] == ["me"] and query["status"] == ["open"]


@pytest.mark.parametrize("persona", ["agent_a", "manager_a", "hq_admin"])
def test_the_home_page_costs_a_handful_of_queries_however_many_rows(
    client_for, work, persona, personas, annual, branches
):
    client = client_for(persona)
    client.get("/")  # the session and permission caches are warm from here on
    with CaptureQueriesContext(connection) as before:
        client.get("/")
    more = [make_customer(branches["a1"]) for _ in range(5)]
    tasks = services.do_create_batch(
        make_run({c: ["A002"] for c in more}), annual, actor=personas["hq_admin"]
    )
    ids = list(CallbackTask.objects.filter(customer__in=more).values_list("pk", flat=True))
    services.do_assign(ids[:3], personas["agent_a"], actor=personas["hq_admin"])
    CallbackTask.objects.filter(pk__in=ids).update(appointment_at=at(TODAY, 9))
    for _ in range(3):
        ImportRecord.objects.create(dataset="customers", status="failed")
    with CaptureQueriesContext(connection) as after:
        client.get("/")

    assert tasks.batch.created_count == 5
    assert len(after) == len(before) <= 17  # 17: the top bar's bell (站内消息), one query


def test_the_appointment_filter_takes_whole_beijing_days_in_page_and_api(client_for, work):
    client = client_for("agent_a")
    day = TODAY.isoformat()
    query = f"?assignee=&appointment_after={day}&appointment_before={day}"

    page = client.get("/callbacks/tasks/" + query)
    api = client.get("/api/v1/callback-tasks/" + query).json()

    expected = {work["a_today"].pk, work["a_done"].pk}
    assert {t.pk for t in page.context["filter"].qs} == expected
    assert {row["id"] for row in api["results"]} == expected


def test_a_superuser_without_a_role_gets_the_hq_view(client, work, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(root)

    html = client.get("/").content.decode()

    assert "最近的筛选" in html and "最近的回访批次" in html and "导入失败" in html
