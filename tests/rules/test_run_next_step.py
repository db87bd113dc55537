"""A frozen run's page leads on to 加入回访名单 with the run chosen; a preview offers
数据落地 instead, and a reader who may not create batches is offered neither."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from huifang.rules import services

D = datetime.date


@pytest.fixture
def run(personas, make):
    make(occupation="无业", name="北京客户")
    return services.do_run_screening(D(2025, 12, 31), actor=personas["hq_admin"])


def to_batch(client, run) -> bool:
    html = client.get(reverse("rules:run_detail", args=[run.pk])).content.decode()
    return f'href="{reverse("callbacks:batch_create")}?run={run.pk}"' in html


def test_a_frozen_run_leads_on_to_the_batch_form_with_the_run_chosen(client_for, run):
    client = client_for("hq_admin")
    assert not to_batch(client, run)
    client.post(reverse("rules:run_freeze", args=[run.pk]))
    assert to_batch(client, run)


def test_the_auditor_is_not_offered_a_batch(client_for, run, personas):
    client_for("hq_admin").post(reverse("rules:run_freeze", args=[run.pk]))
    assert not to_batch(client_for("auditor"), run)
