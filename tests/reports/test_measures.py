"""管理措施: lifecycle, audit rows, scoping, the restriction list, the pages."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from huifang.core.models import AuditEvent
from huifang.reports import services
from huifang.reports.models import Measure, MeasureType
from tests.reports.conftest import TODAY

pytestmark = pytest.mark.django_db


def kind(name: str) -> MeasureType:
    return MeasureType.objects.get(name=name)


def audit_rows(measure: Measure) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type="reports.measure", object_id=str(measure.pk)
        ).order_by("id")
    )


@pytest.fixture
def measure(world, personas):
    return services.do_create_measure(
        world.a_done.customer,
        kind("面谈"),
        "客户回访中表示不了解风险",
        task=world.a_done,
        due_date=TODAY + datetime.timedelta(days=7),
        actor=personas["manager_a"],
    )


def test_the_types_are_seeded(db):
    assert set(MeasureType.objects.values_list("name", flat=True)) >= {
        "风险提示",
        "面谈",
        "限制开仓",
        "限制出金",
        "调整风险等级",
        "重新适当性评估",
        "加强回访",
        "其他",
    }


def test_create_records_the_measure_and_its_audit_row(measure, world, personas):
    assert measure.status == "pending"
    assert measure.branch == world.a_done.branch
    assert measure.created_by == personas["manager_a"]
    (row,) = audit_rows(measure)
    assert row.action == "measure_create"
    assert row.after["task_id"] == world.a_done.pk
    assert row.after["reason"] == "客户回访中表示不了解风险"


def test_lifecycle_pending_active_done(measure, personas):
    manager = personas["manager_a"]
    services.do_change_status(measure, "active", actor=manager)
    done = services.do_change_status(
        measure, "done", result="已面谈并签署风险揭示书", actor=manager
    )
    assert done.status == "done"
    rows = audit_rows(measure)
    assert [r.action for r in rows] == ["measure_create", "measure_status", "measure_status"]
    assert rows[1].before == {"status": "pending"} and rows[1].after == {"status": "active"}
    assert rows[2].after == {"status": "done", "result": "已面谈并签署风险揭示书"}


def test_done_needs_a_result(measure, personas):
    with pytest.raises(ValidationError, match="须填写执行结果"):
        services.do_change_status(measure, "done", actor=personas["manager_a"])
    measure.refresh_from_db()
    assert measure.status == "pending"


def test_a_closed_measure_cannot_reopen(measure, personas):
    services.do_change_status(measure, "cancelled", actor=personas["manager_a"])
    with pytest.raises(ValidationError, match="不能从“已取消”改为“执行中”"):
        services.do_change_status(measure, "active", actor=personas["manager_a"])


def test_update_audits_before_and_after(measure, personas):
    services.do_update_measure(
        measure,
        {"due_date": TODAY + datetime.timedelta(days=30), "responsible": personas["agent_a"]},
        actor=personas["manager_a"],
    )
    row = audit_rows(measure)[-1]
    assert row.action == "measure_change"
    assert row.before == {"due_date": "2026-03-23", "responsible_id": None}
    assert row.after == {"due_date": "2026-04-15", "responsible_id": personas["agent_a"].pk}


def test_attachments_are_kept_with_their_sha256(measure, personas):
    upload = SimpleUploadedFile("风险揭示书.pdf", b"%PDF-1.4 signed")
    services.do_update_measure(measure, {}, attachments=[upload], actor=personas["manager_a"])
    (attachment,) = measure.attachments.all()
    assert attachment.sha256 == hashlib.sha256(b"%PDF-1.4 signed").hexdigest()
    assert audit_rows(measure)[-1].action == "measure_attachment"


def test_out_of_scope_customer_is_refused(world, personas):
    with pytest.raises(PermissionDenied):
        services.do_create_measure(
            world.b_late.customer, kind("面谈"), "原因", actor=personas["manager_a"]
        )
    assert not Measure.objects.exists()


def test_agent_may_not_create(world, personas):
    with pytest.raises(PermissionDenied):
        services.do_create_measure(
            world.a_new.customer, kind("面谈"), "原因", actor=personas["agent_a"]
        )


def test_a_source_of_another_customer_is_refused(world, personas):
    with pytest.raises(ValidationError, match="不属于该客户"):
        services.do_create_measure(
            world.a_new.customer,
            kind("面谈"),
            "原因",
            task=world.a_done,
            actor=personas["manager_a"],
        )
    assert not Measure.objects.exists()


def _overdue(measure: Measure, days: int = 1) -> Measure:
    """A measure whose 完成期限 has passed since it was set (no service sets a past date)."""
    Measure.objects.filter(pk=measure.pk).update(due_date=TODAY - datetime.timedelta(days=days))
    measure.refresh_from_db()
    return measure


def test_list_is_scoped_and_highlights_overdue(world, personas, client_for):
    _overdue(
        services.do_create_measure(
            world.a_new.customer, kind("风险提示"), "逾期的", actor=personas["hq_admin"]
        )
    )
    services.do_create_measure(
        world.b_late.customer, kind("风险提示"), "上海的", actor=personas["hq_admin"]
    )
    page = client_for("manager_a").get(reverse("reports:measure_list"))
    body = page.content.decode()
    assert page.context["row_count"].value == 1
    assert "table-danger" in body
    assert (
        client_for("hq_admin").get(reverse("reports:measure_list")).context["row_count"].value == 2
    )


def test_restriction_list_holds_open_restricting_measures_only(world, personas, tmp_path):
    from django.core.management import call_command

    admin = personas["hq_admin"]
    open_one = services.do_create_measure(
        world.a_new.customer, kind("限制开仓"), "高风险", actor=admin
    )
    services.do_create_measure(world.a_new.customer, kind("面谈"), "不限制", actor=admin)
    closed = services.do_create_measure(
        world.b_late.customer, kind("限制出金"), "已解除", actor=admin
    )
    services.do_change_status(closed, "cancelled", actor=admin)
    review = services.do_create_measure(
        world.b_done.customer, kind("重新适当性评估"), "评估", actor=admin
    )
    out = tmp_path / "restrictions.csv"
    call_command("report", "restrictions", "--out", str(out))
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "投资者代码,投资者名称,部门代码,限制类型,措施编号,状态,登记日期,完成期限"
    codes = sorted([world.a_new.customer.investor_code, world.b_done.customer.investor_code])
    assert [line.split(",")[0] for line in lines[1:]] == codes
    assert {line.split(",")[4] for line in lines[1:]} == {str(open_one.pk), str(review.pk)}


def test_restriction_page_is_scoped(world, personas, client_for):
    admin = personas["hq_admin"]
    services.do_create_measure(world.a_new.customer, kind("限制开仓"), "北京", actor=admin)
    services.do_create_measure(world.b_late.customer, kind("限制出金"), "上海", actor=admin)
    page = client_for("agent_b").get(reverse("reports:restrictions"))
    assert page.context["row_count"].value == 1
    assert world.b_late.customer.investor_code in page.content.decode()


def test_create_page_prefills_from_a_task(world, client_for):
    client = client_for("manager_a")
    url = reverse("reports:measure_create") + f"?task={world.a_done.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert world.a_done.customer.investor_code in page.content.decode()
    response = client.post(
        reverse("reports:measure_create"),
        {
            "task": world.a_done.pk,
            "measure_type": kind("面谈").pk,
            "reason": "约见客户",
            "due_date": "2026-03-31",
        },
    )
    measure = Measure.objects.get()
    assert response.status_code == 302
    assert measure.task == world.a_done and measure.customer == world.a_done.customer


def test_create_page_from_a_record_links_record_and_task(world, client_for):
    record = world.a_done.records.filter(status="success").get()
    client = client_for("manager_a")
    data = {"record": record.pk, "measure_type": kind("风险提示").pk, "reason": "回访发现风险"}
    client.post(reverse("reports:measure_create"), data)
    measure = Measure.objects.get()
    assert (measure.record, measure.task) == (record, world.a_done)


def test_create_page_from_a_failed_record_prefills_the_reason(world, client_for):
    record = world.a_unreachable.records.order_by("called_at").first()
    record.remark = "客户称不方便接听"
    record.save(update_fields=["remark"])
    url = reverse("reports:measure_create") + f"?record={record.pk}"
    reason = client_for("manager_a").get(url).context["form"].initial["reason"]
    assert reason.startswith(f"回访记录 #{record.pk}（2026-03-11 10:00 电话 失败：")
    assert reason.endswith("）：客户称不方便接听")


def test_create_page_from_a_feedback_prefills_the_reason(world, client_for, personas):
    from huifang.callbacks.records.models import BranchFeedback

    feedback = BranchFeedback.objects.create(
        task=world.a_new, branch=world.a_new.branch, message="客户要求暂停交易"
    )
    url = reverse("reports:measure_create") + f"?feedback={feedback.pk}"
    reason = client_for("manager_a").get(url).context["form"].initial["reason"]
    assert reason == f"营业部反馈 #{feedback.pk}：客户要求暂停交易"


def test_create_page_out_of_scope_is_404(world, client_for):
    url = reverse("reports:measure_create") + f"?task={world.b_late.pk}"
    assert client_for("manager_a").get(url).status_code == 404


def test_create_page_without_a_reason_shows_the_error(world, client_for):
    data = {"task": world.a_done.pk, "measure_type": kind("面谈").pk, "reason": ""}
    page = client_for("manager_a").post(reverse("reports:measure_create"), data)
    assert page.status_code == 200
    assert not Measure.objects.exists()


def test_status_change_through_the_page(measure, client_for):
    client = client_for("manager_a")
    client.post(reverse("reports:measure_status", args=[measure.pk]), {"status": "active"})
    measure.refresh_from_db()
    assert measure.status == "active"
    page = client.post(reverse("reports:measure_status", args=[measure.pk]), {"status": "done"})
    assert page.status_code == 302
    measure.refresh_from_db()
    assert measure.status == "active"


def test_customer_360_and_task_page_show_the_measures(measure, world, client_for):
    client = client_for("manager_a")
    customer_page = client.get(
        reverse("customers:customer_detail", args=[world.a_done.customer.investor_code])
    )
    assert "客户回访中表示不了解风险"[:10] in customer_page.content.decode()
    task_page = client.get(reverse("callbacks:task_detail", args=[world.a_done.pk]))
    body = task_page.content.decode()
    assert f"/reports/measures/{measure.pk}/" in body
    assert "?record=" in body


def test_the_task_pages_measure_section_sits_in_its_card_as_the_other_sections_do(
    measure, world, client_for
):
    body = client_for("manager_a").get(reverse("callbacks:task_detail", args=[world.a_done.pk]))
    section = body.content.decode().split('<div class="measure-section">', 1)[1]
    assert '<div class="card-body border-bottom d-flex gap-2">' in section.split("<table", 1)[0]
    assert section.split("<table", 1)[1].startswith(' class="table table-vcenter card-table"')


def test_edit_page_changes_the_due_date(measure, client_for):
    client = client_for("manager_a")
    url = reverse("reports:measure_edit", args=[measure.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "measure_type": measure.measure_type.pk,
            "reason": measure.reason,
            "due_date": "2026-04-30",
            "result": "",
        },
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.due_date == datetime.date(2026, 4, 30)
    assert audit_rows(measure)[-1].after == {"due_date": "2026-04-30"}


def test_edit_page_of_another_branch_is_404(measure, client_for):
    url = reverse("reports:measure_edit", args=[measure.pk])
    assert client_for("agent_b").get(url).status_code in (403, 404)


def test_hq_maintains_the_type_dictionary(client_for, db, personas):
    client = client_for("hq_admin")
    client.post(
        reverse("reports:type_create"), {"name": "暂停交易", "sort_order": 90, "is_active": "on"}
    )
    added = MeasureType.objects.get(name="暂停交易")
    row = AuditEvent.objects.filter(object_type="reports.measuretype").latest("id")
    assert row.after["name"] == "暂停交易" and row.object_id == str(added.pk)
    assert client_for("manager_a").get(reverse("reports:type_create")).status_code == 403


def test_list_export_writes_one_audit_row(measure, client_for):
    client = client_for("manager_a")
    before = AuditEvent.objects.filter(action="export").count()
    response = client.get(reverse("reports:measure_list"), {"_export": "csv"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and "面谈" in lines[1]
    assert AuditEvent.objects.filter(action="export").count() == before + 1


def test_an_export_after_a_filter_still_carries_every_column(measure, client_for):
    """查询 sends the 显示列 ticks as the page shows them; untouched, they choose nothing, so
    the export keeps 执行结果 and 创建时间, which the page hides."""
    from huifang.reports.tables import MeasureTable

    shown = [c for c in MeasureTable.default_columns]
    response = client_for("manager_a").get(
        reverse("reports:measure_list"), {"status": "pending", "cols": shown, "_export": "csv"}
    )
    header = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert header.endswith("负责人,执行结果,创建时间")
    assert (
        client_for("manager_a")
        .get(reverse("reports:measure_list"), {"status": "pending", "cols": shown})
        .context["table"]
        .columns.names()
        == shown
    )


def test_an_export_of_the_columns_chosen_keeps_to_them(measure, client_for):
    response = client_for("manager_a").get(
        reverse("reports:measure_list"), {"cols": ["investor_code", "status"], "_export": "csv"}
    )
    header = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert header == "投资者代码,状态"


def test_the_responsible_choices_leave_out_auditors(world, client_for, personas):
    url = reverse("reports:measure_create") + f"?task={world.a_new.pk}"
    choices = client_for("hq_admin").get(url).context["form"].fields["responsible"].queryset
    assert personas["auditor"] not in choices
    assert personas["manager_a"] in choices


def test_restriction_filters_offer_only_what_the_list_can_hold(world, client_for):
    filters = client_for("hq_admin").get(reverse("reports:restrictions")).context["filter"].form
    types = {t.name for t in filters.fields["measure_type"].queryset}
    assert types == {"限制开仓", "限制出金", "重新适当性评估"}
    statuses = [value for value, _ in filters.fields["status"].choices if value]
    assert statuses == ["pending", "active"]


def test_a_new_measure_due_in_the_past_is_refused(world, personas):
    audit = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.do_create_measure(
            world.a_new.customer,
            kind("面谈"),
            "约见客户",
            due_date=TODAY - datetime.timedelta(days=1),
            actor=personas["manager_a"],
        )
    assert caught.value.message_dict == {"due_date": ["完成期限不能早于今天（2026-03-16）"]}
    assert (Measure.objects.count(), AuditEvent.objects.count()) == (0, audit)


def test_a_measure_may_be_due_today(world, personas):
    measure = services.do_create_measure(
        world.a_new.customer, kind("面谈"), "约见客户", due_date=TODAY, actor=personas["hq_admin"]
    )
    assert measure.due_date == TODAY


def test_moving_the_due_date_into_the_past_is_refused(measure, personas):
    with pytest.raises(ValidationError, match="完成期限不能早于今天"):
        services.do_update_measure(
            measure, {"due_date": TODAY - datetime.timedelta(days=2)}, actor=personas["manager_a"]
        )
    measure.refresh_from_db()
    assert measure.due_date == TODAY + datetime.timedelta(days=7)


def test_an_overdue_measure_is_still_edited_without_changing_its_date(measure, client_for):
    measure = _overdue(measure, days=3)
    response = client_for("manager_a").post(
        reverse("reports:measure_edit", args=[measure.pk]),
        {
            "measure_type": measure.measure_type.pk,
            "reason": "客户仍未到场，再次约见",
            "due_date": measure.due_date.isoformat(),
            "result": "",
        },
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.reason == "客户仍未到场，再次约见"


def test_the_create_page_refuses_a_past_due_date_under_the_field(world, client_for):
    page = client_for("manager_a").post(
        reverse("reports:measure_create"),
        {
            "task": world.a_done.pk,
            "measure_type": kind("面谈").pk,
            "reason": "约见客户",
            "due_date": "2026-03-15",
        },
    )
    assert page.status_code == 200
    assert page.context["form"].errors["due_date"] == ["完成期限不能早于今天（2026-03-16）"]
    assert not Measure.objects.exists()
