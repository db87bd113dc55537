"""抽样比例 (sample ratio) of a business type: of the customers a batch would give a new
task, only ceil(n × ratio / 100) get one, in a deterministic order; merges are not sampled
(docs/callbacks.md, 抽样比例)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from huifang.callbacks import merge, services
from huifang.callbacks.models import Batch, BusinessType, CallbackTask
from huifang.core.models import AuditEvent, Job
from tests.callbacks.conftest import make_customer, make_run

pytestmark = pytest.mark.django_db
URL = "/api/v1/business-types/"


def create(run, business_type, actor):
    return services.do_create_batch(run, business_type, actor=actor)


def new_customers(branches, n: int):
    return [make_customer(branches["a1" if i % 2 else "b1"]) for i in range(n)]


def task_customers(batch: Batch) -> set[int]:
    return set(CallbackTask.objects.filter(batch=batch).values_list("customer_id", flat=True))


def with_percent(business_type: BusinessType, percent: int) -> BusinessType:
    business_type.sample_percent = percent
    business_type.save(update_fields=["sample_percent"])
    return business_type


def test_ratio_100_gives_every_candidate_a_task(branches, personas, annual):
    customers = new_customers(branches, 7)

    batch = create(make_run({c: ["A003"] for c in customers}), annual, personas["hq_admin"]).batch

    assert annual.sample_percent == 100
    assert task_customers(batch) == {c.pk for c in customers}
    assert (batch.sample_percent, batch.candidate_count, batch.sampled_count) == (100, 7, 7)
    assert batch.skipped_count == 0


def test_ratio_10_creates_the_ceiling_of_a_tenth(branches, personas, annual):
    customers = new_customers(branches, 23)
    with_percent(annual, 10)

    batch = create(make_run({c: ["A003"] for c in customers}), annual, personas["hq_admin"]).batch

    assert len(task_customers(batch)) == 3  # ceil(23 / 10)
    assert (batch.sample_percent, batch.candidate_count, batch.sampled_count) == (10, 23, 3)
    assert (batch.created_count, batch.skipped_count) == (3, 20)


def test_the_sample_follows_the_documented_order(branches, personas, annual):
    customers = new_customers(branches, 12)
    with_percent(annual, 25)

    batch = create(make_run({c: ["A003"] for c in customers}), annual, personas["hq_admin"]).batch

    seed = int(batch.number)
    ranked = sorted(
        (c.pk for c in customers),
        key=lambda pk: ((pk * merge.SAMPLE_MULTIPLIER + seed) % merge.SAMPLE_MODULUS, pk),
    )
    assert task_customers(batch) == set(ranked[:3])


def test_the_same_run_made_again_draws_the_same_sample(branches, personas, annual):
    customers = new_customers(branches, 30)
    run = make_run({c: ["A003"] for c in customers})
    with_percent(annual, 10)
    with transaction.atomic():
        first = create(run, annual, personas["hq_admin"]).batch
        drawn, number = task_customers(first), first.number
        transaction.set_rollback(True)  # the batch and its number are given back

    again = create(run, annual, personas["hq_admin"]).batch

    assert again.number == number and len(drawn) == 3
    assert task_customers(again) == drawn


def test_customers_with_an_open_task_are_merged_not_sampled(branches, personas, annual):
    old = new_customers(branches, 4)
    create(make_run({c: ["A003"] for c in old}), annual, personas["hq_admin"])
    fresh = new_customers(branches, 10)
    with_percent(annual, 10)

    batch = create(make_run({c: ["A002"] for c in old + fresh}), annual, personas["hq_admin"]).batch

    assert batch.merged_count == 4
    merged = CallbackTask.objects.filter(customer__in=old, links__batch=batch)
    assert merged.count() == 4 and all("A002" in t.rule_codes for t in merged)
    assert (batch.candidate_count, batch.sampled_count, batch.created_count) == (10, 1, 1)
    assert task_customers(batch) <= {c.pk for c in fresh}


def test_the_batch_audit_row_records_the_sample(branches, personas, annual):
    with_percent(annual, 10)

    batch = create(
        make_run({c: ["A003"] for c in new_customers(branches, 11)}), annual, personas["hq_admin"]
    ).batch

    event = AuditEvent.objects.get(action="batch_create", object_id=str(batch.pk))
    assert (event.after["sample_percent"], event.after["candidates"]) == (10, 11)
    assert event.after["sampled"] == 2
    assert "抽样 10%：抽取 2 / 11 位客户" in event.message


def test_the_batch_page_shows_the_sample_line(client_for, branches, personas, annual):
    with_percent(annual, 10)
    batch = create(
        make_run({c: ["A003"] for c in new_customers(branches, 11)}), annual, personas["hq_admin"]
    ).batch

    page = client_for("hq_admin").get(reverse("callbacks:batch_detail", args=[batch.pk]))

    assert "抽样 10%：抽取 2 / 11 位客户" in page.content.decode()


def test_batch_create_prints_the_sample_before_the_number(branches, annual):
    with_percent(annual, 50)
    run = make_run({c: ["A003"] for c in new_customers(branches, 5)})
    out = StringIO()

    call_command(
        "batch", "create", "--run", str(run.pk), "--business-type", annual.name, stdout=out
    )

    lines = out.getvalue().strip().splitlines()
    assert lines[-2] == "抽样 50%：抽取 3 / 5 位客户"
    assert lines[-1] == Batch.objects.get().number


def test_the_business_type_page_saves_the_ratio_audited(client_for, personas):
    bt = BusinessType.objects.get(name="新开户回访")
    client = client_for("hq_admin")
    assert "抽样比例" in client.get(f"/callbacks/business-types/{bt.pk}/").content.decode()

    response = client.post(
        f"/callbacks/business-types/{bt.pk}/",
        {
            "name": bt.name,
            "deadline_rule": "trading_days",
            "deadline_days": bt.deadline_days,
            "event_age": bt.event_age,
            "max_unanswered_attempts": bt.max_unanswered_attempts,
            "sample_percent": 10,
            "is_active": "on",
            "sort_order": bt.sort_order,
        },
    )

    assert response.status_code == 302
    bt.refresh_from_db()
    assert bt.sample_percent == 10
    event = AuditEvent.objects.get(action="change", object_type="callbacks.businesstype")
    assert (event.before["sample_percent"], event.after["sample_percent"]) == (100, 10)


@pytest.mark.parametrize("percent", [0, 101])
def test_a_ratio_outside_1_to_100_is_refused(api_for, annual, percent):
    response = api_for("hq_admin").patch(
        f"{URL}{annual.pk}/", {"sample_percent": percent}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"]["sample_percent"] == ["抽样比例应在 1–100 之间"]
    annual.refresh_from_db()
    assert annual.sample_percent == 100
    assert not AuditEvent.objects.filter(
        object_type="callbacks.businesstype", action="change"
    ).exists()


def test_the_api_reads_and_patches_the_ratio(api_for, annual):
    client = api_for("hq_admin")

    response = client.patch(f"{URL}{annual.pk}/", {"sample_percent": 20}, format="json")

    assert response.status_code == 200 and response.json()["sample_percent"] == 20
    annual.refresh_from_db()
    assert annual.sample_percent == 20


def test_the_batch_job_summary_names_the_sample(client_for, branches, annual, run_jobs):
    with_percent(annual, 10)
    run = make_run({c: ["A003"] for c in new_customers(branches, 11)})

    with run_jobs():
        client_for("hq_admin").post(
            "/callbacks/batches/new/", {"run": run.pk, "business_type": annual.pk}
        )

    job = Job.objects.get(kind="callbacks.create_batch")
    assert job.status == "succeeded", job.error
    assert "抽样 10%：抽取 2 / 11 位客户" in job.result["summary"]


def test_the_batch_api_gives_the_sample_counts(api_for, branches, personas, annual):
    with_percent(annual, 10)
    batch = create(
        make_run({c: ["A003"] for c in new_customers(branches, 11)}), annual, personas["hq_admin"]
    ).batch

    body = api_for("hq_admin").get(f"/api/v1/callback-batches/{batch.number}/").json()

    assert (body["sample_percent"], body["candidate_count"], body["sampled_count"]) == (10, 11, 2)


def test_the_batch_list_offers_the_sample_columns(client_for, branches, personas, annual):
    with_percent(annual, 10)
    create(
        make_run({c: ["A003"] for c in new_customers(branches, 11)}), annual, personas["hq_admin"]
    )

    response = client_for("hq_admin").get(
        "/callbacks/batches/", {"cols": ["number", "sample_percent", "sampled_count"]}
    )

    assert response.context["table"].columns.names() == [
        "number",
        "sample_percent",
        "sampled_count",
    ]
    page = response.content.decode()
    assert "抽样比例（%）" in page and "抽中客户数" in page
