# ruff: noqa: F811  (the fixtures imported from the calls and records tests)
"""The signed partner endpoints' short middleware chain (``core.middleware.PartnerPathMiddleware``)
answers as the full chain did — same status, same headers, same JSON errors — and the partner
write paths' round trips stay few (no savepoint of the records service inside the partner's
transaction)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from huifang.callbacks.records.models import CallbackRecord
from huifang.core.models import AuditEvent
from tests.calls.conftest import PATH, call, callcenter, post_call, pushed  # noqa: F401
from tests.partners.helpers import SignedClient
from tests.records.conftest import business_type, make_task, reason  # noqa: F401

SHORTCUT = "huifang.core.middleware.PartnerPathMiddleware"
# The headers whose values differ from one answer to the next.
VARYING = {"X-Request-ID"}


def full_chain():
    """The settings under which a partner request goes down the whole MIDDLEWARE list."""
    return override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != SHORTCUT])


def both(send):
    """``send(SignedClient)`` through the short chain, then through the full chain."""
    short = send(SignedClient(Client(raise_request_exception=False)))
    with full_chain():
        full = send(SignedClient(Client(raise_request_exception=False)))
    return short, full


def headers(response) -> dict:
    """The answer's headers but those that vary; ``Vary`` without ``Cookie``, which only
    the full chain's session adds (the middleware that read the session for the user),
    though a partner's answer depends on no cookie."""
    found = {k: v for k, v in response.headers.items() if k not in VARYING}
    if "Vary" in found:
        found["Vary"] = ", ".join(v for v in found["Vary"].split(", ") if v != "Cookie")
    return found


def same_answer(short, full):
    assert short.status_code == full.status_code, (short.content, full.content)
    assert set(short.headers) == set(full.headers)
    assert headers(short) == headers(full)
    assert "Cookie" not in short.get("Vary", "")
    if short["Content-Type"].startswith("application/json"):
        return short.json(), full.json()
    return short.content, full.content


def test_the_shortcut_sits_below_the_security_headers_and_no_store():
    order = settings.MIDDLEWARE
    assert order.index(SHORTCUT) > order.index("django.middleware.security.SecurityMiddleware")
    assert order.index(SHORTCUT) > order.index("huifang.core.middleware.NoStoreMiddleware")
    assert order.index(SHORTCUT) < order.index(
        "django.contrib.sessions.middleware.SessionMiddleware"
    )


@pytest.mark.django_db
def test_a_stored_result_carries_the_same_headers_as_through_the_full_chain(
    pushed, call, callcenter
):
    _, ref = pushed()
    payloads = iter([call(ref, "busy", attempt=1), call(ref, "busy", attempt=2)])
    short, full = both(lambda c: c.post(callcenter, PATH, next(payloads)))
    assert short.status_code == 201
    same_answer(short, full)
    for header, value in [
        ("Cache-Control", "no-store, private"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Content-Language", "zh-hans"),
    ]:
        assert short[header] == value
    assert "default-src 'self'" in short["Content-Security-Policy"]
    # Both went through the records service and were audited as the partner.
    assert CallbackRecord.objects.count() == 2
    labels = set(
        AuditEvent.objects.filter(action="call_receive").values_list("actor_label", flat=True)
    )
    assert labels == {"partner:外呼平台"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "send",
    [
        pytest.param(lambda c, p, body: c.post(p, PATH, body, secret="wrong"), id="bad-signature"),
        pytest.param(lambda c, p, body: c.get(p, PATH), id="method-405"),
        pytest.param(lambda c, p, body: c.post(p, PATH + "/nope", body), id="unknown-404"),
        pytest.param(lambda c, p, body: c.post(p, PATH, b"{not json"), id="unparsable-400"),
        pytest.param(
            lambda c, p, body: c.post(p, PATH, body, headers={"Host": "evil.example"}),
            id="host-400",
        ),
        pytest.param(lambda c, p, body: c.post(p, PATH + "/", body), id="trailing-slash-404"),
    ],
)
def test_refusals_are_answered_as_through_the_full_chain(pushed, call, callcenter, send):
    _, ref = pushed()
    body = call(ref)
    short, full = both(lambda c: send(c, callcenter, body))
    assert short.status_code >= 300
    first, second = same_answer(short, full)
    assert first == second


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error, status, code",
    [(RuntimeError("boom"), 500, "server_error"), (OverflowError("too big"), 400, "invalid")],
)
def test_an_error_in_the_view_is_the_same_json_as_through_the_full_chain(
    pushed, call, callcenter, monkeypatch, error, status, code
):
    from huifang.channels.calls import services

    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(services, "receive_call", broken)
    _, ref = pushed()
    short, full = both(lambda c: c.post(callcenter, PATH, call(ref)))
    assert short.status_code == status
    first, second = same_answer(short, full)
    assert first == second and first["code"] == code


