"""The authorization matrix of the REST API, by persona, for every operation the OpenAPI
schema lists (enumerated, so no endpoint is forgotten; the schema test keeps the schema
complete): anonymous 401; the auditor refused every write (403); out of scope 404 (a user
of another branch reading a detail); a role without the model's view permission 403; HQ's
admin in scope succeeds.

Path parameters take the first object HQ's admin sees in the operation's own list, so each
detail is a real object of the world below (all of it in branch 010101, 北京营业部)."""

from __future__ import annotations

import re

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from huifang.core.models import AuditEvent
from huifang.core.scoping import has_model_perm

UNSAFE = {"post", "put", "patch", "delete"}
PARAM = re.compile(r"\{([^}]+)\}")


def _operations() -> list[tuple[str, str, dict]]:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


OPERATIONS = _operations()
IDS = [f"{method.upper()} {path}" for method, path, _ in OPERATIONS]
READS = [(m, p, o) for m, p, o in OPERATIONS if m == "get"]
READ_IDS = [f"GET {p}" for _, p, _ in READS]
# Writes an auditor may make: generating an evidence package is the auditor's own work
# (an export of what they may read; org.roles gives them reports.generate_evidence).
AUDITOR_MAY = {("post", "/api/v1/evidence-packages/")}
WRITES = [(m, p, o) for m, p, o in OPERATIONS if m in UNSAFE and (m, p) not in AUDITOR_MAY]
WRITE_IDS = [f"{m.upper()} {p}" for m, p, _ in WRITES]


def _required_query(operation: dict) -> bool:
    return any(
        p.get("required") and p.get("in") == "query" for p in operation.get("parameters", [])
    )


@pytest.fixture
def world(personas, branches):
    """One of each object in branch 010101 (北京营业部), built through the services."""
    from tests.api_world import build

    return build(personas, branches)


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_anonymous_is_401(client, db, method, path, operation):
    response = getattr(client, method)(PARAM.sub("1", path))
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path", "operation"), WRITES, ids=WRITE_IDS)
def test_the_auditor_cannot_write(client, personas, fill, method, path, operation):
    url = fill(path)
    before = AuditEvent.objects.exclude(action__in=["login", "view_sensitive"]).count()
    client.force_login(personas["auditor"])
    response = getattr(client, method)(url, {}, content_type="application/json")
    assert response.status_code == 403, response.content[:300]
    assert AuditEvent.objects.exclude(action__in=["login", "view_sensitive"]).count() == before


@pytest.mark.parametrize(("method", "path", "operation"), READS, ids=READ_IDS)
def test_hq_admin_reads_every_endpoint(client, personas, fill, method, path, operation):
    url = fill(path)
    client.force_login(personas["hq_admin"])
    response = client.get(url)
    expected = (200, 400) if _required_query(operation) else (200,)
    assert response.status_code in expected, response.content[:300]


@pytest.mark.parametrize(("method", "path", "operation"), READS, ids=READ_IDS)
def test_a_role_without_the_view_permission_is_403(client, personas, fill, method, path, operation):
    url = fill(path)
    model = _model(url)
    agent = personas["agent_a"]
    client.force_login(agent)
    response = client.get(url)
    if model is not None and not has_model_perm(agent, model, "view"):
        assert response.status_code == 403, response.content[:300]
    else:
        assert response.status_code != 403 or "{" in path, response.content[:300]


@pytest.mark.parametrize(("method", "path", "operation"), READS, ids=READ_IDS)
def test_a_branch_manager_reads_their_branchs_objects(
    client, personas, fill, method, path, operation
):
    """In scope by persona: the manager of 0101 (北京分公司) reads every list, and every
    object their own lists show (the world's are in 010101 below it), where the role holds
    the view permission (else 403). Where their list shows nothing (a job or an import is
    its starter's, HQ's admin here), the object is out of their scope: 404."""
    url = fill(path, "manager_a")
    model = _model(url)
    manager = personas["manager_a"]
    client.force_login(manager)
    response = client.get(url)
    if model is not None and not has_model_perm(manager, model, "view"):
        assert response.status_code == 403, response.content[:300]
    elif "{" in path and not _listed(client, path):
        assert response.status_code == 404, response.content[:300]
    else:
        expected = (200, 400) if _required_query(operation) else (200,)
        assert response.status_code in expected, response.content[:300]


def _listed(client, path: str) -> bool:
    """Whether the list at the address before the path's first parameter shows a row."""
    response = client.get(path[: path.index("{")])
    data = response.json() if response.status_code == 200 else {}
    rows = data.get("results", data) if isinstance(data, dict) else data
    return bool(rows)


DETAILS = [(m, p, o) for m, p, o in READS if p.rstrip("/").endswith("}")]


@pytest.mark.parametrize(
    ("method", "path", "operation"), DETAILS, ids=[f"GET {p}" for _, p, _ in DETAILS]
)
def test_another_branchs_object_is_404(client, personas, fill, method, path, operation):
    url = fill(path)
    model = _model(url)
    agent = personas["agent_b"]  # branch 010201; the world is in 010101
    client.force_login(agent)
    response = client.get(url)
    if model is not None and not has_model_perm(agent, model, "view"):
        assert response.status_code == 403
    elif model is None or not _scoped(model):
        # Shared reference data (rules, types…), or no model at all (a compliance check:
        # its findings are the caller's own branches' rows).
        assert response.status_code == 200
    else:
        assert response.status_code == 404, response.content[:300]


def _model(url: str):
    view = resolve(url.split("?")[0]).func
    cls = getattr(view, "cls", None)
    queryset = getattr(cls, "queryset", None)
    return getattr(queryset, "model", None)


def _scoped(model) -> bool:
    """Whether the model's rows belong to someone: to branches, or (jobs) to their starter;
    shared dictionaries (rules, business types…) do not."""
    return getattr(model, "scope_field", None) is not None or model in OWNED


def _owned():
    from huifang.core.models import Job

    return {Job}


OWNED = _owned()
