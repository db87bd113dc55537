"""A task's 处理历史 and a record's 修改历史 read in Chinese (issue 14)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from huifang.callbacks import services as task_services
from huifang.callbacks.records import services

pytestmark = pytest.mark.django_db


def _section(html: str, table_id: str) -> str:
    """The table ``table_id`` (its rows' 原始数据 tables inside it)."""
    start = html.index(f'id="{table_id}"')
    return html[start : html.index("</table></div>", start)]


def _unassigned(task) -> None:
    """The fixture's task is its agent's already: assigning it to them again writes nothing."""
    type(task).objects.filter(pk=task.pk).update(assignee=None)


def test_task_history_shows_the_action_field_and_agent_by_name(task, client_for, personas):
    _unassigned(task)
    task_services.do_assign([task.pk], personas["agent_a"], actor=personas["hq_admin"])
    html = client_for("hq_admin").get(reverse("callbacks:task_detail", args=[task.pk]))
    history = _section(html.content.decode(), "task-history")
    assert "分配任务" in history and ">assign<" not in history
    assert "回访专员：</span>" in history and 'title="用户名：agent_a">agent_a<' in history
    assert "<details" in history and "原始数据" in history
    assert "{&#x27;" not in history  # no Python dict


def test_task_history_raw_data_is_a_table_of_chinese_labels_with_the_json_kept(
    task, client_for, personas
):
    """原始数据 opens on the stored values key by key under Chinese labels (the key on
    hover); the JSON itself is one more click away (原始 JSON), for auditors."""
    _unassigned(task)
    task_services.do_assign([task.pk], personas["agent_a"], actor=personas["hq_admin"])
    html = client_for("hq_admin").get(reverse("callbacks:task_detail", args=[task.pk]))
    history = _section(html.content.decode(), "task-history")
    raw = history[history.index("audit-raw-table") :]
    assert '<th scope="row" title="assignee">回访专员</th>' in raw
    assert '<th scope="row" title="assignee_name">回访专员用户名</th>' in raw
    assert "<summary" in raw and "原始 JSON" in raw and "&quot;assignee&quot;" in raw


def test_a_reassignment_shows_one_line_with_both_agents_by_name(task, client_for, personas):
    import re

    from tests.conftest import _user

    first = personas["agent_a"]
    second = _user("agent_a2", first.branch, first.role)
    first.full_name, second.full_name = "王芳", "李娜"
    first.save(update_fields=["full_name"])
    second.save(update_fields=["full_name"])
    task_services.do_assign([task.pk], first, actor=personas["hq_admin"])
    task_services.do_assign([task.pk], second, actor=personas["hq_admin"])
    html = client_for("hq_admin").get(reverse("callbacks:task_detail", args=[task.pk]))
    last_row = _section(html.content.decode(), "task-history").split('<td class="text-nowrap">')[-1]
    lines = [re.sub(r"<[^>]+>", "", li) for li in re.findall(r"<li>(.*?)</li>", last_row)]
    assert lines == ["回访专员：王芳 → 李娜"]


def test_record_history_audit_shows_labels_and_shanghai_time(task, client_for, personas, content):
    from django.utils import timezone

    values = content(status="success")
    record = services.do_create_record(task, values, actor=personas["agent_a"])
    html = client_for("auditor").get(reverse("records:record_history", args=[record.pk]))
    audit_rows = _section(html.content.decode(), "record-audit")
    assert "登记回访记录" in audit_rows and "record_create" not in audit_rows
    assert "回访状态：</span>" in audit_rows and "成功" in audit_rows
    shown = f"{timezone.localtime(values['called_at']):%Y-%m-%d %H:%M:%S}"
    assert f'回访时间：</span><span class="audit-after">{shown}</span>' in audit_rows


def _duration_only_edit(task, client_for, personas, content):
    from tests.records.test_pages import form_data

    record = services.do_create_record(
        task, content(status="other", remark="客户忙"), actor=personas["agent_a"]
    )
    local = timezone.localtime(record.called_at)
    data = form_data(
        task,
        status="other",
        remark="客户忙",
        called_date=local.date().isoformat(),
        called_time=local.strftime("%H:%M:%S"),
        duration="04:10",
        mobile_used="138****5678",
        version="1",
        change_reason="更正时长",
    )
    response = client_for("agent_a").post(reverse("records:record_edit", args=[record.pk]), data)
    assert response.status_code == 302
    return record


def test_editing_only_the_duration_changes_only_the_duration(task, client_for, personas, content):
    record = _duration_only_edit(task, client_for, personas, content)
    assert record.versions.get(version=2).changes == {"duration_seconds": [95, 250]}


def test_history_marks_only_the_duration_when_only_it_was_edited(
    task, client_for, personas, content
):
    record = _duration_only_edit(task, client_for, personas, content)
    html = client_for("auditor").get(reverse("records:record_history", args=[record.pk]))
    text = html.content.decode()
    marked = [row for row in text.split("<tr")[1:] if 'class="table-warning"' in row]
    assert len(marked) == 1 and "回访时长" in marked[0]


def test_an_older_version_with_the_same_time_in_two_zones_is_no_change(task, personas, content):
    from huifang.callbacks.records.history import version_rows

    record = services.do_create_record(task, content(), actor=personas["agent_a"])
    utc = record.versions.get().data["called_at"]
    shanghai = timezone.localtime(record.called_at).isoformat()
    record.versions.create(
        version=2,
        data={**record.versions.get().data, "duration_seconds": 250},
        changes={"called_at": [utc, shanghai], "duration_seconds": [95, 250]},
    )
    fields = {f["label"]: f for f in version_rows(record)[0]["fields"]}
    assert not fields["回访时间"]["changed"] and fields["回访时长"]["changed"]
    # as the record pages show a duration: minutes and seconds
    assert (fields["回访时长"]["old"], fields["回访时长"]["value"]) == ("01:35", "04:10")