@pytest.mark.django_db
def test_pages_and_the_rest_api_keep_the_full_chain(client_for):
    # A page still has its session (the login holds) and its CSRF cookie machinery.
    response = client_for("hq_admin").get("/")
    assert response.status_code == 200
    assert "Cookie" in response["Vary"]


@pytest.mark.django_db
def test_a_call_result_opens_no_savepoint_of_the_records_service(pushed, call, post_call):
    """The records service runs inside the partner's transaction without a savepoint of its
    own (a round trip each way on PostgreSQL); the statements of a call result with a
    record stay as few as they are (in production one fewer: the claim's transaction is
    no savepoint there)."""
    _, ref = pushed()
    post_call(call(ref, "busy", attempt=1))  # warm: prepared statements, the partner row
    with CaptureQueriesContext(connection) as queries:
        response = post_call(call(ref, "busy", attempt=2))
    assert response.status_code == 201 and response.json()["record"] is not None
    statements = [q["sql"] for q in queries.captured_queries]
    savepoints = [s for s in statements if s.upper().startswith("SAVEPOINT")]
    # The claim's (a savepoint here, inside the test's transaction) and the 外呼 service's
    # two (``do_ingest_call``, ``_ingest``'s IntegrityError on call_id + attempt); none
    # around the record (it was a fourth).
    assert len(savepoints) <= 3, statements
    record = next(n for n, s in enumerate(statements) if "records_callbackrecord" in s)
    lock = max(n for n in range(record) if statements[n].startswith('SELECT "callbacks_callback'))
    assert not any("SAVEPOINT" in s for s in statements[lock - 1 : record]), statements
    assert len(statements) <= 21, statements


@pytest.mark.parametrize(
    "accept",
    [None, "*/*", "application/json", "application/json; indent=4", "text/html", "*/*; q=0.8",
     "application/*", "text/html, */*; q=0.1", "", "application/xml"],
)  # fmt: skip
@pytest.mark.parametrize("query", ["", "format=json", "format=xml", "a=1"])
@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "Application/JSON",
     "text/plain", "application/*", "*/*", "application/json-patch+json", ""],
)  # fmt: skip
def test_the_partner_negotiation_answers_as_drfs_own(accept, query, content_type):
    from django.test import RequestFactory
    from rest_framework.negotiation import DefaultContentNegotiation
    from rest_framework.renderers import JSONRenderer
    from rest_framework.request import Request

    from huifang.core.parsers import JSONParser
    from huifang.partners.api import PartnerNegotiation

    headers = {} if accept is None else {"Accept": accept}
    django_request = RequestFactory().post(
        f"/api/v1/callcenter/calls?{query}", b"{}", content_type=content_type, headers=headers
    )
    if not content_type:
        django_request.META.pop("CONTENT_TYPE", None)
    request = Request(django_request)
    parsers, renderers = [JSONParser()], [JSONRenderer()]

    def outcome(negotiation, work):
        try:
            return work(negotiation)
        except Exception as exc:  # NotAcceptable, Http404 (an unknown ?format=)
            return type(exc)

    for work in (
        lambda n: n.select_parser(request, parsers),
        lambda n: n.select_renderer(request, renderers),
        lambda n: n.select_renderer(request, renderers, "json"),
    ):
        assert outcome(PartnerNegotiation(), work) == outcome(DefaultContentNegotiation(), work)
