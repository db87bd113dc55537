"""The record form shows the contact fields masked, as every page does (PIPL): the mask
sent back unchanged keeps the stored value, a new value replaces it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from huifang.callbacks.records import services
from huifang.callbacks.records.models import CallbackRecord
from tests.records.test_pages import form_data

pytestmark = pytest.mark.django_db

ADDRESS = "北京市和平里东街11号院3号楼"


@pytest.fixture
def record(task, personas, content):
    values = content(
        status="other",
        remark="客户忙",
        mobile_used="13912345678",
        phone_used="010-88886666",
        address=ADDRESS,
    )
    return services.do_create_record(task, values, actor=personas["agent_a"])


def _edit(client, record, **overrides):
    data = form_data(
        record.task,
        status="other",
        remark="客户忙",
        version=str(record.version),
        change_reason="更正时长",
        **overrides,
    )
    return client.post(reverse("records:record_edit", args=[record.pk]), data)


def test_edit_form_shows_contact_fields_masked(record, client_for):
    html = client_for("agent_a").get(reverse("records:record_edit", args=[record.pk]))
    text = html.content.decode()
    assert 'value="139****5678"' in text and "13912345678" not in text
    assert 'value="010*******66"' in text and "010-88886666" not in text
    assert 'value="北京市和平里****"' in text and ADDRESS not in text


def test_unchanged_masks_keep_the_stored_values(record, client_for):
    response = _edit(
        client_for("agent_a"),
        record,
        mobile_used="139****5678",
        phone_used="010*******66",
        address="北京市和平里****",
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.version == 2 and record.duration_seconds == 125
    assert (record.mobile_used, record.phone_used, record.address) == (
        "13912345678",
        "010-88886666",
        ADDRESS,
    )


def test_a_new_number_replaces_the_stored_one(record, client_for):
    response = _edit(client_for("agent_a"), record, mobile_used="13700001111")
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.mobile_used == "13700001111"


def test_a_partly_edited_mask_is_refused(record, client_for):
    response = _edit(client_for("agent_a"), record, mobile_used="139****5679")
    assert response.status_code == 200
    assert "请填写完整的内容" in response.content.decode()
    record.refresh_from_db()
    assert record.version == 1


def test_new_record_form_shows_the_customer_address_masked_and_keeps_it(task, client_for):
    client = client_for("agent_a")
    html = client.get(reverse("records:record_create", args=[task.pk])).content.decode()
    assert "北京市****" in html.split('name="address"')[1][:200]
    client.post(
        reverse("records:record_create", args=[task.pk]), form_data(task, address="北京市****")
    )
    assert CallbackRecord.objects.get().address == "北京市东城区"
