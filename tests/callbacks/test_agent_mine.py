"""An agent's task list stays 我的任务 (回访专员 = 我的任务, shown in the filter) when other
filters are used, until the agent picks another 回访专员; its export and 全选符合条件 too."""

from __future__ import annotations

import csv
import io

import pytest

from huifang.callbacks import services
from huifang.callbacks.models import CallbackTask
from tests.callbacks.conftest import make_customer, make_run

pytestmark = pytest.mark.django_db
LIST = "/callbacks/tasks/"


@pytest.fixture
def shared(branches, personas, annual):
    """One batch of two 北京 tasks: agent_a's and a colleague's."""
    from huifang.org.models import Role
    from huifang.org.services import do_create_user

    colleague = do_create_user(
        username="agent_a2", password=None, branch=branches["a1"], role=Role.AGENT
    )
    mine, theirs = (make_customer(branches["a1"], code=c) for c in ("01010001", "01010002"))
    batch = services.do_create_batch(
        make_run({mine: ["A003"], theirs: ["A003"]}), annual, actor=personas["hq_admin"]
    ).batch
    admin = personas["hq_admin"]
    services.do_assign(
        [CallbackTask.objects.get(customer=mine).pk], personas["agent_a"], actor=admin
    )
    services.do_assign([CallbackTask.objects.get(customer=theirs).pk], colleague, actor=admin)
    return batch


def codes(response) -> set[str]:
    return {t.customer.investor_code for t in response.context["table"].data}


def test_filtering_by_batch_keeps_my_tasks(client_for, shared):
    response = client_for("agent_a").get(LIST, {"batch": shared.number})

    assert codes(response) == {"01010001"}
    assert response.context["filter"].form["assignee"].value() == "me"
    assert 'value="me" selected' in response.content.decode()


def test_choosing_everyone_shows_the_colleagues_tasks(client_for, shared):
    response = client_for("agent_a").get(LIST, {"batch": shared.number, "assignee": ""})

    assert codes(response) == {"01010001", "01010002"}


def test_the_export_has_the_same_rows(client_for, shared):
    response = client_for("agent_a").get(LIST, {"batch": shared.number, "_export": "csv"})

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["投资者代码"] for r in rows] == ["01010001"]


def test_select_all_matching_means_my_tasks(client_for, shared):
    response = client_for("agent_a").get(LIST, {"batch": shared.number})

    assert "assignee=me" in response.context["filter_query"]


def test_a_manager_is_not_narrowed(client_for, shared):
    response = client_for("manager_a").get(LIST, {"batch": shared.number})

    assert codes(response) == {"01010001", "01010002"}
