"""A callback record's numbers and address reach the audit log masked (issue 15): the
record actions declare them sensitive and the one writer masks them."""

from __future__ import annotations

from huifang.callbacks.records import services
from huifang.core.models import AuditEvent


def test_a_new_record_is_audited_with_its_numbers_and_address_masked(task, personas, content):
    values = content(phone_used="01088886666", address="北京市朝阳区建国路88号")
    record = services.do_create_record(task, values, actor=personas["agent_a"])
    after = AuditEvent.objects.get(action="record_create", object_id=str(record.pk)).after
    assert after["mobile_used"] == "138****5678"
    assert after["phone_used"] == "010****6666"
    assert after["address"] == "北京市朝阳区****"


def test_a_corrected_record_is_audited_with_both_sides_masked(task, personas, content):
    agent = personas["agent_a"]
    other = {"status": "other", "remark": "客户稍后回电"}
    values = content(**other, address="上海市浦东新区世纪大道1号")
    record = services.do_create_record(task, values, actor=agent)
    changed = content(**other, mobile_used="18216097175", address="北京市朝阳区建国路88号")
    services.do_update_record(record, changed, actor=agent, expected_version=1)
    event = AuditEvent.objects.get(action="record_change", object_id=str(record.pk))
    assert event.before == {"mobile_used": "138****5678", "address": "上海市浦东新****"}
    assert event.after == {"mobile_used": "182****7175", "address": "北京市朝阳区****"}
