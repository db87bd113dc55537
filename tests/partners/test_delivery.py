"""Outgoing deliveries: queued, POSTed signed, retried with backoff, every attempt logged,
the final outcome signalled. HTTP is mocked, except one loopback test."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import io
import json
import threading
import urllib.error
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from huifang.core.models import AuditEvent
from huifang.partners import delivery
from huifang.partners.models import Delivery, DeliveryAttempt, DeliveryStatus
from huifang.partners.signals import delivery_done
from tests.partners.helpers import make_partner

pytestmark = pytest.mark.django_db

URL = "https://apphall.example.com/huifang/events?v=1"


class FakeResponse:
    def __init__(self, status: int, url: str):
        self.status, self._url = status, url

    def geturl(self):
        return self._url

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class FakeHTTP:
    """Answers POSTs in order from ``outcomes`` (an int status or an exception)."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.requests: list = []

    def __call__(self, request, timeout):
        self.requests.append(request)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        if outcome >= 400:
            raise urllib.error.HTTPError(
                request.full_url, outcome, "error", {}, io.BytesIO(b"refused")
            )
        return FakeResponse(outcome, request.full_url)


@pytest.fixture
def fake_http(monkeypatch):
    def install(*outcomes):
        fake = FakeHTTP(*outcomes)
        monkeypatch.setattr(delivery, "urlopen", fake)
        return fake

    return install


@pytest.fixture
def outcomes():
    seen: list = []

    def receiver(sender, delivery, ok, **kwargs):
        seen.append((delivery.pk, ok))

    delivery_done.connect(receiver)
    yield seen
    delivery_done.disconnect(receiver)


@pytest.fixture
def partner():
    return make_partner(url=URL)[0]


def _enqueue(partner, run_jobs, n: int = 1) -> list[Delivery]:
    items = [(f"INV{i:04d}", {"invitation": f"INV{i:04d}"}) for i in range(n)]
    with run_jobs():
        assert delivery.do_enqueue(partner, "invitation.created", items) == n
    return list(Delivery.objects.order_by("pk"))


def _later(minutes: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=minutes)


def test_nothing_is_queued_for_a_partner_without_a_url(run_jobs):
    partner, _ = make_partner()
    assert delivery.do_enqueue(partner, "invitation.created", [("I1", {})]) == 0
    assert not Delivery.objects.exists()


def test_nothing_is_queued_for_a_disabled_partner():
    partner, _ = make_partner(url=URL, is_enabled=False)
    assert delivery.do_enqueue(partner, "invitation.created", [("I1", {})]) == 0
    assert not Delivery.objects.exists()


def test_a_payload_gets_its_event_id_and_type_unless_it_has_them(partner, fake_http):
    fake_http()
    delivery.do_enqueue(
        partner, "invitation.created", [("I1", {"invitation": "I1"}), ("I2", {"type": "own"})]
    )
    first, second = Delivery.objects.order_by("pk")
    assert first.payload == {
        "event_id": first.event_id,
        "type": "invitation.created",
        "invitation": "I1",
    }
    assert len(first.event_id) == 32 and first.event_id != second.event_id
    assert second.payload["type"] == "own"
    assert AuditEvent.objects.filter(action="delivery_enqueue").count() == 1


def test_a_2xx_answer_delivers_logs_the_attempt_and_signals_success(
    partner, fake_http, run_jobs, outcomes
):
    fake = fake_http(200)
    [sent] = _enqueue(partner, run_jobs)
    sent.refresh_from_db()
    assert sent.status == DeliveryStatus.DELIVERED and sent.finished_at is not None
    attempt = DeliveryAttempt.objects.get(delivery=sent)
    assert (attempt.http_status, attempt.error) == (200, "")
    assert outcomes == [(sent.pk, True)]
    request = fake.requests[0]
    assert request.get_method() == "POST" and json.loads(request.data) == sent.payload


def test_the_post_is_signed_over_the_urls_path_and_query(partner, fake_http, run_jobs):
    from huifang.partners import signing

    fake = fake_http(200)
    _enqueue(partner, run_jobs)
    request = fake.requests[0]
    headers = {k.lower(): v for k, v in request.header_items()}
    expected = signing.sign(
        signing.secret_of(partner),
        headers["x-huifang-timestamp"],
        "POST",
        "/huifang/events?v=1",
        request.data,
    )
    assert headers["x-huifang-key"] == partner.key
    assert headers["x-huifang-signature"] == expected


