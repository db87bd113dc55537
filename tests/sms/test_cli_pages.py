"""``huifang sms``, the pages (permissions, scoping) and the task-page / record-list hooks."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from huifang.channels.sms.models import SmsMessage, SmsOptOut, SmsTemplate

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("sms", *args, stdout=out)
    return out.getvalue()


def test_cli_send_for_a_task_prints_the_counts(task, template):
    output = run("send", "--task", str(task.pk), "--template", "REMIND")
    assert "queued=" in output and "held=" in output and output.strip().endswith("skipped=0")
    assert SmsMessage.objects.count() == 1


def test_cli_send_for_a_batch_reports_skipped_customers(make_task, template):
    first = make_task(mobile="12345")
    output = run("send", "--batch", first.batch.number, "--template", "REMIND")
    assert "跳过（无有效手机号）: 1" in output and "skipped=1" in output


def test_cli_unknown_template_is_a_clear_error(task):
    with pytest.raises(CommandError, match="短信模板 NOPE 不存在"):
        run("send", "--task", str(task.pk), "--template", "NOPE")


def test_cli_templates_lists_them(template):
    assert "REMIND" in run("templates")


def test_the_template_list_is_open_to_agents_but_editing_is_not(client_for, template):
    agent = client_for("agent_a")
    assert agent.get("/sms/templates/").status_code == 200
    assert agent.get("/sms/templates/new/").status_code == 403


def test_hq_creates_a_template_through_the_page(client_for):
    response = client_for("hq_admin").post(
        "/sms/templates/new/",
        {"code": "T2", "name": "提醒", "signature": "【惠访】", "text": "{客户名称}您好"},
    )
    assert response.status_code == 302
    assert SmsTemplate.objects.filter(code="T2").exists()


def test_a_bad_template_shows_the_chinese_error(client_for):
    response = client_for("hq_admin").post(
        "/sms/templates/new/",
        {"code": "T3", "name": "提醒", "signature": "惠访", "text": "{生日}"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "签名须写成【签名】的形式" in text and "未知变量" in text


def test_the_preview_shows_the_length_and_parts(client_for):
    response = client_for("agent_a").post(
        "/sms/templates/preview/", {"signature": "【惠访】", "text": "x" * 70}
    )
    text = response.content.decode()
    assert "data-preview-length>74<" in text and "data-preview-parts>2<" in text


def test_the_message_list_is_scoped(client_for, make_task, queue):
    from huifang.callbacks.models import CallbackTask

    make_task("a1", mobile="13812345678")
    make_task("b1", mobile="13912345678")
    queue(CallbackTask.objects.all())
    text = client_for("agent_b").get("/sms/").content.decode()
    assert "139****5678" in text and "138****5678" not in text


def test_the_message_list_masks_numbers_in_the_export(client_for, task, queue):
    queue(task)
    response = client_for("hq_admin").get("/sms/?_export=csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "138****5678" in body and "13812345678" not in body


def export_rows(client, path: str) -> list[dict]:
    import csv

    response = client.get(path)
    return list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )


def test_the_message_export_names_the_provider_and_says_yes_or_no(client_for, task, queue):
    from huifang.channels.sms.transports import TRANSPORTS

    queue(task)
    SmsMessage.objects.update(provider="aliyun", forced=True)
    columns = "cols=investor_code&cols=provider&cols=forced"
    (row,) = export_rows(client_for("hq_admin"), f"/sms/?{columns}&_export=csv")
    assert (row["服务商"], row["强制发送"]) == (TRANSPORTS["aliyun"].label, "是")


def test_a_provider_no_transport_claims_is_exported_as_stored(client_for, task, queue):
    queue(task)
    SmsMessage.objects.update(provider="retired")
    (row,) = export_rows(client_for("hq_admin"), "/sms/?cols=provider&cols=forced&_export=csv")
    assert (row["服务商"], row["强制发送"]) == ("retired", "否")


def test_the_message_list_names_the_template_with_its_code_after_it(client_for, task, queue):
    """短信模板 reads 回访提醒 (REMIND on hover) on the page and 回访提醒（REMIND） in the export."""
    queue(task)
    client = client_for("hq_admin")
    html = client.get("/sms/").content.decode()
    assert '<span title="模板编号：REMIND">回访提醒</span>' in html
    (row,) = export_rows(client, "/sms/?_export=csv")
    assert row["短信模板"] == "回访提醒（REMIND）"


def test_the_message_lists_template_filter_offers_templates_by_name(client_for, template):
    html = client_for("hq_admin").get("/sms/").content.decode()
    assert f'<option value="{template.pk}">回访提醒（REMIND）</option>' in html


def test_the_task_page_offers_and_lists_templates_by_name(client_for, task, template, queue):
    queue(task)
    page = client_for("agent_a").get(f"/callbacks/tasks/{task.pk}/").content.decode()
    sms = page[page.index('id="task-sms"') :]
    assert f'<option value="{template.pk}">回访提醒（REMIND）</option>' in sms
    assert '回访提醒 <span class="text-secondary small">REMIND</span></td>' in sms


def test_the_template_export_says_enabled_or_disabled(client_for, template):
    (row,) = export_rows(client_for("hq_admin"), "/sms/templates/?_export=csv")
    assert row["状态"] == "启用"


def test_the_opt_out_export_names_where_it_came_from(client_for):
    client = client_for("hq_admin")
    client.post("/sms/opt-outs/new/", {"mobile": "13812345678", "reason": "客户来电要求"})
    assert SmsOptOut.objects.get().created_via == "web"
    (row,) = export_rows(client, "/sms/opt-outs/?_export=csv")
    assert row["来源"] == "网页"


def test_an_auditor_cannot_send(client_for, task, template):
    response = client_for("auditor").post(f"/sms/send/task/{task.pk}/", {"template": template.pk})
    assert response.status_code == 403
    assert not SmsMessage.objects.exists()


def test_the_task_page_sends_and_lists_the_message(client_for, task, template):
    client = client_for("agent_a")
    response = client.post(f"/sms/send/task/{task.pk}/", {"template": template.pk})
    assert response.status_code == 302
    assert SmsMessage.objects.count() == 1
    page = client.get(f"/callbacks/tasks/{task.pk}/").content.decode()
    assert 'id="task-sms"' in page and 'data-sms-status="queued"' in page


@pytest.mark.parametrize("target", ["/\\evil.example.com/", "https://evil.example.com/"])
def test_sending_from_a_task_never_returns_to_another_site(client_for, task, template, target):
    response = client_for("agent_a").post(
        f"/sms/send/task/{task.pk}/", {"template": template.pk, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/callbacks/tasks/{task.pk}/"


def test_a_task_out_of_scope_is_404(client_for, make_task, template):
    other = make_task("b1")
    response = client_for("agent_a").post(f"/sms/send/task/{other.pk}/", {"template": template.pk})
    assert response.status_code == 404


def test_the_record_form_offers_send_sms(client_for, task, template):
    page = client_for("agent_a").get(f"/records/tasks/{task.pk}/new/").content.decode()
    assert 'id="sms-send-form"' in page


def test_the_record_list_reads_the_sms_column(client_for, task, template, content, personas):
    from huifang.callbacks.records.services import do_create_record
    from huifang.channels.sms.services import do_queue

    do_queue(task, template)  # before the successful record closes the task
    do_create_record(task, content(), actor=personas["agent_a"])
    page = client_for("hq_admin").get("/records/?cols=investor_code&cols=sms").content.decode()
    assert "发送短信" in page and "排队" in page


def test_the_opt_out_page_registers_a_number(client_for):
    client = client_for("agent_a")
    response = client.post("/sms/opt-outs/new/", {"mobile": "13812345678", "reason": "来电"})
    assert response.status_code == 302
    assert SmsOptOut.objects.get().mobile == "13812345678"
    assert "138****5678" in client.get("/sms/opt-outs/").content.decode()


def test_a_bad_opt_out_number_is_a_chinese_message(client_for):
    client = client_for("agent_a")
    response = client.post("/sms/opt-outs/new/", {"mobile": "abc"}, follow=True)
    assert "请填写有效的手机号" in response.content.decode()
    assert not SmsOptOut.objects.exists()


def test_the_bulk_send_runs_as_a_job(client_for, make_task, template, run_jobs):
    from huifang.core.models import Job

    tasks = [make_task("a1"), make_task("a1")]
    client = client_for("manager_a")
    asked = client.post("/sms/send/bulk/", {"pk": [t.pk for t in tasks]})
    assert "将向" in asked.content.decode()
    with run_jobs():
        response = client.post(
            "/sms/send/bulk/",
            {"pk": [t.pk for t in tasks], "template": template.pk, "confirmed": "1"},
        )
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == "succeeded", job.error
    assert SmsMessage.objects.count() == 2


def test_the_bulk_send_of_every_matching_task(client_for, make_task, template, run_jobs):
    make_task("a1")
    make_task("b1")
    with run_jobs():
        client_for("manager_a").post(
            "/sms/send/bulk/",
            {"matching": "1", "filter": "status=open", "template": template.pk, "confirmed": "1"},
        )
    assert SmsMessage.objects.count() == 1  # 上海's task is outside 北京分公司's scope


def test_an_agent_ticks_tasks_to_send_sms_but_gets_no_management_buttons(client_for, task):
    page = client_for("agent_a").get("/callbacks/tasks/?status=open").content.decode()
    assert 'id="sms-bulk"' in page and 'name="pk"' in page
    assert "分配给专员" not in page and "取消任务" not in page


def test_an_auditor_gets_no_selection_on_the_task_list(client_for, task):
    page = client_for("auditor").get("/callbacks/tasks/?status=open").content.decode()
    assert 'id="bulk-form"' not in page and 'name="pk"' not in page


def test_an_agent_bulk_sends_for_the_ticked_tasks_in_scope(
    client_for, make_task, template, run_jobs
):
    mine, other = make_task("a1"), make_task("b1")
    with run_jobs():
        client_for("agent_a").post(
            "/sms/send/bulk/",
            {"pk": [mine.pk, other.pk], "template": template.pk, "confirmed": "1"},
        )
    assert list(SmsMessage.objects.values_list("task_id", flat=True)) == [mine.pk]


def test_the_message_export_names_its_filters_as_the_page_does(client_for, task, template, queue):
    from tests.xlsx import about

    queue(task)
    query = {
        "_export": "xlsx",
        "status": "queued",
        "template": template.pk,
        "day_from": "2026-01-05",
    }
    response = client_for("hq_admin").get("/sms/", query)
    assert (
        about(response.content)["筛选条件"]
        == "短信模板：回访提醒（REMIND）；状态：排队；发送日从：2026-01-05"
    )
