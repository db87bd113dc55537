"""Receipts: the providers' recorded formats on their token paths (duplicates ignored, a
wrong token 404) and the generic gateway's signed receipt (bad signature 401, the same
event id → the same answer)."""

from __future__ import annotations

import json

import pytest

from huifang.channels.sms.models import SmsMessage, SmsReceipt, SmsStatus
from tests.sms.conftest import fixture

pytestmark = pytest.mark.django_db

TOKEN = "a-secret-path-token-1234"


@pytest.fixture
def sent(make_task, queue):
    """Two messages sent by ``provider`` with the ids the fixtures carry."""

    def build(provider: str, ids: list[str]) -> list[SmsMessage]:
        from huifang.callbacks.models import CallbackTask

        make_task(mobile="13812345678")
        make_task(mobile="13912345678")
        queue(CallbackTask.objects.all())
        rows = list(SmsMessage.objects.order_by("pk"))
        for row, pid in zip(rows, ids, strict=True):
            row.provider, row.provider_message_id, row.status = provider, pid, SmsStatus.SENT
            row.save()
        return rows

    return build


def post_json(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_aliyun_batch_push_sets_delivered_and_failed(client, sent):
    ok, bad = sent("aliyun", ["900619746936498440^0", "900619746936498441^0"])
    response = post_json(
        client, f"/api/v1/sms/receipts/aliyun/{TOKEN}", fixture("aliyun_report.json")
    )
    assert response.status_code == 200
    assert response.json() == {"code": 0, "msg": "接收成功"}
    ok.refresh_from_db()
    bad.refresh_from_db()
    assert ok.status == SmsStatus.DELIVERED and ok.delivered_at is not None
    assert (bad.status, bad.provider_code, bad.provider_text) == (
        SmsStatus.FAILED,
        "MK:0001",
        "用户接收失败",
    )
    assert SmsReceipt.objects.count() == 2


def test_aliyun_repeated_reports_are_ignored(client, sent):
    sent("aliyun", ["900619746936498440^0", "900619746936498441^0"])
    body = fixture("aliyun_report.json")
    post_json(client, f"/api/v1/sms/receipts/aliyun/{TOKEN}", body)
    response = post_json(client, f"/api/v1/sms/receipts/aliyun/{TOKEN}", body)
    assert response.json() == {"code": 0, "msg": "接收成功"}
    assert SmsReceipt.objects.count() == 2


def test_aliyun_a_wrong_token_is_404_and_writes_nothing(client, sent):
    sent("aliyun", ["900619746936498440^0", "900619746936498441^0"])
    response = post_json(
        client, "/api/v1/sms/receipts/aliyun/wrong-token-000000", fixture("aliyun_report.json")
    )
    assert response.status_code == 404
    assert not SmsReceipt.objects.exists()
    assert not SmsMessage.objects.filter(status=SmsStatus.DELIVERED).exists()


def test_no_configured_token_closes_the_vendor_paths(client, settings):
    settings.SMS = {**settings.SMS, "RECEIPT_TOKEN": ""}
    response = post_json(client, "/api/v1/sms/receipts/tencent/x", fixture("tencent_callback.json"))
    assert response.status_code == 404


def test_aliyun_a_body_that_is_not_an_array_is_400(client):
    response = client.post(
        f"/api/v1/sms/receipts/aliyun/{TOKEN}", "not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == 1


def test_tencent_callback_sets_delivered_and_failed(client, sent):
    ok, bad = sent("tencent", ["2019:6563372212345678901", "2019:6563372212345678902"])
    response = post_json(
        client, f"/api/v1/sms/receipts/tencent/{TOKEN}", fixture("tencent_callback.json")
    )
    assert response.json() == {"result": 0, "errmsg": "OK"}
    ok.refresh_from_db()
    bad.refresh_from_db()
    assert ok.status == SmsStatus.DELIVERED
    assert bad.status == SmsStatus.FAILED and bad.provider_code == "MK:0012"


def test_tencent_repeated_reports_are_ignored(client, sent):
    sent("tencent", ["2019:6563372212345678901", "2019:6563372212345678902"])
    for _ in range(2):
        post_json(client, f"/api/v1/sms/receipts/tencent/{TOKEN}", fixture("tencent_callback.json"))
    assert SmsReceipt.objects.count() == 2


def test_tencent_a_wrong_token_is_404(client):
    response = post_json(
        client, "/api/v1/sms/receipts/tencent/nope", fixture("tencent_callback.json")
    )
    assert response.status_code == 404


def test_a_report_for_an_unknown_message_is_kept_but_changes_nothing(client):
    response = post_json(
        client, f"/api/v1/sms/receipts/tencent/{TOKEN}", fixture("tencent_callback.json")
    )
    assert response.status_code == 200
    assert SmsReceipt.objects.filter(message=None).count() == 2


# -- the generic gateway, signed -------------------------------------------------------------

PATH = "/api/v1/sms/receipts"


@pytest.fixture
def gateway(make_partner):
    return make_partner("短信网关", "sms")[0]


def receipt(message, **fields):
    return {
        "event_id": "evt-1",
        "message": message.pk,
        "provider_message_id": message.provider_message_id,
        "status": "delivered",
        "code": "DELIVRD",
        "at": "2026-03-02T10:00:05+08:00",
        **fields,
    }


def test_the_gateway_receipt_sets_delivered(signed_client, gateway, sent):
    message, _ = sent("http", ["gw-1", "gw-2"])
    response = signed_client.post(gateway, PATH, receipt(message))
    assert response.status_code == 200
    assert response.json() == {"message": message.pk, "status": "delivered"}
    message.refresh_from_db()
    assert message.status == SmsStatus.DELIVERED and message.provider_code == "DELIVRD"


def test_the_same_event_id_gets_the_same_answer_and_writes_once(signed_client, gateway, sent):
    message, _ = sent("http", ["gw-1", "gw-2"])
    first = signed_client.post(gateway, PATH, receipt(message))
    again = signed_client.post(gateway, PATH, receipt(message, status="failed"))
    assert again.status_code == 200 and again.json() == first.json()
    assert SmsReceipt.objects.count() == 1
    message.refresh_from_db()
    assert message.status == SmsStatus.DELIVERED


def test_the_same_event_id_with_a_body_now_refused_still_gets_the_first_answer(
    signed_client, gateway, sent
):
    message, _ = sent("http", ["gw-1", "gw-2"])
    first = signed_client.post(gateway, PATH, receipt(message))
    unknown = {**receipt(message), "message": 999999, "provider_message_id": "nope"}
    for body in (receipt(message, status="read"), unknown):
        again = signed_client.post(gateway, PATH, body)
        assert again.status_code == 200 and again.json() == first.json()
    assert SmsReceipt.objects.count() == 1


def test_a_wrong_signature_is_401_and_writes_nothing(signed_client, gateway, sent):
    message, _ = sent("http", ["gw-1", "gw-2"])
    response = signed_client.post(gateway, PATH, receipt(message), secret="not-the-secret")
    assert response.status_code == 401
    assert response.json()["code"] == "bad_signature"
    assert not SmsReceipt.objects.exists()


def test_a_stale_timestamp_is_401(signed_client, gateway, sent):
    message, _ = sent("http", ["gw-1", "gw-2"])
    response = signed_client.post(gateway, PATH, receipt(message), now=1_000_000_000)
    assert response.status_code == 401 and response.json()["code"] == "stale_timestamp"


def test_a_partner_of_another_kind_is_403(signed_client, make_partner, sent):
    message, _ = sent("http", ["gw-1", "gw-2"])
    apphall = make_partner("掌厅", "apphall")[0]
    assert signed_client.post(apphall, PATH, receipt(message)).status_code == 403


def test_null_provider_message_id_and_code_are_read_as_empty(signed_client, gateway, sent):
    message, _ = sent("http", ["gw-1", "gw-2"])
    body = receipt(message, provider_message_id=None, code=None)
    response = signed_client.post(gateway, PATH, body)
    assert response.status_code == 200
    assert response.json() == {"message": message.pk, "status": "delivered"}


def test_an_unknown_message_is_404(signed_client, gateway):
    response = signed_client.post(
        gateway, PATH, {"event_id": "e", "message": 999999, "status": "delivered"}
    )
    assert response.status_code == 404


def test_bad_fields_are_422(signed_client, gateway):
    response = signed_client.post(gateway, PATH, {"event_id": "e", "status": "read"})
    assert response.status_code == 422
    assert "status" in response.json()["errors"]
