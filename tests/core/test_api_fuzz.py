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
def keep_the_connection():
    """Requests go straight to the WSGI handler, not through Django's test client, so its
    end-of-request hook would close the test's own database connection (on PostgreSQL:
    "the connection is closed"): off for the test, as the test client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(personas, branches, db, keep_the_connection):
    from huifang.org.services import do_create_token

    customer = make_customer(branches["a1"])
    make_run({customer: ["A001"]})
    return do_create_token(personas["hq_admin"])


@pytest.mark.fuzz
@schema.parametrize()
@settings(
    max_examples=5,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_no_5xx_and_every_answer_fits_the_schema(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Token {token}", "Host": "localhost"}, checks=CHECKS
    )
