"""The audit log's hash chain: sealing, ``huifang audit verify`` on an intact chain, and a
changed, deleted or forged row found at its place (the tamper test lifts the table's
append-only triggers as an attacker with the database's keys would)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from huifang.core import audit, audit_chain
from huifang.core.audit_actions import CoreAction
from huifang.core.migration_ops import AUDIT_TABLE
from huifang.core.models import AuditEvent, AuditSeal

pytestmark = pytest.mark.django_db(transaction=True)


def later(minutes: int = 5) -> datetime.datetime:
    """A moment past the sealing grace of every row written so far (computed when asked:
    a module-level moment is stale by the time a long suite reaches these tests)."""
    return timezone.now() + datetime.timedelta(minutes=minutes)


def rows(n: int) -> list[AuditEvent]:
    return [
        audit.record(CoreAction.SEED, object_type="test", object_id=str(i), message=f"第 {i} 行")
        for i in range(n)
    ]


def verify() -> str:
    out = io.StringIO()
    call_command("audit", "verify", "--no-seal", stdout=out)
    return out.getvalue()


def tamper(sql: str, params) -> None:
    """Raw SQL with the append-only triggers out of the way, as a DBA could."""
    from huifang.core import migration_ops

    with connection.cursor() as cursor:
        migration_ops.drop_audit_triggers(connection, cursor.execute)
        cursor.execute(sql, params)
        migration_ops.create_audit_triggers(connection, cursor.execute)


def test_sealing_chains_every_row_once_it_is_old_enough():
    rows(3)
    assert audit_chain.seal() == 0  # younger than the grace period
    assert audit_chain.seal(now=later()) == AuditEvent.objects.count()
    assert audit_chain.seal(now=later()) == 0


def test_an_intact_chain_verifies_and_prints_its_head():
    rows(3)
    audit_chain.seal(now=later())
    out = verify()
    assert "审计日志哈希链完整" in out
    assert (
        out.strip().splitlines()[-1] == f"链头摘要 {AuditSeal.objects.order_by('-seq')[0].digest}"
    )


def test_a_changed_row_breaks_the_chain_at_that_row():
    made = rows(4)
    audit_chain.seal(now=later())
    tamper(f"UPDATE {AUDIT_TABLE} SET message = %s WHERE id = %s", ["改过的", made[2].pk])
    with pytest.raises(CommandError, match=f"审计日志 #{made[2].pk}.*被修改"):
        verify()


def test_a_deleted_row_breaks_the_chain_at_that_row():
    made = rows(4)
    audit_chain.seal(now=later())
    tamper(f"DELETE FROM {AUDIT_TABLE} WHERE id = %s", [made[1].pk])
    with pytest.raises(CommandError, match=f"审计日志 #{made[1].pk}.*被删除"):
        verify()


def test_a_row_written_late_is_sealed_at_the_end_of_the_chain():
    rows(2)
    audit_chain.seal(now=later())
    late = rows(1)[0]  # as a long import's row that committed after newer ones were sealed
    assert audit_chain.verify().unsealed == 1
    assert audit_chain.seal(now=later(10)) == 1
    assert AuditSeal.objects.order_by("-seq")[0].event_id == late.pk
    assert audit_chain.verify().ok
