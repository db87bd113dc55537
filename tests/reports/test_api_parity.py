"""Parity and anonymity for the new lists: with the same filters, the API and the page list
the same objects in the same order; without credentials every new endpoint is a 401."""

from __future__ import annotations

import pytest
from django.urls import reverse

from huifang.reports import services
from huifang.reports.models import MeasureType

pytestmark = pytest.mark.django_db


def page_ids(client, url: str, params: dict, key=lambda record: record.pk) -> list:
    response = client.get(url, params)
    assert response.status_code == 200
    return [key(row.record) for row in response.context["table"].paginated_rows]


@pytest.fixture
def measures(world, personas):
    made = []
    for task in (world.a_new, world.a_late, world.b_late, world.a_done):
        made.append(
            services.do_create_measure(
                task.customer,
                MeasureType.objects.get(name="面谈"),
                "原因",
                task=task,
                actor=personas["hq_admin"],
            )
        )
    services.do_change_status(made[0], "cancelled", actor=personas["hq_admin"])
    return made


@pytest.mark.parametrize("params", [{}, {"status": "open"}, {"q": "0300"}])
@pytest.mark.parametrize("persona", ["hq_admin", "manager_a"])
def test_measures_as_on_the_page(measures, client_for, persona, params):
    client = client_for(persona)
    api = [m["id"] for m in client.get("/api/v1/measures/", params).json()["results"]]
    assert api == page_ids(client, reverse("reports:measure_list"), params)
    assert api


@pytest.mark.parametrize("params", [{}, {"action": "measure_create"}])
def test_audit_events_as_on_the_page(measures, client_for, params):
    client = client_for("auditor")
    api = [e["id"] for e in client.get("/api/v1/audit-events/", params).json()["results"]]
    # The page is read after the API: its own newer rows (none for a read) would lead.
    assert api[:25] == page_ids(client, reverse("core:audit_list"), params)[:25]


@pytest.mark.parametrize("params", [{}, {"role": "agent"}, {"q": "a"}])
def test_users_as_on_the_page(client_for, params):
    client = client_for("hq_admin")
    api = [u["id"] for u in client.get("/api/v1/users/", params).json()["results"]]
    assert api == page_ids(client, reverse("org:user_list"), params)


@pytest.mark.parametrize("persona", ["hq_admin", "manager_a"])
def test_branches_as_on_the_page(client_for, persona):
    client = client_for(persona)
    api = [b["code"] for b in client.get("/api/v1/branches/").json()["results"]]
    assert api == page_ids(client, reverse("org:branch_list"), {}, key=lambda b: b.code)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/measures/"),
        ("post", "/api/v1/measures/"),
        ("patch", "/api/v1/measures/1/"),
        ("post", "/api/v1/measures/1/status/"),
        ("get", "/api/v1/measure-types/"),
        ("get", "/api/v1/dashboard/"),
        ("get", "/api/v1/compliance/"),
        ("get", "/api/v1/compliance/overdue_tasks/"),
        ("get", "/api/v1/evidence-packages/"),
        ("post", "/api/v1/evidence-packages/"),
        ("get", "/api/v1/evidence-packages/1/download/"),
        ("get", "/api/v1/audit-events/"),
        ("get", "/api/v1/users/"),
        ("post", "/api/v1/users/"),
        ("post", "/api/v1/branches/"),
    ],
)
def test_no_credentials_is_401(client, db, method, url):
    answer = getattr(client, method)(url, {}, content_type="application/json")
    assert answer.status_code == 401
    assert answer.json()["code"] == "not_authenticated"
