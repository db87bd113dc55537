"""schemathesis against the OpenAPI schema (issue 20): generated requests for every
operation, as HQ's admin (the widest permissions) over a small world; no answer may be a
5xx, and every answer must fit the schema (status documented, content type, body).
Bounded and seeded: a few examples per operation, derandomized, so a failure repeats."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.callbacks.conftest import make_customer, make_run

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _schema():
    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(document)
    schema.app = get_wsgi_application()
    return schema


schema = _schema()


@pytest.fixture
def token(personas, branches, db):
    from huifang.org.services import do_create_token

    customer = make_customer(branches["a1"])
    make_run({customer: ["A001"]})
    return do_create_token(personas["hq_admin"])


@schema.parametrize()
@settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_no_5xx_and_every_answer_fits_the_schema(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Token {token}", "Host": "localhost"}, checks=CHECKS
    )
