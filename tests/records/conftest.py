"""Callback-record fixtures: tasks built through the callback app's models."""

from __future__ import annotations

import datetime
import itertools

import pytest

from tests.customers import factories

_numbers = itertools.count(1)
_DEFAULT = object()


@pytest.fixture
def business_type(db):
    from huifang.callbacks.models import BusinessType

    bt, _ = BusinessType.objects.get_or_create(
        name="测试回访", defaults={"max_unanswered_attempts": 3}
    )
    return bt


@pytest.fixture
def make_task(branches, business_type, personas):
    """``make_task(branch_key="a1", **customer_fields)`` → an open CallbackTask (未处理),
    assigned to the branch's agent persona (agent_a in a1, agent_b in b1), if it has one —
    an agent works only the tasks assigned to them; ``assignee=None`` leaves it unassigned."""
    from huifang.callbacks.models import Batch, CallbackTask
    from huifang.org.models import Role, User
    from huifang.rules.models import ScreeningRun

    def build(branch_key: str = "a1", assignee=_DEFAULT, **fields) -> CallbackTask:
        if assignee is _DEFAULT:
            assignee = (
                User.objects.filter(branch=branches[branch_key], role=Role.AGENT)
                .order_by("pk")
                .first()
            )
        n = next(_numbers)
        values = {
            "id_number": "110101195001011234",
            "mobile": "13812345678",
            "phone": "010-88886666",
            "birth_date": datetime.date(1950, 1, 1),
            "gender": "M",
            "risk_level": 3,
            "id_type": "id_card",
            "address": "北京市东城区",
        }
        values.update(fields)
        customer = factories.customer(f"0100{n:06d}", branches[branch_key], **values)
        run = ScreeningRun.objects.create(as_of=datetime.date(2025, 12, 31), status="frozen")
        batch = Batch.objects.create(
            number=str(2_000_000_000 + n),
            run=run,
            business_type=business_type,
            as_of=run.as_of,
        )
        return CallbackTask.objects.create(
            customer=customer,
            branch=customer.branch,
            business_type=business_type,
            batch=batch,
            rule_codes=",A001,",
            reasons="新开户客户",
            assignee=assignee,
        )

    return build


@pytest.fixture
def task(make_task):
    return make_task("a1")


@pytest.fixture
def reason():
    from huifang.callbacks.records.models import FailureReason

    return lambda name: FailureReason.objects.get(name=name)


@pytest.fixture
def content():
    """A valid record's content (a successful phone call an hour ago), overridable."""
    from django.utils import timezone

    called_at = (timezone.now() - datetime.timedelta(hours=1)).replace(microsecond=0)

    def build(**overrides) -> dict:
        values = {
            "status": "success",
            "failure_reason": None,
            "method": "phone",
            "called_at": called_at,
            "duration_seconds": "01:35",
            "mobile_used": "13812345678",
            "remark": "",
        }
        values.update(overrides)
        return values

    return build
