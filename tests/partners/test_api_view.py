"""PartnerAPIView on a test-only endpoint: the signature and kind are checked before the
handler runs, refusals are JSON and write nothing, audit rows carry the partner."""

from __future__ import annotations

import time

import pytest

from huifang.core.models import AuditEvent
from huifang.partners.models import PartnerEvent, PartnerKind

pytestmark = pytest.mark.urls("tests.partners.urls")

PATH = "/api/v1/test/echo/A1"


@pytest.fixture
def apphall(make_partner):
    return make_partner("掌厅", PartnerKind.APPHALL)[0]


def _refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code
    assert body["message"] and not body["message"].isascii()  # Chinese


def _writes():
    return AuditEvent.objects.count(), PartnerEvent.objects.count()


def test_a_signed_request_reaches_the_handler_as_the_partner(signed_client, apphall):
    response = signed_client.get(apphall, PATH)
    assert response.status_code == 200
    assert response.json() == {"partner": "掌厅", "actor": "partner:掌厅", "code": "A1"}


def test_a_signed_query_string_is_part_of_the_path(signed_client, apphall):
    assert signed_client.get(apphall, PATH + "?page=2&x=%E4%B8%AD").status_code == 200


def test_a_path_signed_with_an_empty_query_string_verifies(client, apphall):
    # A client sending "…/A1?" signs the "?" it sent; the server receives no query string.
    from huifang.partners import signing

    headers = signing.headers(apphall.key, signing.secret_of(apphall), "GET", PATH + "?", b"")
    assert client.get(PATH + "?", headers=headers).status_code == 200


def test_a_get_is_signed_with_an_empty_body_even_if_one_is_sent(client, apphall):
    from huifang.partners import signing

    headers = signing.headers(apphall.key, signing.secret_of(apphall), "GET", PATH, b"")
    response = client.generic(
        "GET", PATH, b'{"x": 1}', content_type="application/json", headers=headers
    )
    assert response.status_code == 200, response.content


def test_a_post_signed_with_an_empty_body_is_a_bad_signature(signed_client, apphall):
    response = signed_client.post(apphall, PATH, {"event_id": "E1"}, signed_body=b"")
    _refused(response, 401, "bad_signature")


def test_a_query_string_added_after_signing_is_a_bad_signature(signed_client, apphall):
    signed = signed_client.get(apphall, PATH + "?page=2").request["HTTP_X_HUIFANG_SIGNATURE"]
    response = signed_client.get(apphall, PATH + "?page=3", headers={"X-Huifang-Signature": signed})
    _refused(response, 401, "bad_signature")


def test_missing_headers_are_an_unknown_key(client, apphall):
    _refused(client.get(PATH), 401, "unknown_key")


def test_a_missing_signature_is_a_bad_signature(signed_client, apphall):
    response = signed_client.get(apphall, PATH, headers={"X-Huifang-Signature": None})
    _refused(response, 401, "bad_signature")


def test_a_missing_timestamp_is_a_stale_timestamp(signed_client, apphall):
    response = signed_client.get(apphall, PATH, headers={"X-Huifang-Timestamp": None})
    _refused(response, 401, "stale_timestamp")


def test_the_path_as_the_server_received_it_verifies_lowercase_escapes(client, make_partner):
    """gunicorn keeps the request line's target (RAW_URI): a path signed with lowercase
    percent-escapes, exactly as sent, verifies although Django decodes it."""
    from huifang.partners import signing

    partner, secret = make_partner("掌厅", PartnerKind.APPHALL)
    raw = "/api/v1/test/echo/%41%31"  # A1
    headers = signing.headers(partner.key, secret, "GET", raw, b"")
    response = client.get(
        PATH,
        RAW_URI=raw,
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()},
    )
    assert response.status_code == 200, response.content


def test_an_unknown_key_is_refused(signed_client, apphall):
    _refused(signed_client.get(apphall, PATH, key="hf_nobody"), 401, "unknown_key")


def test_a_wrong_secret_is_a_bad_signature_and_writes_nothing(signed_client, apphall):
    before = _writes()
    response = signed_client.post(apphall, PATH, {"event_id": "E1"}, secret="not-the-secret")
    _refused(response, 401, "bad_signature")
    assert _writes() == before


def test_a_replay_with_another_body_is_a_bad_signature_and_writes_nothing(signed_client, apphall):
    before = _writes()
    response = signed_client.post(
        apphall, PATH, {"event_id": "E2"}, signed_body=b'{"event_id": "E1"}'
    )
    _refused(response, 401, "bad_signature")
    assert _writes() == before


# 305, not 301: the signed timestamp is whole seconds (up to 1 s early) and a busy machine
# takes a moment between signing and verifying; 301 could land inside the window.
@pytest.mark.parametrize("offset", [-305, 305])
def test_a_timestamp_over_300_seconds_away_is_stale(signed_client, apphall, offset):
    before = _writes()
    response = signed_client.post(apphall, PATH, {"event_id": "E1"}, now=time.time() + offset)
    _refused(response, 401, "stale_timestamp")
    assert _writes() == before


def test_a_timestamp_within_the_window_is_accepted(signed_client, apphall):
    assert signed_client.get(apphall, PATH, now=time.time() - 290).status_code == 200


