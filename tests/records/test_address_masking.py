"""The record pages mask the contact address as the evidence package and the audit log do."""

from __future__ import annotations

import pytest
from django.urls import reverse

from huifang.callbacks.records import services

pytestmark = pytest.mark.django_db

ADDRESS = "北京市和平里东街11号院3号楼"


@pytest.fixture
def record(task, personas, content):
    record = services.do_create_record(
        task, content(status="other", remark="客户忙", address=ADDRESS), actor=personas["agent_a"]
    )
    return services.do_update_record(
        record,
        content(status="other", remark="客户忙", address="北京市朝阳区建国路88号"),
        actor=personas["agent_a"],
        expected_version=1,
        reason="地址更正",
    )


@pytest.mark.parametrize("page", ["records:record_detail", "records:record_history"])
def test_record_pages_show_the_address_masked(record, client_for, page):
    html = client_for("hq_admin").get(reverse(page, args=[record.pk])).content.decode()
    assert "北京市朝阳区****" in html and "建国路88号" not in html
    assert "东街11号院" not in html and "北京市东城区" not in html


def test_the_form_shows_the_customers_address_masked_among_its_facts(task, client_for):
    html = client_for("agent_a").get(reverse("records:record_create", args=[task.pk]))
    assert "北京市东城区" not in html.content.decode()
