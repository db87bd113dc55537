"""Audit actions are declared, not typed as strings (issue 15): each app declares its
actions once (an ``AuditAction`` enum with the Chinese label and the sensitive fields of
the objects it touches); the one writer refuses an action nobody declared, so an action
without a label cannot reach the log."""

from __future__ import annotations

import pytest

from huifang.callbacks.audit_actions import CallbackAction
from huifang.core import audit
from huifang.core.audit import AuditAction, UndeclaredAction, action_choices, action_label
from huifang.core.audit_actions import CoreAction
from huifang.core.filtersets import AuditEventFilterSet
from huifang.core.models import AuditEvent
from huifang.customers.audit_actions import CustomerAction
from huifang.org.audit_actions import OrgAction
from huifang.rules.audit_actions import RuleAction

# Codes already stored in audit rows before the enums: each must stay declared as it is.
STORED_CODES = {
    "create", "update", "change", "login", "logout", "login_failed", "password", "export",
    "download", "reveal", "import", "job_start", "token_create", "token_revoke", "seed",
    "holiday_add", "holiday_remove", "calendar_import", "deadline_recompute", "screen",
    "run_freeze", "rule_create", "rule_change", "rule_enable", "rule_disable", "batch_create",
    "task_start", "task_complete", "task_cancel", "task_unreachable", "task_assign",
    "task_merge", "task_attempts", "assign", "distribute", "record_create", "record_change",
    "record_attachment", "feedback", "feedback_handle",
}  # fmt: skip

ENUMS = [CoreAction, OrgAction, CustomerAction, RuleAction, CallbackAction]


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_every_declared_action_has_a_chinese_label():
    members = [member for enum in ENUMS for member in enum]
    assert members
    assert [m for m in members if not _chinese(m.label)] == []


def test_a_code_declared_by_two_apps_has_one_label():
    labels: dict[str, set[str]] = {}
    for enum in ENUMS:
        for member in enum:
            labels.setdefault(member.value, set()).add(member.label)
    assert {code: found for code, found in labels.items() if len(found) > 1} == {}


def test_every_app_enum_registers_itself():
    assert set(ENUMS) <= set(AuditAction.__subclasses__())


def test_codes_already_stored_stay_declared_with_their_label():
    assert {code for code, _ in action_choices()} >= STORED_CODES
    assert action_label("distribute") == "自动分派任务"
    assert action_label("task_attempts") == "更新回访次数"
    assert action_label(CallbackAction.ASSIGN) == "分配任务"
    assert action_label(RuleAction.RULE_DISABLE) == "停用规则"


def test_the_audit_filter_offers_every_apps_actions():
    choices = dict(AuditEventFilterSet().filters["action"].extra["choices"]())
    assert choices["distribute"] == "自动分派任务"
    assert choices["rule_disable"] == "停用规则"
    assert choices["login"] == "登录"


def test_an_undeclared_action_is_refused_and_nothing_is_written(db):
    before = AuditEvent.objects.count()
    with pytest.raises(UndeclaredAction):
        audit.record("note", object_type="x")
    with pytest.raises(UndeclaredAction):
        audit.record_many([{"action": "bulk_note", "object_type": "x", "object_id": 1}])
    assert AuditEvent.objects.count() == before


def test_a_declared_code_given_as_text_is_written_with_that_code(db):
    event = audit.record("login", object_type="org.user")
    assert event.action == "login"
    assert "登录" in str(event)


def test_an_enum_member_is_stored_as_its_code(db):
    event = audit.record(CallbackAction.DISTRIBUTE, object_type="callbacks.callbacktask")
    event.refresh_from_db()
    assert event.action == "distribute"


def test_the_set_based_writer_refuses_an_undeclared_action_and_writes_declared_ones(db):
    select = "SELECT 7 AS object_id, '客户 #7' AS object_repr"
    with pytest.raises(UndeclaredAction):
        audit.record_query("bulk_note", object_type="x", select=select)
    with audit.acting(label="command:import"):
        assert audit.record_query(CustomerAction.CREATE, object_type="x", select=select) == 1
    event = AuditEvent.objects.get(object_type="x")
    assert (event.action, event.object_id, event.actor_label) == ("create", "7", "command:import")


def test_the_audit_filter_offers_object_types_by_chinese_name_only():
    """汇总统计's counters (unmanaged, written by triggers, never audited) showed as
    "record tally" / "task tally" among 对象类型."""
    choices = dict(AuditEventFilterSet().filters["object_type"].extra["choices"]())
    assert "reports.tasktally" not in choices
    assert "reports.recordtally" not in choices
    assert all(_chinese(label) for label in choices.values())


def test_the_audit_page_offers_each_action_name_once_and_finds_every_code_of_it(client_for):
    """修改 (update, change) and 分配任务 (assign, task_assign) showed twice each; either
    option found only the rows of its own code."""
    audit.record("update", object_type="org.user", object_id="1", object_repr="甲")
    audit.record("change", object_type="callbacks.callbacktask", object_id="2", object_repr="乙")
    audit.record("login", object_type="org.user", object_id="3", object_repr="丙")
    client = client_for("auditor")
    html = client.get("/system/audit/").content.decode()
    assert html.count(">修改</option>") == 1 and html.count(">分配任务</option>") == 1
    code = dict((label, code) for code, label in reversed(action_choices()))["修改"]
    page = client.get("/system/audit/", {"action": code}).content.decode()
    assert "甲" in page and "乙" in page and "丙" not in page


def test_the_audit_api_still_filters_by_the_exact_code(client_for):
    audit.record("update", object_type="org.user", object_id="1", object_repr="甲")
    audit.record("change", object_type="callbacks.callbacktask", object_id="2", object_repr="乙")
    rows = client_for("auditor").get("/api/v1/audit-events/", {"action": "change"}).json()
    assert [row["object_repr"] for row in rows["results"]] == ["乙"]
