"""The record pages by persona: the brochure's form, the list with counts and export,
history, feedback, 无法联系, the dictionary, the customer 360 timeline; no delete path."""

from __future__ import annotations

import datetime

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from huifang.callbacks.records import services
from huifang.callbacks.records.models import BranchFeedback, CallbackRecord, FailureReason
from huifang.core.models import AuditEvent


def form_data(task, **overrides) -> dict:
    when = timezone.localtime() - datetime.timedelta(hours=1)
    data = {
        "status": "success",
        "method": "phone",
        "called_date": when.date().isoformat(),
        "called_time": when.strftime("%H:%M:%S"),
        "duration": "02:05",
        "expected_attempts": str(task.attempt_count),
        "remark": "",
    }
    data.update(overrides)
    return data


def test_form_shows_customer_facts_masked(task, client_for):
    page = client_for("agent_a").get(reverse("records:record_create", args=[task.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "110***********1234" in html and "110101195001011234" not in html
    assert "138****5678" in html and "13812345678" not in html
    for label in ("客户账号", "风险承受能力", "是否销户", "休眠状态", "经纪人编号", "回访形式"):
        assert label in html


def test_register_through_the_form_completes_the_task(task, client_for, personas):
    response = client_for("agent_a").post(
        reverse("records:record_create", args=[task.pk]), form_data(task)
    )
    assert response.status_code == 302
    record = CallbackRecord.objects.get()
    assert record.duration_seconds == 125 and record.agent == personas["agent_a"]
    task.refresh_from_db()
    assert task.status == "completed"


def test_a_record_of_a_finished_task_says_why_it_cannot_be_changed(task, client_for):
    """No 修改 button and no word why left an agent looking for a way to fix a typo."""
    client = client_for("agent_a")
    client.post(reverse("records:record_create", args=[task.pk]), form_data(task))
    record = CallbackRecord.objects.get()
    html = client.get(reverse("records:record_detail", args=[record.pk])).content.decode()
    assert 'id="edit-link"' not in html
    assert services.CLOSED_TASK_HQ_ONLY in html
    hq = client_for("hq_admin").get(reverse("records:record_detail", args=[record.pk]))
    assert 'id="edit-link"' in hq.content.decode()
    assert services.CLOSED_TASK_HQ_ONLY not in hq.content.decode()


def test_form_refusal_shows_the_message_and_writes_nothing(task, client_for):
    response = client_for("agent_a").post(
        reverse("records:record_create", args=[task.pk]), form_data(task, status="failure")
    )
    assert response.status_code == 200
    assert "回访状态为“失败”时必须选择失败原因" in response.content.decode()
    assert CallbackRecord.objects.count() == 0


def test_a_form_with_a_missing_input_also_names_the_rules_the_rest_breaks(task, client_for):
    """No 回访日期 and a bad 手机号 and 回访时长: all three at once (the two rules only
    showed after the date was given and the form sent again)."""
    response = client_for("agent_a").post(
        reverse("records:record_create", args=[task.pk]),
        form_data(task, called_date="", mobile_used="abc", duration="99:99"),
    )
    form = response.context["form"]
    assert set(form.errors) == {"called_date", "mobile_used", "duration"}
    assert form.errors["called_date"] == ["该字段是必填项。"]
    assert "11 位中国大陆手机号码" in form.errors["mobile_used"][0]
    assert CallbackRecord.objects.count() == 0


def test_a_refused_form_says_so_at_the_top_of_the_page(task, client_for):
    """The form sits below the task's sections: without a note above them a refused save
    looks like nothing happened."""
    response = client_for("agent_a").post(
        reverse("records:record_create", args=[task.pk]), form_data(task, status="", method="")
    )
    html = response.content.decode()
    summary = html.split('id="record-form-errors"', 1)[1].split("</div>", 1)[0]
    assert "回访记录未保存" in summary
    assert "回访状态" in summary and "回访形式" in summary
    assert html.index('id="record-form-errors"') < html.index("data-task-section")


def test_stale_form_is_refused(task, client_for, personas):
    reason = FailureReason.objects.get(name="占线")
    stale = form_data(task, status="failure", failure_reason=str(reason.pk))
    services.do_create_record(
        task,
        {
            "status": "failure",
            "failure_reason": reason,
            "method": "phone",
            "called_at": timezone.now() - datetime.timedelta(hours=2),
        },
        actor=personas["manager_a"],
    )
    response = client_for("agent_a").post(reverse("records:record_create", args=[task.pk]), stale)
    assert "已有他人登记" in response.content.decode()
    assert CallbackRecord.objects.count() == 1


def test_out_of_scope_task_is_404_and_nothing_written(task, client_for):
    client = client_for("agent_b")
    assert client.get(reverse("records:record_create", args=[task.pk])).status_code == 404
    response = client.post(reverse("records:record_create", args=[task.pk]), form_data(task))
    assert response.status_code == 404
    assert client.get(reverse("records:task_records", args=[task.pk])).status_code == 404
    assert CallbackRecord.objects.count() == 0


@pytest.fixture
def two_records(make_task, personas, content):
    """One successful record in branch A (北京) and one failure in branch B (上海)."""
    a = services.do_create_record(make_task("a1"), content(), actor=personas["agent_a"])
    reason = FailureReason.objects.get(name="无人接听")
    b = services.do_create_record(
        make_task("b1", mobile="13900001111"),
        content(status="failure", failure_reason=reason),
        actor=personas["agent_b"],
    )
    return a, b


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("agent_a", {"a"}),
        ("agent_b", {"b"}),
        ("manager_a", {"a"}),
        ("hq_admin", {"a", "b"}),
        ("auditor", {"a", "b"}),
    ],
)
def test_record_list_is_scoped_by_persona(two_records, client_for, persona, visible):
    names = {"a": two_records[0].customer.investor_code, "b": two_records[1].customer.investor_code}
    html = client_for(persona).get(reverse("records:record_list")).content.decode()
    assert {key for key, code in names.items() if code in html} == visible


def test_record_list_columns_masking_and_agent_counts(two_records, client_for):
    page = client_for("hq_admin").get(reverse("records:record_list"))
    html = page.content.decode()
    for header in (
        "营业部代码",
        "账号所属营业部",
        "回访日期",
        "客户账号",
        "账户名称",
        "联系电话",
        "性别",
        "年龄",
        "风险承受能力",
        "回访状态",
        "反馈营业部",
    ):
        assert header in html
    assert "138****5678" in html and "13812345678" not in html
    assert "统计各专员回访次数" in html and reverse("records:agent_counts") in html
    assert "agent_counts" not in page.context  # counted on demand, not on every view
    partial = client_for("hq_admin").get(reverse("records:agent_counts"))
    counts = {row["agent__username"]: row for row in partial.context["agent_counts"]}
    assert counts["agent_a"]["attempts"] == 1 and counts["agent_a"]["successes"] == 1
    assert counts["agent_b"]["failures"] == 1


def test_agent_counts_follow_the_filters_and_the_scope(two_records, client_for):
    url = reverse("records:agent_counts")
    failed = client_for("hq_admin").get(url, {"status": "failure"}).context["agent_counts"]
    assert [row["agent__username"] for row in failed] == ["agent_b"]
    mine = client_for("agent_a").get(url).context["agent_counts"]
    assert [row["agent__username"] for row in mine] == ["agent_a"]


def test_record_list_filters_by_status(two_records, client_for):
    page = client_for("hq_admin").get(reverse("records:record_list"), {"status": "failure"})
    html = page.content.decode()
    assert two_records[1].customer.investor_code in html
    assert two_records[0].customer.investor_code not in html


def test_record_export_is_scoped_and_masked(two_records, client_for):
    response = client_for("agent_a").get(reverse("records:record_list"), {"_export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].split(",")[:4] == ["营业部代码", "账号所属营业部", "回访日期", "客户账号"]
    assert len(lines) == 2 and "138****5678" in lines[1] and "13812345678" not in text
    assert AuditEvent.objects.filter(action="export", object_type="records.callbackrecord").exists()


def test_history_page_shows_every_version(task, client_for, personas, content):
    record = services.do_create_record(
        task,
        content(status="other", remark="客户说晚点再聊"),
        actor=personas["agent_a"],
    )
    services.do_update_record(
        record,
        content(status="other", remark="客户要求周五回电"),
        actor=personas["agent_a"],
        expected_version=1,
        reason="补充备注",
    )
    html = client_for("auditor").get(reverse("records:record_history", args=[record.pk]))
    text = html.content.decode()
    assert "版本 2（当前）" in text and "版本 1" in text
    assert "客户说晚点再聊" in text and "客户要求周五回电" in text and "补充备注" in text


def test_edit_page_with_stale_version_is_refused(task, client_for, personas, content):
    record = services.do_create_record(
        task, content(status="other", remark="原始"), actor=personas["agent_a"]
    )
    services.do_update_record(
        record,
        content(status="other", remark="他人先改"),
        actor=personas["manager_a"],
        expected_version=1,
    )
    data = form_data(task, status="other", remark="我的修改", version="1", change_reason="更正")
    response = client_for("agent_a").post(reverse("records:record_edit", args=[record.pk]), data)
    assert "您的修改未保存" in response.content.decode()
    record.refresh_from_db()
    assert record.remark == "他人先改"


def test_no_delete_path_in_pages(task, client_for, personas, content):
    record = services.do_create_record(task, content(), actor=personas["agent_a"])
    with pytest.raises(NoReverseMatch):
        reverse("records:record_delete", args=[record.pk])
    client = client_for("hq_admin")
    url = reverse("records:record_detail", args=[record.pk])
    assert client.delete(url).status_code == 405
    assert client.post(url).status_code == 405
    assert CallbackRecord.objects.filter(pk=record.pk).exists()


def test_a_feedback_the_system_raised_names_the_system_as_its_author(task, client_for):
    BranchFeedback.objects.create(branch=task.branch, task=task, message="问卷异常答案")
    listing = client_for("manager_a").get(reverse("records:feedback_list")).content.decode()
    row = listing.split("问卷异常答案", 1)[1].split("</tr>", 1)[0]
    assert ">系统</td>" in row


def test_feedback_reaches_the_branch_manager(task, client_for, personas):
    client = client_for("agent_a")
    client.post(reverse("records:task_feedback", args=[task.pk]), {"message": "客户投诉"})
    feedback = BranchFeedback.objects.get()
    manager = client_for("manager_a")
    listing = manager.get(reverse("records:feedback_list")).content.decode()
    assert "客户投诉" in listing and "标记已处理" in listing
    # At 1366 the narrow 处理 column squeezed the button until its text ran out of it.
    assert 'text-nowrap flex-shrink-0" type="submit">标记已处理' in listing
    assert (
        "客户投诉" in manager.get(reverse("records:task_records", args=[task.pk])).content.decode()
    )
    manager.post(reverse("records:feedback_handle", args=[feedback.pk]), {"note": "已处理"})
    feedback.refresh_from_db()
    assert feedback.handled_by == personas["manager_a"]
    assert (
        "客户投诉"
        not in client_for("agent_b").get(reverse("records:feedback_list")).content.decode()
    )


def test_the_feedback_export_keeps_who_handled_it_when_and_how(task, client_for):
    """The page's 处理 cell says 已处理 刘洋 2026-… ：note; the export said 已处理 and a time."""
    import io

    import openpyxl

    client_for("agent_a").post(
        reverse("records:task_feedback", args=[task.pk]), {"message": "投诉"}
    )
    feedback = BranchFeedback.objects.get()
    manager = client_for("manager_a")
    manager.post(reverse("records:feedback_handle", args=[feedback.pk]), {"note": "已回电"})
    response = manager.get(reverse("records:feedback_list"), {"_export": "xlsx"})
    body = (
        response.content if hasattr(response, "content") else b"".join(response.streaming_content)
    )
    header, row = openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True)
    values = dict(zip(header, row, strict=True))
    assert values["处理"] == "已处理" and values["处理说明"] == "已回电"
    assert "manager_a" in values["处理人"]
    assert isinstance(values["处理时间"], datetime.datetime)
    page = manager.get(reverse("records:feedback_list")).content.decode()
    head = page.split("<thead", 1)[1].split("</thead>", 1)[0]
    assert "处理人" not in head and "处理说明" not in head and "已回电" in page


def test_close_unreachable_page_after_the_maximum(task, client_for, personas, content):
    reason = FailureReason.objects.get(name="关机")
    url = reverse("records:task_close_unreachable", args=[task.pk])
    for _ in range(3):
        task.refresh_from_db()
        manager = client_for("manager_a")
        before = manager.post(url, {"reason": ""})
        task.refresh_from_db()
        assert task.status != "unreachable", before
        services.do_create_record(
            task, content(status="failure", failure_reason=reason), actor=personas["agent_a"]
        )
    client_for("manager_a").post(url, {"reason": "三次未接通"})
    task.refresh_from_db()
    assert task.status == "unreachable"


def test_appointment_is_shown_and_highlighted_when_due(task, client_for, personas, content):
    reason = FailureReason.objects.get(name="客户要求改约")
    agreed = timezone.now() + datetime.timedelta(days=1)
    services.do_create_record(
        task,
        content(status="failure", failure_reason=reason, appointment_at=agreed),
        actor=personas["agent_a"],
    )
    url = reverse("records:task_records", args=[task.pk])
    html = client_for("agent_a").get(url).content.decode()
    assert timezone.localtime(agreed).strftime("%Y-%m-%d %H:%M") in html
    assert "改约时间已到" not in html
    type(task).objects.filter(pk=task.pk).update(appointment_at=timezone.now())
    assert "改约时间已到" in client_for("agent_a").get(url).content.decode()


def test_customer_360_shows_tasks_and_records_timeline(task, client_for, personas, content):
    services.do_create_record(task, content(remark="时间线备注"), actor=personas["agent_a"])
    url = reverse("customers:customer_detail", args=[task.customer.investor_code])
    html = client_for("agent_a").get(url).content.decode()
    assert "回访任务与记录" in html and "时间线备注" in html


def test_failure_reason_dictionary_pages(client_for):
    assert client_for("agent_a").get(reverse("records:reason_create")).status_code == 403
    client = client_for("hq_admin")
    assert "客户要求改约" in client.get(reverse("records:reason_list")).content.decode()
    response = client.post(
        reverse("records:reason_create"),
        {"name": "号码停用", "counts_as_unanswered": "on", "is_active": "on", "sort_order": "5"},
    )
    assert response.status_code == 302
    assert FailureReason.objects.get(name="号码停用").counts_as_unanswered
    assert AuditEvent.objects.filter(object_type="records.failurereason", action="create").exists()


def test_navigation_entries(client_for):
    html = client_for("hq_admin").get(reverse("home")).content.decode()
    assert "回访记录" in html and "失败原因字典" in html


CLOSED = ["completed", "unreachable", "cancelled"]


def _closed(task, status):
    from huifang.callbacks.models import CallbackTask

    CallbackTask.objects.filter(pk=task.pk).update(status=status)
    task.refresh_from_db()
    return task


@pytest.mark.parametrize("status", CLOSED)
def test_the_form_of_a_closed_task_is_not_offered_by_its_address(task, client_for, status):
    task = _closed(task, status)
    response = client_for("agent_a").get(
        reverse("records:record_create", args=[task.pk]), follow=True
    )
    assert response.redirect_chain == [(reverse("records:task_records", args=[task.pk]), 302)]
    html = response.content.decode()
    assert f"任务当前为“{task.get_status_display()}”，不能再登记回访记录" in html
    assert 'name="expected_attempts"' not in html and "register-record" not in html


@pytest.mark.parametrize("status", CLOSED)
def test_posting_a_record_to_a_closed_task_writes_nothing(task, client_for, status):
    task, client = _closed(task, status), client_for("agent_a")
    audit = AuditEvent.objects.count()
    response = client.post(reverse("records:record_create", args=[task.pk]), form_data(task))
    assert response.url == reverse("records:task_records", args=[task.pk])
    assert (CallbackRecord.objects.count(), AuditEvent.objects.count()) == (0, audit)
