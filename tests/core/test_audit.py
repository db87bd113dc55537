import pytest

from huifang.core import audit
from huifang.core.audit_actions import CoreAction
from huifang.core.models import AuditEvent


def test_audit_rows_cannot_be_changed(db):
    event = audit.record(CoreAction.DOWNLOAD, object_type="x", message="m")
    event.message = "changed"
    with pytest.raises(PermissionError):
        event.save()


def test_audit_rows_cannot_be_deleted_one_by_one_or_in_bulk(db):
    event = audit.record(CoreAction.DOWNLOAD, object_type="x")
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(message="x")


def test_acting_attributes_rows_to_the_command_label(db):
    with audit.acting(label="command:test"):
        event = audit.record(CoreAction.DOWNLOAD, object_type="x")
    assert event.actor_label == "command:test"
    assert event.user is None


def test_diff_keeps_only_changed_keys():
    assert audit.diff({"a": 1, "b": 2}, {"a": 1, "b": 3}) == ({"b": 2}, {"b": 3})


def test_the_audit_page_names_actions_in_chinese(client_for, personas):
    audit.record("login", personas["agent_a"], actor=personas["agent_a"])
    body = client_for("auditor").get("/system/audit/").content.decode()
    assert ">登录<" in body


def test_personal_fields_are_stored_masked(db):
    event = audit.record(
        "update",
        object_type="x",
        before={"email": "18216097175@139.com", "name": "张三"},
        after={"email": "zhangsan@qq.com", "mobile": "13812345678", "id_number": None},
    )
    event.refresh_from_db()
    assert event.before == {"email": "182****7175@139.com", "name": "张三"}
    assert event.after == {"email": "zh****an@qq.com", "mobile": "138****5678", "id_number": None}
