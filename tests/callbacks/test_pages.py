"""Pages, exports and API of the task list by persona; batch and business-type pages."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from huifang.callbacks import services
from huifang.callbacks.models import Batch, BusinessType, CallbackTask
from huifang.core.models import AuditEvent, Job
from tests.callbacks.conftest import make_customer, make_run

pytestmark = pytest.mark.django_db
LIST = "/callbacks/tasks/"


@pytest.fixture
def tasks(branches, personas, annual):
    a = make_customer(branches["a1"], code="01010001")
    a2 = make_customer(branches["a1"], code="01010002")
    b = make_customer(branches["b1"], code="01020001")
    batch = services.do_create_batch(
        make_run({a: ["A003"], a2: ["A002", "A005"], b: ["A005"]}),
        annual,
        actor=personas["hq_admin"],
    ).batch
    services.do_assign(
        [CallbackTask.objects.get(customer=a).pk], personas["agent_a"], actor=personas["hq_admin"]
    )
    return batch


def codes_in(response) -> set[str]:
    html = response.content.decode()
    return {code for code in ("01010001", "01010002", "01020001") if code in html}


def export_codes(response) -> set[str]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    return {row["投资者代码"] for row in rows}


def test_hq_sees_all_tasks_with_the_brochure_columns(client_for, tasks):
    response = client_for("hq_admin").get(LIST)

    assert response.status_code == 200
    assert codes_in(response) == {"01010001", "01010002", "01020001"}
    html = response.content.decode()
    for header in ("投资者类型", "风险承受能力", "回访业务类型", "筛选理由", "账户状态"):
        assert header in html
    assert "是否休眠" in html and "处理状态" in html and "批次号" in html
    assert "大额亏损客户；职业为“无业”的客户" in html


def test_manager_sees_only_their_branch(client_for, tasks):
    assert codes_in(client_for("manager_a").get(LIST)) == {"01010001", "01010002"}


def test_agent_sees_my_open_tasks_first_and_can_widen(client_for, tasks):
    client = client_for("agent_a")

    assert codes_in(client.get(LIST)) == {"01010001"}
    assert codes_in(client.get(LIST + "?assignee=")) == {"01010001", "01010002"}


def test_other_branch_agent_sees_nothing_of_branch_a(client_for, tasks):
    assert codes_in(client_for("agent_b").get(LIST + "?assignee=")) == {"01020001"}


def test_export_is_scoped_like_the_page(client_for, tasks):
    response = client_for("manager_a").get(LIST + "?_export=csv")

    assert export_codes(response) == {"01010001", "01010002"}
    assert AuditEvent.objects.filter(action="export").exists()


def test_export_follows_the_filters(client_for, tasks):
    response = client_for("hq_admin").get(LIST + "?rule=A005&_export=csv")

    assert export_codes(response) == {"01010002", "01020001"}


def test_filter_by_batch_branch_and_overdue(client_for, tasks, branches):
    client = client_for("hq_admin")

    assert len(codes_in(client.get(LIST + f"?batch={tasks.number}"))) == 3
    assert codes_in(client.get(LIST + f"?branch={branches['b'].pk}")) == {"01020001"}
    assert codes_in(client.get(LIST + "?overdue=true")) == set()


def test_overdue_rows_are_highlighted(client_for, tasks):
    CallbackTask.objects.filter(customer__investor_code="01010002").update(deadline="2025-12-31")

    html = client_for("hq_admin").get(LIST).content.decode()

    assert html.count("table-overdue") == 1


def test_task_detail_out_of_scope_is_404(client_for, tasks):
    task = CallbackTask.objects.get(customer__investor_code="01020001")

    assert client_for("manager_a").get(f"/callbacks/tasks/{task.pk}/").status_code == 404


def test_task_detail_shows_batches_and_history(client_for, tasks):
    task = CallbackTask.objects.get(customer__investor_code="01010001")

    html = client_for("hq_admin").get(f"/callbacks/tasks/{task.pk}/").content.decode()

    assert tasks.number in html and "assign" in html and "老年交易者" in html


def test_bulk_cancel_asks_for_confirmation_then_cancels(client_for, tasks):
    client = client_for("manager_a")
    ids = [str(t.pk) for t in CallbackTask.objects.filter(branch__code="010101")]

    ask = client.post("/callbacks/tasks/bulk/", {"action": "cancel", "pk": ids})
    assert ask.status_code == 200 and "确认取消任务" in ask.content.decode()
    assert CallbackTask.objects.filter(status="cancelled").count() == 0

    done = client.post(
        "/callbacks/tasks/bulk/",
        {"action": "cancel", "pk": ids, "confirmed": "1", "reason": "重复名单"},
    )
    assert done.status_code == 302
    assert CallbackTask.objects.filter(status="cancelled").count() == 2


@pytest.mark.parametrize(
    ("action", "message"), [("assign", "请选择回访专员"), ("cancel", "请填写取消原因")]
)
def test_a_bulk_confirmation_sent_empty_says_what_is_missing(client_for, tasks, action, message):
    """Confirming 分配给回访专员 with no agent said only 该字段是必填项。"""
    ids = [str(t.pk) for t in CallbackTask.objects.filter(branch__code="010101")]
    response = client_for("manager_a").post(
        "/callbacks/tasks/bulk/", {"action": action, "pk": ids, "confirmed": "1"}
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not CallbackTask.objects.filter(status="cancelled").exists()


def test_bulk_action_with_an_out_of_scope_id_changes_nothing(client_for, tasks, personas):
    client = client_for("manager_a")
    ids = [str(t.pk) for t in CallbackTask.objects.all()]  # one is in Shanghai

    response = client.post(
        "/callbacks/tasks/bulk/",
        {"action": "assign", "pk": ids, "confirmed": "1", "agent": personas["agent_a"].pk},
    )

    assert response.status_code == 200 and "不在您权限范围内" in response.content.decode()
    assert CallbackTask.objects.filter(assignee=personas["agent_a"]).count() == 1


def test_agents_get_no_task_management_actions(client_for, tasks):
    client = client_for("agent_a")
    task = CallbackTask.objects.get(customer__investor_code="01010001")

    html = client.get(LIST).content.decode()
    assert 'value="cancel"' not in html and 'value="assign"' not in html
    assert 'action="/callbacks/tasks/bulk/"' not in html
    response = client.post(
        "/callbacks/tasks/bulk/",
        {"action": "cancel", "pk": [task.pk], "confirmed": "1", "reason": "x"},
    )
    assert response.status_code == 403


def test_no_page_flips_a_task_to_completed(client_for, tasks):
    task = CallbackTask.objects.get(customer__investor_code="01010001")

    html = client_for("agent_a").get(f"/callbacks/tasks/{task.pk}/").content.decode()

    assert "开始处理" in html and "complete" not in html


def test_api_lists_tasks_in_scope_with_the_same_filters(client_for, tasks):
    client = client_for("manager_a")

    data = client.get("/api/v1/callback-tasks/?rule=A002").json()

    assert [row["investor_code"] for row in data["results"]] == ["01010002"]
    assert data["results"][0]["batches"] == [tasks.number]
    assert len(client.get("/api/v1/callback-tasks/").json()["results"]) == 2


def test_batch_create_page_runs_a_job_and_shows_the_batch(client_for, branches, annual, run_jobs):
    customer = make_customer(branches["a1"])
    run = make_run({customer: ["A003"]})
    client = client_for("hq_admin")

    with run_jobs():
        response = client.post(
            "/callbacks/batches/new/", {"run": run.pk, "business_type": annual.pk}
        )

    assert response.status_code == 302
    job = Job.objects.get(kind="callbacks.create_batch")
    assert job.status == "succeeded", job.error
    batch = Batch.objects.get()
    assert batch.number in job.result["summary"]
    detail = client.get(reverse("callbacks:batch_detail", args=[batch.pk]))
    assert detail.status_code == 200 and batch.number in detail.content.decode()


def test_batch_list_shows_counts_right_aligned_with_thousands_separators(
    client_for, branches, annual, personas
):
    from huifang.callbacks import services

    run = make_run({make_customer(branches["a1"]): ["A003"]})
    services.do_create_batch(run, annual, actor=personas["hq_admin"])
    Batch.objects.update(hit_count=12345)

    html = client_for("hq_admin").get(reverse("callbacks:batch_list")).content.decode()

    assert '<td class="text-end">12,345</td>' in html
    assert '<th class="orderable text-end" scope="col">' in html


def test_batch_list_links_the_screening_run_for_those_who_may_read_it(
    client_for, branches, annual, personas
):
    from huifang.callbacks import services

    run = make_run({make_customer(branches["a1"]): ["A003"]})
    services.do_create_batch(run, annual, actor=personas["hq_admin"])
    link = f'href="{reverse("rules:run_detail", args=[run.pk])}"'

    assert link in client_for("hq_admin").get(reverse("callbacks:batch_list")).content.decode()
    assert link not in client_for("agent_a").get(reverse("callbacks:batch_list")).content.decode()
    page = reverse("callbacks:batch_detail", args=[Batch.objects.get().pk])
    assert link in client_for("hq_admin").get(page).content.decode()
    assert link not in client_for("agent_a").get(page).content.decode()


def test_batch_progress_counts_open_the_tasks_they_count(client_for, tasks):
    """A manager reading 未处理 2 on the batch page could not click it (回访进度's can)."""
    client = client_for("manager_a")
    body = client.get(reverse("callbacks:batch_detail", args=[tasks.pk])).content.decode()
    every = f"{LIST}?batch={tasks.number}&amp;assignee="  # everyone's, for an agent too
    pending = f'href="{every}&amp;status=new">2</a>'
    assert pending in body
    assert f'href="{every}&amp;status=completed">0</a>' in body
    assert f'href="{every}&amp;overdue=true">0</a>' in body
    listed = client.get(LIST, {"batch": tasks.number, "status": "new"})
    assert codes_in(listed) == {"01010001", "01010002"}


def test_batch_page_shows_no_overdue_in_red_when_there_is_none(
    client_for, branches, annual, personas
):
    from huifang.callbacks import services

    run = make_run({make_customer(branches["a1"]): ["A003"]})
    batch = services.do_create_batch(run, annual, actor=personas["hq_admin"]).batch
    html = client_for("hq_admin").get(reverse("callbacks:batch_detail", args=[batch.pk]))
    body = html.content.decode()
    row = body[body.rindex("<tr", 0, body.index("data-overdue-row")) : body.index("已逾期")]
    assert "text-danger" not in row


def test_batch_create_page_refuses_a_missing_calendar_year(
    client_for, branches, annual, monkeypatch
):
    from django.utils import timezone

    monkeypatch.setattr(
        timezone, "localdate", lambda *a, **k: __import__("datetime").date(2100, 12, 21)
    )
    run = make_run({make_customer(branches["a1"]): ["A003"]})

    response = client_for("hq_admin").post(
        "/callbacks/batches/new/", {"run": run.pk, "business_type": annual.pk}
    )

    assert response.status_code == 200
    assert "2101 年的交易日历尚未维护" in response.content.decode()
    assert not Job.objects.exists()


def test_batch_create_page_names_what_is_missing(client_for):
    """Submitted with nothing chosen, 加入回访名单 said 该字段是必填项。 under each list."""
    response = client_for("hq_admin").post(
        "/callbacks/batches/new/", {"run": "", "business_type": ""}
    )

    text = response.content.decode()
    assert "请选择已落地的筛选" in text and "请选择回访业务类型" in text
    assert "该字段是必填项" not in text
    assert not Job.objects.exists()


def test_agents_cannot_create_batches(client_for):
    assert client_for("agent_a").get("/callbacks/batches/new/").status_code == 403


def test_business_types_are_listed_and_edited_with_audit(client_for, personas):
    client = client_for("hq_admin")
    bt = BusinessType.objects.get(name="新开户回访")
    assert "老年交易者回访" in client.get("/callbacks/business-types/").content.decode()

    response = client.post(
        f"/callbacks/business-types/{bt.pk}/",
        {
            "name": bt.name,
            "description": bt.description,
            "deadline_rule": "trading_days",
            "deadline_days": 15,
            "event_age": 70,
            "max_unanswered_attempts": 4,
            "questionnaire_required": "on",
            "is_active": "on",
            "sort_order": 20,
        },
    )

    assert response.status_code == 302
    bt.refresh_from_db()
    assert (bt.deadline_days, bt.max_unanswered_attempts) == (15, 4)
    event = AuditEvent.objects.get(action="change", object_type="callbacks.businesstype")
    assert event.before == {"deadline_days": 20, "max_unanswered_attempts": 3}
    assert event.user == personas["hq_admin"]


def test_a_business_type_requires_record_contents(client_for):
    client = client_for("hq_admin")
    bt = BusinessType.objects.get(name="新开户回访")
    page = client.get(f"/callbacks/business-types/{bt.pk}/").content.decode()
    assert "成功记录必填项" in page and 'value="recording"' in page
    client.post(
        f"/callbacks/business-types/{bt.pk}/",
        {
            "name": bt.name,
            "deadline_rule": "trading_days",
            "deadline_days": 20,
            "event_age": 70,
            "max_unanswered_attempts": 3,
            "required_record_fields": ["recording", "duration"],
            "is_active": "on",
            "sort_order": bt.sort_order,
        },
    )
    bt.refresh_from_db()
    assert bt.requirement_labels == ["回访时长", "录音引用"]
    event = AuditEvent.objects.get(action="change", object_type="callbacks.businesstype")
    assert event.after["required_record_fields"] == ["recording", "duration"]


def test_an_unknown_record_requirement_is_refused(client_for):
    bt = BusinessType.objects.get(name="新开户回访")
    response = client_for("hq_admin").post(
        f"/callbacks/business-types/{bt.pk}/",
        {
            "name": bt.name,
            "deadline_rule": "trading_days",
            "deadline_days": 20,
            "event_age": 70,
            "max_unanswered_attempts": 3,
            "required_record_fields": ["shoe"],
            "sort_order": 1,
        },
    )
    assert response.status_code == 200 and "shoe" in response.content.decode()
    bt.refresh_from_db()
    assert bt.required_record_fields == []


def test_managers_cannot_edit_business_types(client_for):
    bt = BusinessType.objects.first()
    assert client_for("manager_a").get(f"/callbacks/business-types/{bt.pk}/").status_code == 403


def test_my_tasks_list_agreed_call_back_times_first(client_for, personas, tasks):
    import datetime

    from django.utils import timezone

    ids = list(CallbackTask.objects.filter(branch__code="010101").values_list("pk", flat=True))
    services.do_assign(ids, personas["agent_a"], actor=personas["hq_admin"])
    later = CallbackTask.objects.get(customer__investor_code="01010001")
    CallbackTask.objects.filter(pk=later.pk).update(
        appointment_at=timezone.now() - datetime.timedelta(hours=1)
    )
    html = client_for("agent_a").get(LIST).content.decode()
    assert html.index("01010001") < html.index("01010002")
    assert "table-warning" in html


def test_the_export_gives_the_agreed_call_back_time_in_shanghai_time(client_for, tasks):
    import datetime

    task = CallbackTask.objects.get(customer__investor_code="01010001")
    CallbackTask.objects.filter(pk=task.pk).update(
        appointment_at=datetime.datetime(2025, 1, 1, 16, 30, tzinfo=datetime.UTC)
    )
    response = client_for("hq_admin").get(LIST + "?_export=csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {row["投资者代码"]: row for row in csv.DictReader(io.StringIO(body))}

    assert rows["01010001"]["改约时间"] == "2025-01-02 00:30:00"  # not 16:30+00:00
    assert rows["01010002"]["改约时间"] == ""
