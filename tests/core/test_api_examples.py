"""The OpenAPI schema's examples (issue 20): every JSON answer of every operation (and every
JSON request body) carries one, and every example in the schema — request or response — fits the schema it illustrates, strictly (no
key the schema does not name), so an example cannot drift from its serializer unnoticed."""

from __future__ import annotations

import copy

import jsonschema
import pytest
from drf_spectacular.generators import SchemaGenerator

MAIN_READS = [
    "/api/v1/customers/",
    "/api/v1/customers/{investor_code}/",
    "/api/v1/callback-tasks/",
    "/api/v1/callback-tasks/{id}/",
    "/api/v1/callback-records/",
    "/api/v1/callback-records/{id}/",
    "/api/v1/rules/",
    "/api/v1/rules/{code}/",
    "/api/v1/screening-runs/",
    "/api/v1/screening-runs/{id}/",
    "/api/v1/screening-hits/",
    "/api/v1/screening-hits/{id}/",
    "/api/v1/callback-batches/",
    "/api/v1/callback-batches/{number}/",
    "/api/v1/questionnaires/",
    "/api/v1/questionnaires/{id}/",
    "/api/v1/jobs/",
    "/api/v1/jobs/{id}/",
]


@pytest.fixture(scope="module")
def document() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _json_schema(node):
    """OpenAPI 3.0's schema dialect as JSON Schema: ``nullable`` becomes a null type, and
    an object that names its properties takes no others (examples must not invent keys)."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    if node.pop("nullable", False):
        if "enum" in node:
            node["enum"] = [*node["enum"], None]
        if isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        elif "type" not in node:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def _examples(document: dict):
    """(where, example value, schema) for every example of a request or response body."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            bodies = [("request", operation.get("requestBody", {}))]
            bodies += [(status, r) for status, r in operation.get("responses", {}).items()]
            for status, body in bodies:
                for media, content in body.get("content", {}).items():
                    for name, example in content.get("examples", {}).items():
                        where = f"{method.upper()} {path} {status} {media} {name}"
                        yield where, example["value"], content.get("schema", {})


def test_the_main_read_endpoints_carry_an_example(document):
    missing = [
        path
        for path in MAIN_READS
        if "examples"
        not in document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    ]
    assert missing == []


def test_every_example_fits_its_schema(document):
    components = _json_schema(copy.deepcopy(document["components"]))
    wrong = []
    for where, value, schema in _examples(document):
        validator = jsonschema.Draft202012Validator(
            {**_json_schema(schema), "components": components}
        )
        errors = [
            f"{list(e.absolute_path)}: {e.message[:160]}" for e in validator.iter_errors(value)
        ]
        if errors:
            wrong.append((where, errors[:3]))
    assert wrong == []


def test_every_json_body_carries_an_example(document):
    """Not only the main reads: every 2xx JSON answer and every JSON request body."""
    missing = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            bodies = [("request", operation.get("requestBody", {}))]
            bodies += [(s, r) for s, r in operation["responses"].items() if s.startswith("2")]
            for status, body in bodies:
                content = body.get("content", {}).get("application/json")
                if content is not None and "examples" not in content:
                    missing.append(f"{method.upper()} {path} {status}")
    assert missing == []
