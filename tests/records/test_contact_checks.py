"""A record's 手机号, 联系电话 and 录音 SHA-256 are checked, with Chinese field errors."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from huifang.callbacks.records import services
from huifang.callbacks.records.models import CallbackRecord, RecordAttachment
from tests.records.test_pages import form_data

pytestmark = pytest.mark.django_db


def _register(client, task, **fields):
    return client.post(reverse("records:record_create", args=[task.pk]), form_data(task, **fields))


def test_a_mobile_that_is_not_a_mainland_mobile_is_refused(task, client_for):
    response = _register(client_for("agent_a"), task, mobile_used="abc12345")
    assert "手机号应为 11 位中国大陆手机号码" in response.content.decode()
    assert not CallbackRecord.objects.exists()


def test_a_phone_with_letters_is_refused(task, client_for):
    response = _register(client_for("agent_a"), task, phone_used="010-8888 分机")
    assert "联系电话只能包含数字" in response.content.decode()
    assert not CallbackRecord.objects.exists()


def test_a_landline_with_separators_is_accepted(task, client_for):
    response = _register(
        client_for("agent_a"), task, mobile_used="13812345678", phone_used="(010) 8888-6666"
    )
    assert response.status_code == 302
    assert CallbackRecord.objects.get().phone_used == "(010) 8888-6666"


def test_the_service_refuses_a_bad_mobile_for_the_api_too(task, personas, content):
    with pytest.raises(ValidationError) as refused:
        services.do_create_record(task, content(mobile_used="1381234"), actor=personas["agent_a"])
    assert "mobile_used" in refused.value.message_dict


def test_a_sha256_that_is_not_64_hex_characters_is_refused(task, client_for):
    response = _register(
        client_for("agent_a"), task, recording_reference="REC-1", recording_sha256="xyz"
    )
    assert "录音的 SHA-256 应为 64 位十六进制字符" in response.content.decode()
    assert not CallbackRecord.objects.exists()


def test_a_sha256_without_a_recording_reference_is_refused(task, client_for):
    response = _register(client_for("agent_a"), task, recording_sha256="a" * 64)
    assert "请同时填写录音引用" in response.content.decode()
    assert not RecordAttachment.objects.exists()


def test_a_mobile_in_full_width_digits_is_refused():
    from huifang.core.masking import MAINLAND_MOBILE

    assert MAINLAND_MOBILE.fullmatch("13812345678")
    assert not MAINLAND_MOBILE.fullmatch("１３８１２３４５６７８")