def test_a_5xx_is_retried_after_a_minute_then_delivered(partner, fake_http, run_jobs, outcomes):
    fake_http(503, 200)
    [sent] = _enqueue(partner, run_jobs)
    sent.refresh_from_db()
    assert (sent.status, sent.attempts, sent.last_error) == ("pending", 1, "refused")
    assert outcomes == []
    assert delivery.drain(now=_later(0.5)) == 0  # not due yet
    assert delivery.drain(now=_later(1.5)) == 1
    sent.refresh_from_db()
    assert sent.status == DeliveryStatus.DELIVERED
    assert list(sent.attempt_log.order_by("at").values_list("http_status", flat=True)) == [
        503,
        200,
    ]
    assert outcomes == [(sent.pk, True)]


@pytest.mark.parametrize(
    "outcome", [408, 429, 500, urllib.error.URLError("connection refused"), TimeoutError()]
)
def test_timeouts_network_errors_5xx_408_and_429_are_temporary(
    partner, fake_http, run_jobs, outcome
):
    fake_http(outcome)
    [sent] = _enqueue(partner, run_jobs)
    sent.refresh_from_db()
    assert sent.status == DeliveryStatus.PENDING
    assert sent.next_attempt_at > timezone.now() + datetime.timedelta(seconds=50)


def test_a_4xx_is_a_permanent_failure_at_once(partner, fake_http, run_jobs, outcomes):
    fake_http(400)
    [sent] = _enqueue(partner, run_jobs)
    sent.refresh_from_db()
    assert (sent.status, sent.attempts, sent.next_attempt_at) == ("failed", 1, None)
    assert outcomes == [(sent.pk, False)]


def test_after_the_last_backoff_the_delivery_fails(partner, fake_http, run_jobs, outcomes):
    fake_http(*[503] * 6)
    [sent] = _enqueue(partner, run_jobs)
    minutes = 0.0
    for step in delivery.BACKOFF:
        minutes += step.total_seconds() / 60 + 1
        assert delivery.drain(now=_later(minutes)) == 1
    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == ("failed", 6)
    assert sent.attempt_log.count() == 6
    assert outcomes == [(sent.pk, False)]


def test_a_claimed_delivery_is_not_sent_twice(partner, fake_http, run_jobs):
    fake_http(503)
    [sent] = _enqueue(partner, run_jobs)
    sent.refresh_from_db()
    stale = Delivery.objects.get(pk=sent.pk)
    assert delivery.claim(sent, _later(2))
    assert not delivery.claim(stale, _later(2))


def test_retry_sends_a_failed_delivery_again(partner, fake_http, run_jobs, outcomes, personas):
    fake_http(404, 200)
    [sent] = _enqueue(partner, run_jobs)
    with run_jobs():
        delivery.do_retry(sent, actor=personas["hq_admin"])
    sent.refresh_from_db()
    assert sent.status == DeliveryStatus.DELIVERED
    assert outcomes == [(sent.pk, False), (sent.pk, True)]
    assert AuditEvent.objects.filter(action="delivery_retry", user=personas["hq_admin"]).exists()


def test_only_a_failed_delivery_can_be_retried(partner, fake_http, run_jobs):
    from django.core.exceptions import ValidationError

    fake_http(200)
    [sent] = _enqueue(partner, run_jobs)
    with pytest.raises(ValidationError):
        delivery.do_retry(sent)


class _Receiver(BaseHTTPRequestHandler):
    """A partner's endpoint: checks Huifang's signature as a partner would."""

    secret = ""
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        timestamp = self.headers["X-Huifang-Timestamp"]
        message = f"{timestamp}\nPOST\n{self.path}\n".encode() + body
        expected = hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(expected, self.headers["X-Huifang-Signature"])
        self.received.append((self.headers["X-Huifang-Key"], json.loads(body), ok))
        self.send_response(200 if ok else 401)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_real_post_on_loopback_carries_a_valid_signature(run_jobs):
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook?src=huifang"
        partner, secret = make_partner(url=url)
        _Receiver.secret, _Receiver.received = secret, []
        [sent] = _enqueue(partner, run_jobs)
    finally:
        server.shutdown()
        server.server_close()
    sent.refresh_from_db()
    assert _Receiver.received == [(partner.key, sent.payload, True)]
    assert sent.status == DeliveryStatus.DELIVERED


def test_a_partner_disabled_after_queueing_fails_the_delivery_without_a_post(
    partner, fake_http, outcomes
):
    fake = fake_http()
    delivery.do_enqueue(partner, "invitation.created", [("I1", {})])
    partner.is_enabled = False
    partner.save()
    assert delivery.drain() == 1
    sent = Delivery.objects.get()
    assert (sent.status, sent.last_error) == ("failed", "对接方已停用")
    assert fake.requests == [] and outcomes == [(sent.pk, False)]
