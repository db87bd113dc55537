"""外呼 pages: the call table on the task page, the 外呼记录 list (scope, totals, export),
push from the task list, the 外呼名单 (HQ and the auditor read every push; the file is
its maker's and HQ's), the import page and the mapping page (HQ maintains it, the auditor
reads it)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from huifang.channels.calls.models import CallAttempt, CallPush, ResultMapping
from huifang.core.models import AuditEvent
from tests.calls.test_mapping import _ingest


@pytest.mark.django_db
def test_the_task_page_shows_the_call_table(pushed, call, client_for):
    task, ref = pushed()
    _ingest(call(ref, "busy", attempt=1, call_id="P1", duration_seconds=95))
    html = client_for("agent_a").get(f"/callbacks/tasks/{task.pk}/").content.decode()
    assert 'id="task-calls"' in html
    for header in ("操作", "拨打时间", "拨打时长", "拨打次数", "拨打结果"):
        assert f"<th>{header}</th>" in html
    assert "01:35" in html and "占线" in html and "查看记录" in html


@pytest.mark.django_db
def test_the_call_table_pages_by_100(pushed, call, client_for):
    task, ref = pushed()
    for n in range(1, 102):
        _ingest(call(ref, "other", attempt=n, call_id="P2", started_at="2026-01-05T10:00:00+08:00"))
    page = client_for("agent_a").get(f"/callbacks/tasks/{task.pk}/")
    assert page.content.decode().count('data-call="P2"') == 100
    second = client_for("agent_a").get(f"/callbacks/tasks/{task.pk}/?calls_page=2")
    assert second.content.decode().count('data-call="P2"') == 1


@pytest.mark.django_db
def test_the_call_list_is_scoped_to_the_users_branches(pushed, call, client_for):
    _, ref_a = pushed("a1")
    _, ref_b = pushed("b1")
    _ingest(call(ref_a, "busy", call_id="IN-A"))
    _ingest(call(ref_b, "busy", call_id="IN-B"))
    response = client_for("manager_a").get("/calls/")
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["totals"]["total"] == 1
    assert "期货北京营业部" in html and "期货上海营业部" not in html.split('id="call-totals"')[1]


def _csv(response) -> list[dict]:
    import csv
    import io

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.django_db
def test_the_call_list_exports_the_pages_columns_as_it_shows_them(pushed, call, client_for):
    """导出 carries what the page shows: its columns in its order, 拨打时长 as 01:35, 回访记录
    and 回访任务 as #N."""
    task, ref = pushed()
    _, record = _ingest(call(ref, "busy", call_id="EXP1", duration_seconds=95))
    client = client_for("hq_admin")
    page = client.get("/calls/")
    heads = [str(column.header) for column in page.context["table"].columns]
    response = client.get("/calls/?_export=csv")
    (row,) = _csv(response)
    assert list(row) == heads
    assert "客户名称" in heads and "呼叫ID" not in heads
    assert (row["拨打时长"], row["拨打次数"], row["拨打结果"]) == ("01:35", "1", "占线")
    assert (row["回访记录"], row["回访任务"]) == (f"#{record.pk}", f"#{task.pk}")
    assert AuditEvent.objects.filter(action="export").count() == 1


@pytest.mark.django_db
def test_the_call_list_also_exports_the_interface_format_for_re_import(pushed, call, client_for):
    """导出接口格式: interfaces.md's columns (呼叫ID … 回访记录), seconds and bare ids, as
    ``huifang export calls`` writes them, whatever columns the page shows."""
    from tests.calls.test_export import COLUMNS

    _, ref = pushed()
    _, record = _ingest(call(ref, "busy", call_id="EXP1", duration_seconds=95))
    client = client_for("hq_admin")
    page = client.get("/calls/").content.decode()
    assert "_format=interface" in page and "导出接口格式 Excel (xlsx)" in page
    response = client.get("/calls/?cols=branch&_export=csv&_format=interface")
    (row,) = _csv(response)
    assert list(row) == COLUMNS
    assert (row["呼叫ID"], row["拨打时长"], row["回访记录"]) == ("EXP1", "95", str(record.pk))
    assert AuditEvent.objects.filter(action="export").count() == 1


