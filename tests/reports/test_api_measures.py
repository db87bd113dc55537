"""``/api/v1/measures/`` and ``/api/v1/measure-types/``: the list page's filters and scope,
create / change / status through ``reports.services`` (audited on the api channel), 403 for
a role without the right, 404 out of scope, 400 with Chinese errors by field."""

from __future__ import annotations

import datetime

import pytest

from huifang.core.models import AuditEvent
from huifang.reports import services
from huifang.reports.models import Measure, MeasureType
from tests.reports.conftest import TODAY

pytestmark = pytest.mark.django_db

URL = "/api/v1/measures/"


def kind(name: str) -> MeasureType:
    return MeasureType.objects.get(name=name)


def api_rows(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, actor_label="api"))


@pytest.fixture
def measure_a(world, personas):
    return services.do_create_measure(
        world.a_done.customer,
        kind("面谈"),
        "客户回访中表示不了解风险",
        task=world.a_done,
        due_date=TODAY + datetime.timedelta(days=7),
        actor=personas["manager_a"],
    )


@pytest.fixture
def measure_b(world, personas):
    return services.do_create_measure(
        world.b_done.customer, kind("风险提示"), "上海客户", actor=personas["hq_admin"]
    )


# -- list, detail, export ------------------------------------------------------------------


def test_the_list_is_scoped(measure_a, measure_b, client_for):
    answer = client_for("manager_a").get(URL)
    assert answer.status_code == 200
    assert [m["id"] for m in answer.json()["results"]] == [measure_a.pk]
    row = answer.json()["results"][0]
    assert row["investor_code"] == measure_a.customer.investor_code
    assert row["measure_type_name"] == "面谈"
    assert row["status"] == "pending" and row["status_label"] == "待执行"
    assert row["source"] == f"任务 #{measure_a.task_id}"
    assert row["next_statuses"] == ["active", "done", "cancelled"]


def test_the_list_takes_the_pages_filters(measure_a, measure_b, client_for):
    services.do_change_status(measure_b, "cancelled", actor=measure_b.created_by)
    client = client_for("hq_admin")
    open_ids = [m["id"] for m in client.get(URL, {"status": "open"}).json()["results"]]
    assert open_ids == [measure_a.pk]
    by_type = client.get(URL, {"measure_type": kind("风险提示").pk}).json()["results"]
    assert [m["id"] for m in by_type] == [measure_b.pk]


def test_a_bad_filter_is_a_400_in_chinese(measure_a, client_for):
    answer = client_for("hq_admin").get(URL, {"status": "nonsense"})
    assert answer.status_code == 400
    assert "status" in answer.json()["errors"]


def test_another_branchs_measure_is_404(measure_b, client_for):
    assert client_for("manager_a").get(f"{URL}{measure_b.pk}/").status_code == 404


def test_a_role_without_the_right_may_not_list(client_for, db):
    # Only HQ, auditors, managers and agents hold view_measure; a user with no role none.
    from huifang.org.models import User

    nobody = User.objects.create_user("nobody", password="x-Huifang-2026")
    client = client_for("agent_a")
    client.force_login(nobody)
    assert client.get(URL).status_code == 403


def test_export_writes_the_list_and_one_audit_row(measure_a, client_for):
    answer = client_for("manager_a").get(f"{URL}export/", {"file_format": "csv"})
    assert answer.status_code == 200
    body = b"".join(answer.streaming_content if answer.streaming else [answer.content])
    assert measure_a.customer.investor_code in body.decode("utf-8-sig")
    assert AuditEvent.objects.filter(action="export", actor_label="api").count() == 1


# -- create ----------------------------------------------------------------------------------


