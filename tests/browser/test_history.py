"""Issue 14 in the browser: the new record form's date and the readable history."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

# serialized_rollback: the roles and permissions the migrations made are back for the page.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_new_record_form_starts_with_today_and_saves_untouched(
    personas, make_open_task, login, live_server
):
    from huifang.callbacks.records.models import CallbackRecord

    task = make_open_task("a1")
    page = login("agent_a")
    page.goto(f"{live_server.url}/records/tasks/{task.pk}/new/")
    today = timezone.localdate()  # Asia/Shanghai
    expect(page.locator("#id_called_date")).to_have_value(today.isoformat())

    page.get_by_label("成功").check()
    page.select_option("#id_method", label="电话")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_text("已登记回访记录")).to_be_visible()
    record = CallbackRecord.objects.get(task=task)
    assert timezone.localtime(record.called_at).date() == today
