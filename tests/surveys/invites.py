"""Builders for the invitation tests: tasks made with the ORM in a batch of their own."""

from __future__ import annotations

import datetime
import itertools

from huifang.callbacks.models import Batch, BusinessType, CallbackTask, TaskBatch
from huifang.rules.models import ScreeningRun
from tests.customers import factories

AS_OF = datetime.date(2025, 12, 31)
NEW_ACCOUNT = "新开户回访"
_numbers = itertools.count(1)


def make_batch(business_type: str = NEW_ACCOUNT) -> Batch:
    bt = BusinessType.objects.get(name=business_type)
    run = ScreeningRun.objects.create(as_of=AS_OF, status="frozen")
    return Batch.objects.create(
        number=str(4_000_000_000 + next(_numbers)), run=run, business_type=bt, as_of=AS_OF
    )


def make_task(branch, batch: Batch | None = None, *, code: str | None = None, **fields):
    batch = batch or make_batch()
    customer = factories.customer(code or f"0300{next(_numbers):06d}", branch)
    task = CallbackTask.objects.create(
        customer=customer,
        branch=branch,
        business_type=batch.business_type,
        batch=batch,
        rule_codes=",A001,",
        reasons="新开户客户",
        **fields,
    )
    TaskBatch.objects.create(task=task, batch=batch, kind="created", rule_codes=",A001,")
    return task


APPHALL = "/api/v1/apphall"
# Two answers that fit tests.surveys.conftest.file_data, neither abnormal.
NORMAL_ANSWERS = [
    {"question": "identity", "options": ["yes"]},
    {"question": "channels", "options": ["app"]},
]


def submit(signed_client, partner, invitation, answers=NORMAL_ANSWERS, submission_id="S1", **extra):
    """POST one app-hall response to ``invitation``, signed as ``partner``."""
    body = {
        "submission_id": submission_id,
        "investor_code": invitation.customer.investor_code,
        "submitted_at": "2026-01-05T10:30:00+08:00",
        "answers": answers,
        **extra,
    }
    return signed_client.post(partner, f"{APPHALL}/invitations/{invitation.code}/responses", body)