def test_create_from_a_task(world, client_for, personas):
    answer = client_for("manager_a").post(
        URL,
        {
            "task": world.a_late.pk,
            "measure_type": kind("面谈").pk,
            "reason": "逾期未回访，约见客户",
            "responsible": "agent_a",
            "due_date": "2026-03-31",
        },
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.json()
    measure = Measure.objects.get(pk=answer.json()["id"])
    assert measure.customer == world.a_late.customer
    assert measure.task == world.a_late
    assert measure.responsible == personas["agent_a"]
    assert answer.json()["responsible"] == "agent_a"
    (row,) = api_rows("measure_create")
    assert row.user == personas["manager_a"] and row.object_id == str(measure.pk)


def test_an_agent_may_not_create(world, client_for):
    answer = client_for("agent_a").post(
        URL,
        {
            "customer": world.a_new.customer.investor_code,
            "measure_type": kind("面谈").pk,
            "reason": "x",
        },
        content_type="application/json",
    )
    assert answer.status_code == 403
    assert not Measure.objects.exists()


def test_create_for_another_branchs_customer_is_404(world, client_for):
    answer = client_for("manager_a").post(
        URL,
        {
            "customer": world.b_late.customer.investor_code,
            "measure_type": kind("面谈").pk,
            "reason": "x",
        },
        content_type="application/json",
    )
    assert answer.status_code == 404
    assert not Measure.objects.exists()


def test_create_without_a_reason_or_a_source_is_400(world, client_for):
    answer = client_for("manager_a").post(
        URL, {"measure_type": kind("面谈").pk, "reason": ""}, content_type="application/json"
    )
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert "reason" in errors
    assert not Measure.objects.exists()


def test_create_without_a_source_is_400_in_chinese(world, client_for):
    answer = client_for("manager_a").post(
        URL, {"measure_type": kind("面谈").pk, "reason": "x"}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert "请指定客户" in answer.json()["errors"]["customer"][0]


@pytest.mark.parametrize(
    ("persona", "responsible", "message"),
    [
        ("manager_a", "agent_b", "负责人“agent_b”不存在、已停用或不在您的权限范围内"),
        ("hq_admin", "auditor", "稽核人员只读，不能作为管理措施的负责人"),  # read-only role
    ],
)
def test_a_responsible_who_cannot_carry_it_out_is_400(
    world, client_for, persona, responsible, message
):
    answer = client_for(persona).post(
        URL,
        {
            "customer": world.a_new.customer.investor_code,
            "measure_type": kind("面谈").pk,
            "reason": "x",
            "responsible": responsible,
        },
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["responsible"] == [message]
    assert not Measure.objects.exists()


# -- change --------------------------------------------------------------------------------


def test_patch_changes_only_the_given_fields(measure_a, client_for, personas):
    answer = client_for("manager_a").patch(
        f"{URL}{measure_a.pk}/", {"due_date": "2026-04-30"}, content_type="application/json"
    )
    assert answer.status_code == 200, answer.json()
    measure_a.refresh_from_db()
    assert measure_a.due_date == datetime.date(2026, 4, 30)
    assert measure_a.reason == "客户回访中表示不了解风险"
    (row,) = api_rows("measure_change")
    assert row.after == {"due_date": "2026-04-30"}


def test_an_agent_may_not_patch(measure_a, client_for):
    answer = client_for("agent_a").patch(
        f"{URL}{measure_a.pk}/", {"reason": "改"}, content_type="application/json"
    )
    assert answer.status_code == 403
    measure_a.refresh_from_db()
    assert measure_a.reason == "客户回访中表示不了解风险"


def test_patch_of_another_branchs_measure_is_404(measure_b, client_for):
    answer = client_for("manager_a").patch(
        f"{URL}{measure_b.pk}/", {"reason": "改"}, content_type="application/json"
    )
    assert answer.status_code == 404
    assert not api_rows("measure_change")


def test_patch_with_a_blank_reason_is_400(measure_a, client_for):
    answer = client_for("manager_a").patch(
        f"{URL}{measure_a.pk}/", {"reason": ""}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert "reason" in answer.json()["errors"]
    assert not api_rows("measure_change")


def test_a_measure_cannot_be_deleted(measure_a, client_for):
    # Refused by the permission check (nobody holds delete_measure) before the method.
    assert client_for("hq_admin").delete(f"{URL}{measure_a.pk}/").status_code in (403, 405)
    assert Measure.objects.filter(pk=measure_a.pk).exists()


# -- status ----------------------------------------------------------------------------------


def test_status_change(measure_a, client_for):
    answer = client_for("manager_a").post(
        f"{URL}{measure_a.pk}/status/",
        {"status": "done", "result": "已面谈"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "done"
    measure_a.refresh_from_db()
    assert measure_a.status == "done" and measure_a.result == "已面谈"
    (row,) = api_rows("measure_status")
    assert row.after == {"status": "done", "result": "已面谈"}


def test_done_without_a_result_is_400(measure_a, client_for):
    answer = client_for("manager_a").post(
        f"{URL}{measure_a.pk}/status/", {"status": "done"}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["result"] == ["完成措施须填写执行结果"]
    measure_a.refresh_from_db()
    assert measure_a.status == "pending"


def test_an_unknown_status_is_400(measure_a, client_for):
    answer = client_for("manager_a").post(
        f"{URL}{measure_a.pk}/status/", {"status": "later"}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert "status" in answer.json()["errors"]


def test_an_agent_may_not_change_the_status(measure_a, client_for):
    answer = client_for("agent_a").post(
        f"{URL}{measure_a.pk}/status/", {"status": "active"}, content_type="application/json"
    )
    assert answer.status_code == 403
    measure_a.refresh_from_db()
    assert measure_a.status == "pending"


def test_status_of_another_branchs_measure_is_404(measure_b, client_for):
    answer = client_for("manager_a").post(
        f"{URL}{measure_b.pk}/status/", {"status": "active"}, content_type="application/json"
    )
    assert answer.status_code == 404
    measure_b.refresh_from_db()
    assert measure_b.status == "pending"


# -- the type dictionary ---------------------------------------------------------------------

TYPES = "/api/v1/measure-types/"


def test_a_manager_reads_the_types(client_for):
    names = [t["name"] for t in client_for("manager_a").get(TYPES).json()["results"]]
    assert "面谈" in names


def test_an_agent_may_not_read_the_types(client_for):
    assert client_for("agent_a").get(TYPES).status_code == 403


def test_hq_creates_and_changes_a_type(client_for, personas):
    client = client_for("hq_admin")
    answer = client.post(
        TYPES, {"name": "电话提醒", "sort_order": 5}, content_type="application/json"
    )
    assert answer.status_code == 201, answer.json()
    created = MeasureType.objects.get(name="电话提醒")
    assert created.sort_order == 5 and created.updated_by == personas["hq_admin"]
    answer = client.patch(
        f"{TYPES}{created.pk}/", {"is_active": False}, content_type="application/json"
    )
    assert answer.status_code == 200
    created.refresh_from_db()
    assert not created.is_active
    assert len(api_rows("create")) == 1 and len(api_rows("change")) == 1


def test_a_manager_may_not_create_a_type(client_for):
    answer = client_for("manager_a").post(
        TYPES, {"name": "电话提醒"}, content_type="application/json"
    )
    assert answer.status_code == 403
    assert not MeasureType.objects.filter(name="电话提醒").exists()


def test_a_duplicate_type_name_is_400(client_for):
    answer = client_for("hq_admin").post(TYPES, {"name": "面谈"}, content_type="application/json")
    assert answer.status_code == 400
    assert "name" in answer.json()["errors"]
    assert MeasureType.objects.filter(name="面谈").count() == 1


# -- attachments -----------------------------------------------------------------------------


def test_attachments_are_uploaded_and_downloaded(measure_a, client_for):
    import hashlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for("manager_a")
    upload = SimpleUploadedFile("提示书.pdf", b"%PDF signed", content_type="application/pdf")
    answer = client.post(f"{URL}{measure_a.pk}/attachments/", {"files": [upload]})
    assert answer.status_code == 201, answer.json()
    (kept,) = answer.json()["attachments"]
    assert kept["name"] == "提示书.pdf"
    assert kept["sha256"] == hashlib.sha256(b"%PDF signed").hexdigest()
    assert len(api_rows("measure_attachment")) == 1
    download = client.get(f"{URL}{measure_a.pk}/attachments/{kept['id']}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF signed"
    assert len(api_rows("download")) == 1


def test_an_upload_without_files_is_400(measure_a, client_for):
    answer = client_for("manager_a").post(f"{URL}{measure_a.pk}/attachments/", {})
    assert answer.status_code == 400
    assert "files" in answer.json()["errors"]
    assert not measure_a.attachments.exists()


def test_an_agent_may_not_upload(measure_a, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("a.txt", b"x")
    answer = client_for("agent_a").post(f"{URL}{measure_a.pk}/attachments/", {"files": [upload]})
    assert answer.status_code == 403
    assert not measure_a.attachments.exists()


def test_attachments_of_another_branchs_measure_are_404(measure_b, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("a.txt", b"x")
    client = client_for("manager_a")
    assert client.post(f"{URL}{measure_b.pk}/attachments/", {"files": [upload]}).status_code == 404
    assert not measure_b.attachments.exists()
    assert client.get(f"{URL}{measure_b.pk}/attachments/1/").status_code == 404


def test_a_past_due_date_is_400_in_chinese(world, measure_a, client_for):
    client = client_for("manager_a")
    answer = client.patch(
        f"{URL}{measure_a.pk}/", {"due_date": "2026-03-01"}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"due_date": ["完成期限不能早于今天（2026-03-16）"]}
    created = client.post(
        URL,
        {
            "task": world.a_late.pk,
            "measure_type": kind("面谈").pk,
            "reason": "约见客户",
            "due_date": "2026-03-15",
        },
        content_type="application/json",
    )
    assert created.status_code == 400
    assert created.json()["errors"] == {"due_date": ["完成期限不能早于今天（2026-03-16）"]}
    assert list(Measure.objects.values_list("pk", flat=True)) == [measure_a.pk]