@pytest.mark.django_db
def test_the_auditor_reads_the_call_list(client_for):
    assert client_for("auditor").get("/calls/").status_code == 200


@pytest.mark.django_db
def test_push_from_the_task_list_asks_then_gives_the_file(make_task, client_for):
    make_task("a1")
    make_task("b1")
    client = client_for("manager_a")
    ask = client.get("/calls/push/?status=open")
    assert ask.status_code == 200
    assert ask.context["count"] == 1
    assert not CallPush.objects.exists()
    done = client.post("/calls/push/", {"filter": "status=open"})
    push = CallPush.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/calls/push/{push.pk}/"
    download = client.get(f"/calls/push/{push.pk}/file/")
    assert download.status_code == 200
    assert push.count == 1
    assert AuditEvent.objects.filter(action="call_push", user__username="manager_a").exists()


@pytest.mark.django_db
def test_an_agent_may_not_push(client_for):
    assert client_for("agent_a").get("/calls/push/").status_code == 403
    assert client_for("agent_a").post("/calls/push/", {"filter": ""}).status_code == 403


@pytest.mark.django_db
def test_someone_elses_push_file_is_not_found(make_task, client_for, personas):
    from huifang.callbacks.models import CallbackTask
    from huifang.channels.calls.services import do_push

    make_task("a1")
    push = do_push(CallbackTask.objects.all(), actor=personas["hq_admin"])
    assert client_for("manager_a").get(f"/calls/push/{push.pk}/file/").status_code == 404


@pytest.mark.django_db
def test_the_task_list_offers_the_push_to_managers_only(make_task, client_for):
    assert "推送外呼名单" in client_for("manager_a").get("/callbacks/tasks/").content.decode()
    assert "推送外呼名单" not in client_for("agent_a").get("/callbacks/tasks/").content.decode()


@pytest.mark.django_db
def test_the_import_page_reports_bad_rows_and_writes_nothing(pushed, client_for):
    _, ref = pushed()
    content = (
        "呼叫ID,外呼任务ID,拨打时间,拨打时长,拨打次数,拨打结果\n"
        f"U1,{ref},2026-01-05 10:00:00,35,1,占线\n"
        f"U2,{ref},2026-01-05 10:00:00,35,1,哭了\n"
    ).encode()
    response = client_for("hq_admin").post(
        "/calls/import/", {"file": SimpleUploadedFile("calls.csv", content)}
    )
    assert response.status_code == 200
    assert "第 3 行" in response.content.decode()
    assert not CallAttempt.objects.exists()


@pytest.mark.django_db
def test_the_import_page_imports_a_good_file(pushed, client_for):
    _, ref = pushed()
    content = f"呼叫ID,外呼任务ID,拨打时间,拨打时长,拨打次数,拨打结果\nU1,{ref},2026-01-05 10:00:00,35,1,占线\n"
    response = client_for("hq_admin").post(
        "/calls/import/", {"file": SimpleUploadedFile("calls.csv", content.encode())}
    )
    assert response.status_code == 302
    assert CallAttempt.objects.get().source == "file"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["manager_a", "agent_a"])
