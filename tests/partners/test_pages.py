"""系统管理 → 对接方 pages: HQ only, the secret shown once, edit, reset, retry."""

from __future__ import annotations

import pytest
from django.urls import reverse

from huifang.core.models import AuditEvent
from huifang.partners import signing
from huifang.partners.models import Delivery, DeliveryStatus, Partner
from tests.partners.helpers import make_partner


@pytest.fixture
def partner(db):
    return make_partner(url="https://a.example.com/h")[0]


@pytest.mark.parametrize("name", ["partner_list", "partner_create"])
def test_a_branch_user_is_refused(client_for, name):
    response = client_for("manager_a").get(reverse(f"partners:{name}"))
    assert response.status_code == 403


@pytest.mark.parametrize("name", ["partner_detail", "partner_edit", "partner_reset"])
def test_a_branch_user_is_refused_a_partners_pages(client_for, partner, name):
    response = client_for("agent_a").get(reverse(f"partners:{name}", args=[partner.pk]))
    assert response.status_code == 403


def test_the_navigation_shows_partners_to_hq_only(client_for):
    assert "对接方" in client_for("hq_admin").get("/").content.decode()
    assert "对接方" not in client_for("agent_a").get("/").content.decode()


def test_the_list_shows_name_kind_key_and_url(client_for, partner):
    page = client_for("hq_admin").get(reverse("partners:partner_list")).content.decode()
    for text in ("掌厅", partner.key, "https://a.example.com/h", "最近请求时间"):
        assert text in page


def test_create_shows_the_secret_once(client_for):
    client = client_for("hq_admin")
    response = client.post(
        reverse("partners:partner_create"), {"name": "外呼", "kind": "callcenter", "url": ""}
    )
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("no-store")
    partner = Partner.objects.get(name="外呼")
    secret = signing.secret_of(partner)
    assert secret in response.content.decode()
    for url in (
        reverse("partners:partner_list"),
        reverse("partners:partner_detail", args=[partner.pk]),
        reverse("partners:partner_edit", args=[partner.pk]),
    ):
        assert secret not in client.get(url).content.decode()
    event = AuditEvent.objects.get(action="partner_create")
    assert secret not in str(event.after) and event.user.username == "hq_admin"


def test_create_with_a_taken_name_shows_a_chinese_error(client_for, partner):
    response = client_for("hq_admin").post(
        reverse("partners:partner_create"), {"name": "掌厅", "kind": "apphall", "url": ""}
    )
    assert response.status_code == 200
    assert "已存在" in response.content.decode()
    assert Partner.objects.count() == 1


def test_edit_changes_the_url_and_disables(client_for, partner):
    response = client_for("hq_admin").post(
        reverse("partners:partner_edit", args=[partner.pk]), {"url": "https://b.example.com/h"}
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert (partner.url, partner.is_enabled) == ("https://b.example.com/h", False)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"partner_update", "partner_disable"} <= actions


def test_edit_with_a_bad_url_shows_a_chinese_error_and_changes_nothing(client_for, partner):
    response = client_for("hq_admin").post(
        reverse("partners:partner_edit", args=[partner.pk]),
        {"url": "javascript:alert(1)", "is_enabled": "on"},
    )
    assert response.status_code == 200 and "推送地址" in response.content.decode()
    partner.refresh_from_db()
    assert partner.url == "https://a.example.com/h"


def test_reset_asks_first_then_shows_the_new_secret_once(client_for, partner):
    client = client_for("hq_admin")
    old = signing.secret_of(partner)
    url = reverse("partners:partner_reset", args=[partner.pk])
    assert "确定重置" in client.get(url).content.decode()
    assert signing.secret_of(Partner.objects.get()) == old
    response = client.post(url, {"confirmed": "1"})
    new = signing.secret_of(Partner.objects.get())
    assert new != old and new in response.content.decode()
    event = AuditEvent.objects.get(action="partner_reset_secret")
    assert new not in str(event.after) and old not in str(event.before)


def test_the_detail_page_lists_deliveries_with_retry_on_failed_ones(client_for, partner):
    failed = Delivery.objects.create(
        partner=partner,
        topic="invitation.created",
        ref="INV1",
        event_id="a" * 32,
        payload={},
        status=DeliveryStatus.FAILED,
        attempts=1,
    )
    failed.attempt_log.create(http_status=400, error="HTTP 400", duration_ms=12)
    Delivery.objects.create(
        partner=partner,
        topic="invitation.created",
        ref="INV2",
        event_id="b" * 32,
        payload={},
        status=DeliveryStatus.DELIVERED,
    )
    page = client_for("hq_admin").get(reverse("partners:partner_detail", args=[partner.pk]))
    html = page.content.decode()
    assert "INV1" in html and "INV2" in html and "HTTP 400" in html
    assert html.count("重试</button>") == 1
    assert reverse("partners:delivery_retry", args=[failed.pk]) in html


def test_retry_from_the_page_requeues_the_delivery(client_for, partner, monkeypatch):
    from huifang.partners import delivery

    monkeypatch.setattr(delivery, "start_drain", lambda: None)
    failed = Delivery.objects.create(
        partner=partner,
        topic="t",
        ref="INV1",
        event_id="c" * 32,
        payload={},
        status=DeliveryStatus.FAILED,
    )
    response = client_for("hq_admin").post(reverse("partners:delivery_retry", args=[failed.pk]))
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.PENDING


def test_a_branch_user_cannot_retry(client_for, partner):
    failed = Delivery.objects.create(
        partner=partner,
        topic="t",
        ref="INV1",
        event_id="d" * 32,
        payload={},
        status=DeliveryStatus.FAILED,
    )
    response = client_for("manager_a").post(reverse("partners:delivery_retry", args=[failed.pk]))
    assert response.status_code == 403
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED


def test_the_deliveries_heading_names_how_many_are_shown_at_most(client_for, partner):
    html = client_for("hq_admin").get(reverse("partners:partner_detail", args=[partner.pk]))
    html = html.content.decode()
    assert "最近推送（显示最近 50 条）" in html
    assert "最多 0 条" not in html
