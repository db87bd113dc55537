"""A callback record's contact fields and its versions' copies of them are encrypted at
rest (issue 19; ``core.fieldcrypt``) and read clear through the model."""

from __future__ import annotations

import json

from django.db import connection

from huifang.callbacks.records import services
from huifang.callbacks.records.history import version_rows
from huifang.core import fieldcrypt


def raw(sql: str, pk: int):
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        return cursor.fetchone()


def corrected(task, personas, content):
    agent = personas["agent_a"]
    other = {"status": "other", "remark": "客户稍后回电"}
    record = services.do_create_record(
        task, content(**other, address="上海市浦东新区世纪大道1号"), actor=agent
    )
    changed = content(**other, mobile_used="18216097175", address="北京市朝阳区建国路88号")
    services.do_update_record(record, changed, actor=agent, expected_version=1)
    return record


def test_a_records_numbers_and_address_are_ciphertext_in_the_database(task, personas, content):
    values = content(phone_used="01088886666", address="北京市朝阳区建国路88号")
    record = services.do_create_record(task, values, actor=personas["agent_a"])
    stored = raw(
        "SELECT mobile_used, phone_used, address FROM records_callbackrecord WHERE id = %s",
        record.pk,
    )
    assert all(value.startswith(fieldcrypt.PREFIX) for value in stored)
    record.refresh_from_db()
    assert (record.mobile_used, record.address) == ("13812345678", "北京市朝阳区建国路88号")


def test_a_versions_copies_of_the_contact_fields_are_ciphertext(task, personas, content):
    record = corrected(task, personas, content)
    data, changes = raw(
        "SELECT data, changes FROM records_recordversion WHERE record_id = %s AND version = 2",
        record.pk,
    )
    text = (data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)) + (
        changes if isinstance(changes, str) else json.dumps(changes, ensure_ascii=False)
    )
    assert "18216097175" not in text and "建国路" not in text and "13812345678" not in text
    assert '"status": "other"' in text  # the rest stays plain JSON


def test_the_history_still_shows_the_change_masked(task, personas, content):
    record = corrected(task, personas, content)
    fields = {f["label"]: f for f in version_rows(record)[0]["fields"]}
    assert fields["手机号"]["value"] == "182****7175"
    assert fields["手机号"]["old"] == "138****5678"
