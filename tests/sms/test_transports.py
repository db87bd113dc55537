"""Each provider's request and its errors, the SDKs and HTTP mocked."""

from __future__ import annotations

import io
import json
import urllib.error
from types import SimpleNamespace

import pytest

from huifang.channels.sms import transports
from huifang.channels.sms.models import SmsMessage
from huifang.channels.sms.transports import TransportError

pytestmark = pytest.mark.django_db

CONFIG = {
    "ALIYUN_ACCESS_KEY_ID": "id",
    "ALIYUN_ACCESS_KEY_SECRET": "secret",
    "ALIYUN_ENDPOINT": "dysmsapi.aliyuncs.com",
    "TENCENT_SECRET_ID": "sid",
    "TENCENT_SECRET_KEY": "skey",
    "TENCENT_SDK_APP_ID": "1400000000",
    "TENCENT_REGION": "ap-guangzhou",
    "HTTP_URL": "https://gw.example.com/send",
    "HTTP_METHOD": "POST",
    "HTTP_PARAMS": {"phone": "{mobile}", "content": "{text}", "ref": "{message}"},
    "HTTP_SUCCESS": "result.code == 0",
    "HTTP_ID_FIELD": "result.id",
}


@pytest.fixture
def message(task, queue):
    queue(task)
    return SmsMessage.objects.select_related("template").get()


class FakeAliyun:
    def __init__(self, code="OK", biz_id="900619746936498440^0", raises=None):
        self.code, self.biz_id, self.raises, self.requests = code, biz_id, raises, []

    def send_sms(self, request):
        self.requests.append(request)
        if self.raises:
            raise self.raises
        body = SimpleNamespace(code=self.code, biz_id=self.biz_id, message="msg")
        return SimpleNamespace(body=body)


def aliyun(fake):
    provider = transports.AliyunTransport(CONFIG)
    provider.client = lambda: fake
    return provider


def test_aliyun_sends_the_sign_name_template_code_and_parameters(message):
    fake = FakeAliyun()
    result = aliyun(fake).send(message)
    assert result.provider_message_id == "900619746936498440^0"
    (request,) = fake.requests
    assert request.phone_numbers == "13812345678"
    assert request.sign_name == "惠访期货"
    assert request.template_code == "SMS_123"
    assert json.loads(request.template_param) == {
        "name": message.customer.name,
        "deadline": "",
    }
    assert request.out_id == str(message.pk)


def test_aliyun_refusing_the_number_is_permanent(message):
    with pytest.raises(TransportError) as error:
        aliyun(FakeAliyun(code="isv.MOBILE_NUMBER_ILLEGAL")).send(message)
    assert error.value.permanent and error.value.code == "isv.MOBILE_NUMBER_ILLEGAL"


def test_aliyun_flow_control_is_temporary(message):
    with pytest.raises(TransportError) as error:
        aliyun(FakeAliyun(code="isv.BUSINESS_LIMIT_CONTROL")).send(message)
    assert not error.value.permanent


def test_aliyun_network_error_is_temporary(message):
    with pytest.raises(TransportError) as error:
        aliyun(FakeAliyun(raises=ConnectionError("reset"))).send(message)
    assert not error.value.permanent


def test_aliyun_without_credentials_is_permanent(message):
    with pytest.raises(TransportError) as error:
        transports.AliyunTransport({**CONFIG, "ALIYUN_ACCESS_KEY_ID": ""}).send(message)
    assert error.value.permanent


class FakeTencent:
    def __init__(self, code="Ok"):
        self.code, self.requests = code, []

    def SendSms(self, request):
        self.requests.append(request)
        status = SimpleNamespace(Code=self.code, Message="send success", SerialNo="2019:65633")
        return SimpleNamespace(SendStatusSet=[status])


def tencent(fake):
    provider = transports.TencentTransport(CONFIG)
    provider.client = lambda: fake
    return provider


def test_tencent_sends_the_ordered_parameters(message):
    fake = FakeTencent()
    result = tencent(fake).send(message)
    assert result.provider_message_id == "2019:65633"
    (request,) = fake.requests
    assert request.PhoneNumberSet == ["+8613812345678"]
    assert request.SmsSdkAppId == "1400000000"
    assert request.SignName == "惠访期货"
    assert request.TemplateId == "1234567"
    assert request.TemplateParamSet == [message.customer.name, ""]


def test_tencent_invalid_number_is_permanent(message):
    with pytest.raises(TransportError) as error:
        tencent(FakeTencent("InvalidParameterValue.IncorrectPhoneNumber")).send(message)
    assert error.value.permanent


def test_tencent_rate_limit_is_temporary(message):
    with pytest.raises(TransportError) as error:
        tencent(FakeTencent("LimitExceeded.PhoneNumberDailyLimit")).send(message)
    assert not error.value.permanent


class FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def fake_http(monkeypatch, outcome):
    seen = []

    def urlopen(request, timeout):
        seen.append(request)
        if isinstance(outcome, Exception):
            raise outcome
        return FakeResponse(json.dumps(outcome).encode())

    monkeypatch.setattr(transports, "urlopen", urlopen)
    return seen


def test_the_http_gateway_maps_parameters_and_reads_the_id(message, monkeypatch):
    seen = fake_http(monkeypatch, {"result": {"code": 0, "id": "gw-77"}})
    result = transports.HttpTransport(CONFIG).send(message)
    assert result.provider_message_id == "gw-77"
    body = json.loads(seen[0].data)
    assert body == {"phone": "13812345678", "content": message.text, "ref": str(message.pk)}


def test_the_http_gateway_success_rule_not_met_is_permanent(message, monkeypatch):
    fake_http(monkeypatch, {"result": {"code": 17, "msg": "余额不足"}})
    with pytest.raises(TransportError) as error:
        transports.HttpTransport(CONFIG).send(message)
    assert error.value.permanent and "余额不足" in error.value.message


def test_the_http_gateway_5xx_is_temporary(message, monkeypatch):
    error_503 = urllib.error.HTTPError(CONFIG["HTTP_URL"], 503, "busy", {}, io.BytesIO())
    fake_http(monkeypatch, error_503)
    with pytest.raises(TransportError) as error:
        transports.HttpTransport(CONFIG).send(message)
    assert not error.value.permanent


def test_the_http_gateway_4xx_is_permanent(message, monkeypatch):
    fake_http(monkeypatch, urllib.error.HTTPError(CONFIG["HTTP_URL"], 400, "bad", {}, io.BytesIO()))
    with pytest.raises(TransportError) as error:
        transports.HttpTransport(CONFIG).send(message)
    assert error.value.permanent


def test_the_http_gateway_by_get_puts_the_parameters_in_the_query(message, monkeypatch):
    seen = fake_http(monkeypatch, {"result": {"code": 0, "id": 5}})
    transports.HttpTransport({**CONFIG, "HTTP_METHOD": "GET"}).send(message)
    assert seen[0].full_url.startswith("https://gw.example.com/send?phone=13812345678")


def test_every_provider_is_registered():
    assert set(transports.TRANSPORTS) >= {"file", "aliyun", "tencent", "http"}