def test_only_hq_imports(client_for, persona):
    assert client_for(persona).get("/calls/import/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["manager_a", "agent_a"])
def test_only_hq_and_the_auditor_see_the_mapping(client_for, persona):
    assert client_for(persona).get("/calls/mappings/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["manager_a", "agent_a", "auditor"])
def test_only_hq_maintains_the_mapping(client_for, persona):
    mapping = ResultMapping.objects.get(result="busy")
    client = client_for(persona)
    assert client.get(f"/calls/mappings/{mapping.pk}/").status_code == 403
    assert client.post(f"/calls/mappings/{mapping.pk}/", {"action": "wait"}).status_code == 403
    mapping.refresh_from_db()
    assert mapping.action != "wait"


@pytest.mark.django_db
def test_the_auditor_reads_the_mapping_without_edit_links(client_for):
    mapping = ResultMapping.objects.get(result="busy")
    page = client_for("auditor").get("/calls/mappings/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "占线" in html
    assert f"/calls/mappings/{mapping.pk}/" not in html


@pytest.mark.django_db
def test_the_mapping_names_its_confirmation_question_with_the_platforms_key_after_it(
    client_for,
):
    """确认问题 reads 确认回访内容（confirm）, not the bare IVR key, on the page and its export."""
    client = client_for("hq_admin")
    html = client.get("/calls/mappings/").content.decode()
    assert "确认回访内容（confirm）" in html
    assert ">confirm<" not in html
    export = client.get("/calls/mappings/", {"_export": "csv"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "确认回访内容（confirm）" in text


@pytest.fixture
def hq_push(make_task, personas):
    from huifang.callbacks.models import CallbackTask
    from huifang.channels.calls.services import do_push

    make_task("a1")
    return do_push(CallbackTask.objects.all(), actor=personas["hq_admin"], filters="status=open")


@pytest.mark.django_db
def test_the_auditor_sees_the_call_lists_in_the_menu_and_the_list(hq_push, client_for):
    client = client_for("auditor")
    assert "/calls/lists/" in client.get("/").content.decode()
    page = client.get("/calls/lists/")
    assert page.status_code == 200
    assert [row.record.pk for row in page.context["table"].rows] == [hq_push.pk]
    assert "处理状态：未完成（未处理+处理中）" in page.content.decode()


@pytest.mark.django_db
def test_the_auditor_reads_a_push_without_its_file_or_any_write_control(hq_push, client_for):
    client = client_for("auditor")
    page = client.get(f"/calls/push/{hq_push.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-push-count>1<" in html
    assert "push-download" not in html and "推送外呼名单" not in html
    assert client.get(f"/calls/push/{hq_push.pk}/file/").status_code == 403
    assert client.post("/calls/push/", {"filter": ""}).status_code == 403
    assert CallPush.objects.count() == 1


@pytest.mark.django_db
def test_the_call_lists_page_is_not_a_branch_managers(hq_push, client_for):
    client = client_for("manager_a")
    assert client.get("/calls/lists/").status_code == 403
    assert client.get(f"/calls/push/{hq_push.pk}/").status_code == 404


@pytest.mark.django_db
def test_hq_edits_a_mapping_on_its_page(client_for):
    mapping = ResultMapping.objects.get(result="busy")
    client = client_for("hq_admin")
    assert "占线" in client.get("/calls/mappings/").content.decode()
    response = client.post(f"/calls/mappings/{mapping.pk}/", {"action": "wait", "status": ""})
    assert response.status_code == 302
    mapping.refresh_from_db()
    assert mapping.action == "wait" and mapping.failure_reason is None


@pytest.mark.django_db
def test_a_bad_mapping_shows_the_error(client_for):
    mapping = ResultMapping.objects.get(result="busy")
    response = client_for("hq_admin").post(
        f"/calls/mappings/{mapping.pk}/", {"action": "record", "status": "failure"}
    )
    assert response.status_code == 200
    assert "须选择失败原因" in response.content.decode()


@pytest.mark.django_db
def test_the_call_lists_counts_are_right_aligned_with_separators(hq_push, client_for):
    CallPush.objects.filter(pk=hq_push.pk).update(count=12345)
    html = client_for("hq_admin").get("/calls/lists/").content.decode()
    assert '<td class="text-end">12,345</td>' in html


@pytest.mark.django_db
def test_a_push_names_its_filters_as_the_task_list_does(make_task, personas, branches, client_for):
    from huifang.callbacks.models import CallbackTask
    from huifang.channels.calls.services import do_push

    make_task("a1")
    push = do_push(
        CallbackTask.objects.all(),
        actor=personas["hq_admin"],
        filters=f"status=new&branch={branches['a1'].pk}",
    )
    html = client_for("hq_admin").get(f"/calls/push/{push.pk}/").content.decode()
    assert "部门：010101 期货北京营业部；处理状态：未处理" in html
