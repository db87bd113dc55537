"""The merge mechanism (docs/rules.md, section Merge) and batch numbering."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from huifang.callbacks import services
from huifang.callbacks.models import Batch, CallbackTask, TaskBatch
from huifang.core.models import AuditEvent
from tests.callbacks.conftest import make_customer, make_run

pytestmark = pytest.mark.django_db

LOSS, ELDER, JOBLESS = "大额亏损客户", "老年交易者", "职业为“无业”的客户"


def create(run, business_type, actor):
    return services.do_create_batch(run, business_type, actor=actor)


def test_several_rules_make_one_task_with_reasons_in_rule_code_order(branches, personas, annual):
    customer = make_customer(branches["a1"])
    run = make_run({customer: ["A005", "A002", "A003"]})

    result = create(run, annual, personas["hq_admin"])

    task = CallbackTask.objects.get(customer=customer)
    assert result.created and result.batch.created_count == 1
    assert task.reasons == f"{LOSS}；{ELDER}；{JOBLESS}"
    assert task.rule_codes == ",A002,A003,A005,"
    assert task.status == "new" and task.branch == branches["a1"]


def test_later_run_merges_new_rules_into_the_open_task_in_rule_code_order(
    branches, personas, annual
):
    customer = make_customer(branches["a1"])
    first = create(make_run({customer: ["A003", "A005"]}), annual, personas["hq_admin"]).batch

    second = create(make_run({customer: ["A002", "A003"]}), annual, personas["hq_admin"]).batch

    task = CallbackTask.objects.get(customer=customer)
    assert CallbackTask.objects.filter(customer=customer).count() == 1
    assert task.reasons == f"{LOSS}；{ELDER}；{JOBLESS}"
    assert task.rule_codes == ",A002,A003,A005,"
    assert (second.created_count, second.merged_count) == (0, 1)
    assert set(task.batches.values_list("number", flat=True)) == {first.number, second.number}
    assert TaskBatch.objects.get(task=task, batch=second).kind == "merged"
    assert task.batch == first  # the task stays in the batch that created it


def test_merged_reasons_keep_the_names_each_run_recorded(branches, personas, annual):
    customer = make_customer(branches["a1"])
    create(make_run({customer: ["A005"]}, names={"A005": "无业旧名"}), annual, personas["hq_admin"])

    create(make_run({customer: ["A002"]}, names={"A002": "亏损新名"}), annual, personas["hq_admin"])

    assert CallbackTask.objects.get(customer=customer).reasons == "亏损新名；无业旧名"


def test_completed_task_does_not_absorb_a_new_task_is_created(branches, personas, annual):
    customer = make_customer(branches["a1"])
    create(make_run({customer: ["A003"]}), annual, personas["hq_admin"])
    CallbackTask.objects.filter(customer=customer).update(status="completed")

    batch = create(make_run({customer: ["A002"]}), annual, personas["hq_admin"]).batch

    old, new = CallbackTask.objects.filter(customer=customer).order_by("pk")
    assert old.reasons == ELDER and old.status == "completed"
    assert new.reasons == LOSS and new.status == "new" and new.batch == batch
    assert (batch.created_count, batch.merged_count) == (1, 0)


def test_other_business_type_gets_its_own_task(branches, personas, annual, elderly_type):
    customer = make_customer(branches["a1"])
    run = make_run({customer: ["A003"]})
    create(run, annual, personas["hq_admin"])

    create(run, elderly_type, personas["hq_admin"])

    assert CallbackTask.objects.filter(customer=customer).count() == 2


def test_same_run_twice_creates_nothing_new(branches, personas, annual):
    customer = make_customer(branches["a1"])
    run = make_run({customer: ["A003"]})
    first = create(run, annual, personas["hq_admin"])

    again = create(run, annual, personas["hq_admin"])

    assert not again.created and again.batch == first.batch
    assert Batch.objects.count() == 1
    assert CallbackTask.objects.count() == 1 and TaskBatch.objects.count() == 1


def test_task_lands_at_the_branch_as_of_the_reference_date(branches, personas, annual):
    customer = make_customer(branches["b1"])  # moved to Shanghai after D
    run = make_run({customer: ["A003"]}, branches={customer: branches["a1"]})

    create(run, annual, personas["hq_admin"])

    assert CallbackTask.objects.get(customer=customer).branch == branches["a1"]


def test_a_customer_closed_since_the_reference_date_still_gets_a_task(branches, personas, annual):
    """rules.md: every candidate without an open task gets a new one — the run is as of D,
    where the customer (closed after D) was eligible."""
    active = make_customer(branches["a1"])
    closed = make_customer(branches["a1"], status="closed")

    batch = create(make_run({active: ["A003"], closed: ["A003"]}), annual, personas["hq_admin"])

    assert (batch.batch.created_count, batch.batch.skipped_count) == (2, 0)
    assert CallbackTask.objects.get(customer=closed).status == "new"


def test_batch_numbers_are_ten_digits_increasing_from_1000000001(branches, personas, annual):
    customer = make_customer(branches["a1"])

    numbers = [
        create(make_run({customer: ["A003"]}), annual, personas["hq_admin"]).batch.number
        for _ in range(3)
    ]

    assert numbers == ["1000000001", "1000000002", "1000000003"]


def test_batch_creation_is_audited_with_counts(branches, personas, annual):
    customer = make_customer(branches["a1"])

    batch = create(make_run({customer: ["A003"]}), annual, personas["hq_admin"]).batch

    event = AuditEvent.objects.get(action="batch_create", object_id=str(batch.pk))
    assert event.user == personas["hq_admin"]
    assert event.after["created"] == 1 and event.after["merged"] == 0


def test_preview_run_is_refused(branches, personas, annual):
    customer = make_customer(branches["a1"])
    run = make_run({customer: ["A003"]}, freeze=False)

    with pytest.raises(ValidationError, match="已落地"):
        create(run, annual, personas["hq_admin"])
    assert not Batch.objects.exists()


def test_failure_leaves_no_half_batch(branches, personas, annual, monkeypatch):
    customer = make_customer(branches["a1"])
    run = make_run({customer: ["A003"]})

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    from huifang.callbacks import merge

    real = merge.merge_run

    def half(batch, plan, progress=None):
        real(batch, plan, progress)
        broken()

    monkeypatch.setattr(merge, "merge_run", half)
    with pytest.raises(RuntimeError):
        create(run, annual, personas["hq_admin"])

    assert not Batch.objects.exists() and not CallbackTask.objects.exists()
    assert not TaskBatch.objects.exists()
    monkeypatch.setattr(merge, "merge_run", real)
    assert create(run, annual, personas["hq_admin"]).batch.number == "1000000001"


def test_database_refuses_a_second_open_task_of_one_type(branches, personas, annual):
    customer = make_customer(branches["a1"])
    create(make_run({customer: ["A003"]}), annual, personas["hq_admin"])
    task = CallbackTask.objects.get()

    with pytest.raises(IntegrityError), transaction.atomic():
        CallbackTask.objects.create(
            customer=customer,
            branch=task.branch,
            business_type=annual,
            batch=task.batch,
            rule_codes=",A002,",
            reasons=LOSS,
            status="in_progress",
        )


def test_overlapping_runs_never_give_two_open_tasks(branches, personas, annual):
    shared = [make_customer(branches["a1"]) for _ in range(3)]
    only_first = make_customer(branches["a1"])
    only_second = make_customer(branches["b1"])
    run1 = make_run({**{c: ["A003"] for c in shared}, only_first: ["A005"]})
    run2 = make_run({**{c: ["A002"] for c in shared}, only_second: ["A002"]})

    b1 = create(run1, annual, personas["hq_admin"]).batch
    b2 = create(run2, annual, personas["hq_admin"]).batch

    assert (b1.created_count, b1.merged_count) == (4, 0)
    assert (b2.created_count, b2.merged_count) == (1, 3)
    assert CallbackTask.objects.count() == 5
    for c in shared:
        assert CallbackTask.objects.get(customer=c).rule_codes == ",A002,A003,"