@pytest.mark.parametrize("offset", [-300, 300])
def test_a_timestamp_exactly_300_seconds_away_is_accepted(
    signed_client, apphall, monkeypatch, offset
):
    # The server's clock is late in its second: whole seconds are compared, so exactly
    # 300 s off is still inside the window.
    monkeypatch.setattr("huifang.partners.signing.time.time", lambda: 1_800_000_000.9)
    response = signed_client.get(apphall, PATH, now=1_800_000_000 + offset)
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("offset", [-301, 301])
def test_a_timestamp_301_seconds_away_is_stale(signed_client, apphall, monkeypatch, offset):
    monkeypatch.setattr("huifang.partners.signing.time.time", lambda: 1_800_000_000.0)
    response = signed_client.get(apphall, PATH, now=1_800_000_000 + offset)
    _refused(response, 401, "stale_timestamp")


def test_a_timestamp_that_is_not_whole_seconds_is_stale(signed_client, apphall):
    response = signed_client.get(apphall, PATH, headers={"X-Huifang-Timestamp": "1.5e9"})
    _refused(response, 401, "stale_timestamp")


def test_a_disabled_partner_is_forbidden_and_writes_nothing(signed_client, make_partner):
    partner, _ = make_partner("掌厅", PartnerKind.APPHALL, is_enabled=False)
    before = _writes()
    _refused(signed_client.post(partner, PATH, {"event_id": "E1"}), 403, "partner_disabled")
    assert _writes() == before


def test_a_partner_of_another_kind_is_forbidden_and_writes_nothing(signed_client, make_partner):
    sms, _ = make_partner("短信", PartnerKind.SMS)
    before = _writes()
    _refused(signed_client.post(sms, PATH, {"event_id": "E1"}), 403, "wrong_kind")
    assert _writes() == before


def test_malformed_json_is_a_bad_request(signed_client, apphall):
    _refused(signed_client.post(apphall, PATH, b'{"event_id": '), 400, "bad_request")


def test_a_json_array_is_a_bad_request(signed_client, apphall):
    _refused(signed_client.post(apphall, PATH, b"[1, 2]"), 400, "bad_request")


@pytest.mark.parametrize("content_type", ["text/plain", ""])
def test_a_body_not_sent_as_json_is_a_415_and_writes_nothing(client, apphall, content_type):
    from huifang.partners import signing

    body = b'{"event_id": "E1"}'
    secret = signing.secret_of(apphall)
    headers = signing.headers(apphall.key, secret, "POST", PATH, body)
    before = _writes()
    response = client.generic("POST", PATH, body, content_type=content_type, headers=headers)
    _refused(response, 415, "unsupported_media_type")
    assert _writes() == before


def test_http404_in_a_handler_is_json_not_found(signed_client, apphall):
    _refused(signed_client.get(apphall, "/api/v1/test/echo/missing"), 404, "not_found")


def test_a_partner_error_carries_its_errors(signed_client, apphall):
    response = signed_client.post(apphall, PATH, {})
    _refused(response, 422, "invalid")
    assert response.json()["errors"] == {"event_id": ["必填"]}


def test_an_audit_row_written_without_an_actor_carries_the_partner(signed_client, apphall):
    response = signed_client.post(
        apphall, PATH, {"event_id": "E1"}, headers={"X-Forwarded-For": "203.0.113.9"}
    )
    assert response.status_code == 201
    event = AuditEvent.objects.get(pk=response.json()["event"])
    assert event.actor_label == "partner:掌厅"
    assert event.user is None
    assert event.ip == "127.0.0.1"  # REMOTE_ADDR: the test client is no trusted proxy


def test_the_same_event_id_again_answers_200_with_the_first_body(signed_client, apphall):
    first = signed_client.post(apphall, PATH, {"event_id": "E1"})
    before = _writes()
    again = signed_client.post(apphall, PATH, {"event_id": "E1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert _writes() == before


def test_a_refusal_inside_the_work_keeps_no_event(signed_client, apphall):
    before = _writes()
    response = signed_client.post(apphall, PATH, {"event_id": "E1", "fail": True})
    _refused(response, 409, "conflict")
    assert _writes() == before
    assert signed_client.post(apphall, PATH, {"event_id": "E1"}).status_code == 201


def test_a_verified_request_records_the_partners_last_request_time(signed_client, apphall):
    assert apphall.last_request_at is None
    signed_client.get(apphall, PATH)
    apphall.refresh_from_db()
    assert apphall.last_request_at is not None


def test_no_session_or_csrf_token_is_needed(signed_client, apphall, client):
    client.handler.enforce_csrf_checks = True
    assert signed_client.post(apphall, PATH, {"event_id": "E9"}).status_code == 201


def test_a_body_over_the_upload_limit_is_json_413(signed_client, apphall, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    _refused(signed_client.post(apphall, PATH, {"event_id": "E" * 20}), 413, "too_large")


def test_a_partner_over_its_rate_limit_gets_429_in_chinese_and_writes_nothing(
    signed_client, apphall, settings
):
    from django.core.cache import cache

    cache.clear()
    settings.PARTNER_RATE_LIMIT = 2
    assert signed_client.get(apphall, PATH).status_code == 200
    assert signed_client.get(apphall, PATH).status_code == 200
    before = _writes()
    _refused(signed_client.post(apphall, PATH, {"event_id": "E9"}), 429, "rate_limited")
    assert _writes() == before
