"""加入回访名单's form: a run already made into a batch says so in its option, and making a
second batch of it (another business type) is asked for again; the same type is idempotent."""

from __future__ import annotations

import pytest

from huifang.callbacks import services
from huifang.callbacks.models import Batch
from tests.callbacks.conftest import make_customer, make_run

pytestmark = pytest.mark.django_db
NEW = "/callbacks/batches/new/"


@pytest.fixture
def made(branches, personas, annual):
    run = make_run({make_customer(branches["a1"], code="01010001"): ["A003"]})
    return services.do_create_batch(run, annual, actor=personas["hq_admin"]).batch


def test_the_option_says_which_batch_the_run_is_in(client_for, made, annual):
    body = client_for("hq_admin").get(NEW).content.decode()

    assert f"（已加入批次 {made.number}（{annual.name}））</option>" in body


def test_another_type_from_the_same_run_is_asked_again(client_for, made, elderly_type):
    client = client_for("hq_admin")
    data = {"run": made.run_id, "business_type": elderly_type.pk}

    refused = client.post(NEW, data)
    assert refused.status_code == 200
    assert f"已加入批次 {made.number}" in refused.content.decode()
    assert "确认再次加入" in refused.content.decode()
    assert Batch.objects.count() == 1

    confirmed = client.post(NEW, {**data, "again": "on"})
    assert confirmed.status_code == 302
    assert "/jobs/" in confirmed["Location"]


def test_the_same_type_again_opens_the_existing_batch(client_for, made, annual):
    response = client_for("hq_admin").post(NEW, {"run": made.run_id, "business_type": annual.pk})

    assert response.status_code == 302
    assert response["Location"] == f"/callbacks/batches/{made.pk}/"
    assert Batch.objects.count() == 1
