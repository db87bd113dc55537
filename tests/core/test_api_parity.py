"""Parity (issue 20): for each list, the API and the page with the same filters return
the same objects in the same order — the API is no second implementation of a list."""

from __future__ import annotations

import pytest
from django_tables2 import Table

# (page, API, the object's key on the page's row, the same key in the API's item)
LISTS = [
    ("/customers/", "/api/v1/customers/", "investor_code", "investor_code"),
    ("/callbacks/tasks/", "/api/v1/callback-tasks/", "pk", "id"),
    ("/callbacks/batches/", "/api/v1/callback-batches/", "number", "number"),
    ("/callbacks/business-types/", "/api/v1/business-types/", "pk", "id"),
    ("/records/", "/api/v1/callback-records/", "pk", "id"),
    ("/records/feedback/", "/api/v1/branch-feedback/", "pk", "id"),
    ("/records/reasons/", "/api/v1/failure-reasons/", "pk", "id"),
    ("/rules/", "/api/v1/rules/", "code", "code"),
    ("/rules/screening/runs/", "/api/v1/screening-runs/", "pk", "id"),
    ("/surveys/", "/api/v1/questionnaires/", "pk", "id"),
    ("/sms/", "/api/v1/sms-messages/", "pk", "id"),
    ("/sms/templates/", "/api/v1/sms-templates/", "pk", "id"),
    ("/calls/", "/api/v1/call-attempts/", "pk", "id"),
    ("/system/jobs/", "/api/v1/jobs/", "pk", "id"),
    ("/org/branches/", "/api/v1/branches/", "code", "code"),
    ("/data/imports/", "/api/v1/imports/", "pk", "id"),
    ("/reports/measure-types/", "/api/v1/measure-types/", "pk", "id"),
    ("/plans/", "/api/v1/plans/", "pk", "id"),
]
FILTERED = [
    ("/callbacks/tasks/?status=completed", "/api/v1/callback-tasks/?status=completed"),
    ("/records/?status=success", "/api/v1/callback-records/?status=success"),
    ("/customers/?q=0000", "/api/v1/customers/?q=0000"),
]


@pytest.fixture
def world(personas, branches):
    """The API world plus a second batch of five customers in two branches, so each big
    list has several rows whose order can differ."""
    from huifang.callbacks.models import BusinessType
    from huifang.callbacks.services import do_create_batch
    from tests.api_world import build
    from tests.callbacks.conftest import make_customer, make_run

    world = build(personas, branches)
    more = [make_customer(branches[key]) for key in ("a1", "b1", "a1", "b1", "a1")]
    run = make_run({customer: ["A001", "A003"][: 1 + n % 2] for n, customer in enumerate(more)})
    special = BusinessType.objects.get(name="专项回访")
    do_create_batch(run, special, actor=personas["hq_admin"])
    return world


def _page_keys(client, url: str, attr: str) -> list:
    response = client.get(url)
    assert response.status_code == 200, url
    tables = [
        value
        for context in response.context
        for value in context.flatten().values()
        if isinstance(value, Table)
    ]
    assert tables, f"{url} shows no table"
    rows = tables[0].paginated_rows if hasattr(tables[0], "paginated_rows") else tables[0].rows
    return [getattr(row.record, attr) for row in rows]


def _api_keys(client, url: str, field: str) -> list:
    response = client.get(url)
    assert response.status_code == 200, url
    data = response.json()
    items = data["results"] if isinstance(data, dict) else data
    return [item[field] for item in items]


@pytest.mark.parametrize(("page", "api", "attr", "field"), LISTS, ids=[p for p, *_ in LISTS])
@pytest.mark.parametrize("persona", ["hq_admin", "manager_a"])
def test_the_api_lists_what_the_page_lists_in_its_order(
    client_for, world, persona, page, api, attr, field
):
    client = client_for(persona)
    if client.get(page).status_code == 403:
        assert client.get(api).status_code == 403
        return
    assert _api_keys(client, api, field) == _page_keys(client, page, attr)


@pytest.mark.parametrize(("page", "api"), FILTERED, ids=[p for p, _ in FILTERED])
def test_the_same_filters_give_the_same_rows(client_for, world, page, api):
    client = client_for("hq_admin")
    attr = "investor_code" if page.startswith("/customers/") else "pk"
    field = "investor_code" if attr == "investor_code" else "id"
    assert _api_keys(client, api, field) == _page_keys(client, page, attr)


@pytest.mark.parametrize("filters", ["", "&customer_type=natural", "&q=0000"])
@pytest.mark.parametrize("persona", ["hq_admin", "manager_a"])
def test_a_runs_hits_as_on_its_page(client_for, world, persona, filters):
    """筛选结果: the run's page lists its hits (scoped) as /api/v1/screening-hits/?run= does."""
    from huifang.rules.models import ScreeningRun

    client = client_for(persona)
    for run in ScreeningRun.objects.order_by("pk"):
        page = f"/rules/screening/runs/{run.pk}/?{filters.lstrip('&')}"
        api = f"/api/v1/screening-hits/?run={run.pk}{filters}"
        assert _api_keys(client, api, "id") == _page_keys(client, page, "pk")
