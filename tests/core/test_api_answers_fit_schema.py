"""The schema is true of real answers (issue 20): every read operation, called as HQ's
admin over the API world (one of each object, several of the big lists), answers JSON that
fits the operation's documented 200 schema strictly (no undocumented key, no null where the
schema says a value). schemathesis checks the same over generated requests, but on a
smaller world; this one has a row in every list, so every field is answered at least once."""

from __future__ import annotations

import copy

import jsonschema
import pytest

from tests.core.test_api_examples import _json_schema
from tests.core.test_api_matrix import READ_IDS, READS


@pytest.fixture
def world(personas, branches):
    """The ordering test's world: one of each object, several of the big lists."""
    from tests.core.test_api_ordering import build_world

    return build_world(personas, branches)


@pytest.fixture(scope="module")
def components() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    return _json_schema(copy.deepcopy(document["components"]))


@pytest.mark.parametrize(("method", "path", "operation"), READS, ids=READ_IDS)
def test_every_read_answer_fits_its_schema(
    client, personas, fill, components, method, path, operation
):
    url = fill(path)
    client.force_login(personas["hq_admin"])
    response = client.get(url)
    assert response.status_code in (200, 400), response.content[:300]
    content = operation["responses"][str(response.status_code)].get("content", {})
    if "application/json" not in content:
        return  # a file (export, download)
    schema = _json_schema(copy.deepcopy(content["application/json"]["schema"]))
    validator = jsonschema.Draft202012Validator({**schema, "components": components})
    errors = [
        f"{list(e.absolute_path)}: {e.message[:200]}"
        for e in validator.iter_errors(response.json())
    ]
    assert errors == []
