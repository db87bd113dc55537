"""A user is shown as a person — 姓名, the username on hover — in tables, detail pages,
history, filter choices and exports (``core.people``)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from huifang.callbacks.records import services as record_services
from huifang.rules import services as rule_services
from huifang.rules.models import Rule
from tests.records.conftest import business_type, content, make_task  # noqa: F401

ZHANG = '<span class="person" title="用户名：agent_a">张三</span>'
ADMIN = '<span class="person" title="用户名：hq_admin">王合规</span>'


@pytest.fixture
def named(personas):
    for username, name in (("agent_a", "张三"), ("hq_admin", "王合规")):
        personas[username].full_name = name
        personas[username].save()
    return personas


@pytest.fixture
def record(named, make_task, content):  # noqa: F811
    task = make_task("a1")
    task.assignee = named["agent_a"]
    task.save()
    return record_services.do_create_record(task, content(), actor=named["agent_a"])


def test_task_list_shows_the_assignee_by_name(record, client_for):
    html = client_for("hq_admin").get(reverse("callbacks:task_list")).content.decode()
    assert ZHANG in html
    assert ">agent_a<" not in html


def test_record_list_agent_column_and_its_export(record, client_for):
    client = client_for("hq_admin")
    html = client.get(reverse("records:record_list"), {"cols": ["investor_code", "agent"]})
    assert ZHANG in html.content.decode()
    export = client.get(
        reverse("records:record_list"), {"cols": ["investor_code", "agent"], "_export": "csv"}
    )
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "张三（agent_a）" in text


def test_record_detail_and_history_show_people(record, client_for):
    client = client_for("hq_admin")
    detail = client.get(reverse("records:record_detail", args=[record.pk])).content.decode()
    assert detail.count(ZHANG) >= 2  # 回访人 and 登记
    history = client.get(reverse("records:record_history", args=[record.pk])).content.decode()
    assert ZHANG in history  # the version's author and the audit rows
    assert ">agent_a<" not in history


def test_task_detail_shows_assignee_and_history_by_name(record, client_for):
    html = (
        client_for("hq_admin")
        .get(reverse("callbacks:task_detail", args=[record.task_id]))
        .content.decode()
    )
    assert html.count(ZHANG) >= 2  # 回访专员 and 处理历史


def test_rule_pages_show_the_operator_by_name(named, client_for):
    rule = Rule.objects.get(code="A003")
    rule_services.do_update_rule(rule, {"min_age": 75}, actor=named["hq_admin"])
    client = client_for("auditor")
    assert ADMIN in client.get(reverse("rules:rule_detail", args=["A003"])).content.decode()
    assert ADMIN in client.get(reverse("rules:rule_list")).content.decode()
    compare = client.get(reverse("rules:version_compare", args=["A003"])).content.decode()
    assert ADMIN in compare


def test_agent_filter_choices_name_people(record, client_for):
    html = client_for("hq_admin").get(reverse("records:record_list")).content.decode()
    assert '<option value="agent_a">张三（agent_a）</option>' in html
    tasks = client_for("hq_admin").get(reverse("callbacks:task_list")).content.decode()
    assert f'<option value="{record.agent_id}">张三（agent_a）</option>' in tasks


def test_audit_log_shows_the_operator_by_name(record, client_for):
    html = client_for("auditor").get(reverse("core:audit_list")).content.decode()
    assert ZHANG in html
