"""A task's 处理历史 and a record's 修改历史 read in Chinese (issue 14)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from huifang.callbacks import services as task_services
from huifang.callbacks.records import services

pytestmark = pytest.mark.django_db


def _section(html: str, table_id: str) -> str:
    start = html.index(f'id="{table_id}"')
    return html[start : html.index("</table>", start)]


def test_task_history_shows_the_action_field_and_agent_by_name(task, client_for, personas):
    task_services.do_assign([task.pk], personas["agent_a"], actor=personas["hq_admin"])
    html = client_for("hq_admin").get(reverse("callbacks:task_detail", args=[task.pk]))
    history = _section(html.content.decode(), "task-history")
    assert "分配任务" in history and ">assign<" not in history
    assert "回访专员：</span>" in history and "agent_a（agent_a）" in history
    assert "<details" in history and "原始数据" in history
    assert "{&#x27;" not in history  # no Python dict


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
