"""The migration that masks personal data already stored in clear in audit rows
(issue 15): customer imports wrote ID numbers and mobiles into before/after."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from huifang.core.migration_ops import drop_audit_triggers
from huifang.core.models import AuditEvent

migration = importlib.import_module("huifang.core.migrations.0007_mask_audit_personal_data")


@pytest.fixture
def apps(db):
    """The models as the migration saw them, on a table without the triggers a later
    migration (0008) adds (dropped inside the test's transaction, which puts them back)."""
    with connection.cursor() as cursor:
        drop_audit_triggers(connection, cursor.execute)
    state = MigrationLoader(connection).project_state(("core", "0007_mask_audit_personal_data"))
    return state.apps


def _stored(**values) -> AuditEvent:
    """A row as an older writer stored it (bulk_create skips today's masking writer)."""
    (event,) = AuditEvent.objects.bulk_create([AuditEvent(action="update", **values)])
    return event


def test_clear_values_in_old_rows_are_masked_and_others_kept(apps):
    clear = _stored(
        object_type="customers.customer",
        before={"id_number": "11010519491231002X", "mobile": "13800001111", "risk_level": 1},
        after={"id_number": "110101199001011237", "mobile": "18216097175", "risk_level": 4},
    )
    record = _stored(
        object_type="callbacks.callbackrecord",
        after={"mobile_used": "13812345678", "address": "北京市朝阳区建国路88号", "remark": "好"},
    )
    plain = _stored(object_type="callbacks.callbacktask", after={"status": "completed"})
    migration.mask_stored(apps)
    clear.refresh_from_db()
    assert clear.before == {
        "id_number": "110***********002X",
        "mobile": "138****1111",
        "risk_level": 1,
    }
    assert clear.after == {
        "id_number": "110***********1237",
        "mobile": "182****7175",
        "risk_level": 4,
    }
    record.refresh_from_db()
    assert record.after == {
        "mobile_used": "138****5678",
        "address": "北京市朝阳区****",
        "remark": "好",
    }
    plain.refresh_from_db()
    assert plain.after == {"status": "completed"}


def test_running_it_again_changes_nothing(apps):
    event = _stored(
        object_type="org.user", after={"mobile": "13812345678", "email": "zhangsan@qq.com"}
    )
    assert migration.mask_stored(apps) == 1
    event.refresh_from_db()
    once = event.after
    assert migration.mask_stored(apps) == 0
    event.refresh_from_db()
    assert event.after == once == {"mobile": "138****5678", "email": "zh****an@qq.com"}
