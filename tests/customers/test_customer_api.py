"""The customers read API: same scope, filters and masking as the list page; one
customer's daily rows (exact decimal strings) and high-risk products."""

from __future__ import annotations

import pytest
from django.utils import timezone

from huifang.customers.filtersets import years_before
from huifang.org.services import do_create_token

from .factories import D, customer, daily, product

API = "/api/v1/customers/"


@pytest.fixture
def people(branches):
    return {
        "a1": customer(
            "100001",
            branches["a1"],
            mobile="13812345678",
            phone="01088886666",
            id_type="id_card",
            id_number="110101199001011234",
            risk_level=1,
            risk_lowest=True,
            normalized=True,
        ),
        "a2": customer("100002", branches["a1"], status="closed"),
        "b1": customer("200001", branches["b1"], mobile="13987654321"),
    }


def codes(response) -> list[str]:
    assert response.status_code == 200
    return [row["investor_code"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("hq_admin", ["100001", "100002", "200001"]),
        ("agent_a", ["100001", "100002"]),
        ("agent_b", ["200001"]),
        ("auditor", ["100001", "100002", "200001"]),
    ],
)
def test_api_lists_only_customers_in_scope(client_for, people, persona, expected):
    assert codes(client_for(persona).get(API)) == expected


def test_api_masks_id_numbers_and_phones(client_for, people):
    row = client_for("hq_admin").get(f"{API}100001/").json()
    assert row["id_number"] == "110***********1234"
    assert row["mobile"] == "138****5678"
    assert row["phone"] == "010****6666"
    assert "13812345678" not in str(row)


def test_api_rows_carry_the_data_interface_labels(client_for, people):
    row = client_for("agent_a").get(f"{API}100001/").json()
    assert row["branch_code"] == "010101"
    assert row["customer_type"] == "自然人"
    assert row["status"] == "有效"
    assert row["dormant"] == "正常"
    assert row["normalized"] == "已规范"
    assert row["risk_level"] == "C1(最低类别)"


def test_api_detail_out_of_scope_is_404(client_for, people):
    assert client_for("agent_a").get(f"{API}200001/").status_code == 404


def test_api_filters_like_the_page(client_for, people, branches):
    today = timezone.localdate()
    customer("100070", branches["a1"], birth_date=years_before(today, 70))
    client = client_for("hq_admin")
    assert codes(client.get(API, {"status": "closed"})) == ["100002"]
    assert codes(client.get(API, {"age_min": "70"})) == ["100070"]
    assert codes(client.get(API, {"q": "2000"})) == ["200001"]
    assert codes(client.get(API, {"branch": "0102"})) == ["200001"]


def test_api_pages_by_cursor(client_for, people):
    first = client_for("hq_admin").get(API, {"page_size": 2}).json()
    assert [r["investor_code"] for r in first["results"]] == ["100001", "100002"]
    second = client_for("hq_admin").get(first["next"]).json()
    assert [r["investor_code"] for r in second["results"]] == ["200001"]


def test_api_daily_rows_of_a_year_are_exact_decimal_strings(client_for, people):
    daily(people["a1"], D(2025, 3, 3), "1000.10", close="0.10", pos="0.20", fee="0.03", vol=2)
    daily(people["a1"], D(2024, 3, 4), "1.00")
    response = client_for("agent_a").get(f"{API}100001/daily/", {"year": "2025"})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 1
    assert rows[0]["trade_date"] == "2025-03-03"
    assert rows[0]["equity"] == "1000.37"
    assert rows[0]["fee"] == "0.03"
    assert rows[0]["volume"] == 2


def test_api_daily_rows_with_a_bad_year_are_a_clear_400(client_for, people):
    response = client_for("agent_a").get(f"{API}100001/daily/", {"year": "今年"})
    assert response.status_code == 400
    assert "年度" in response.json()["errors"]["year"][0]


def test_api_products_of_a_customer(client_for, people):
    product(people["a1"], "OPT-CU", D(2025, 5, 6), risk=4, product_name="商品期权交易权限")
    rows = client_for("agent_a").get(f"{API}100001/products/").json()["results"]
    assert rows == [
        {
            "business_date": "2025-05-06",
            "product_code": "OPT-CU",
            "product_name": "商品期权交易权限",
            "category": "期权",
            "product_risk": "R4",
        }
    ]


def test_api_related_rows_out_of_scope_are_404(client_for, people):
    client = client_for("agent_b")
    assert client.get(f"{API}100001/daily/").status_code == 404
    assert client.get(f"{API}100001/products/").status_code == 404


def test_api_token_user_has_the_users_scope(client, personas, people):
    key = do_create_token(personas["agent_b"])
    response = client.get(API, HTTP_AUTHORIZATION=f"Token {key}")
    assert codes(response) == ["200001"]


def test_api_without_credentials_is_refused(client, people):
    assert client.get(API).status_code in (401, 403)


def test_api_is_read_only(client_for, people):
    client = client_for("hq_admin")
    assert client.post(API, {"investor_code": "1"}).status_code == 405
    assert client.delete(f"{API}100001/").status_code in (403, 405)
    assert client.get(f"{API}100001/").status_code == 200


def test_openapi_schema_documents_the_customer_endpoints(client_for, people):
    response = client_for("hq_admin").get("/api/v1/schema/")
    assert response.status_code == 200
    for path in (b"/api/v1/customers/", b"/daily/", b"/products/", b"age_min"):
        assert path in response.content


@pytest.fixture
def mailer(branches):
    """A customer whose e-mail is their mobile number (common with 139.com)."""
    return customer("100009", branches["a1"], mobile="18216097175", email="18216097175@139.com")


def test_api_masks_emails_in_the_list_and_the_detail(client_for, mailer):
    client = client_for("manager_a")
    listed = client.get(API).json()["results"]
    assert [row["email"] for row in listed] == ["182****7175@139.com"]
    row = client.get(f"{API}100009/").json()
    assert row["email"] == "182****7175@139.com"
    assert "18216097175" not in str(listed) + str(row)


def test_api_reveal_shows_the_email_and_writes_an_audit_row(client_for, mailer):
    from huifang.core.models import AuditEvent

    row = client_for("manager_a").get(f"{API}100009/", {"reveal": "1"}).json()
    assert (row["email"], row["mobile"]) == ("18216097175@139.com", "18216097175")
    event = AuditEvent.objects.get(action="reveal")
    assert (event.user.username, event.object_id) == ("manager_a", str(mailer.pk))


@pytest.mark.parametrize("persona", ["agent_a", "auditor"])
def test_api_reveal_without_permission_is_403_and_not_audited(client_for, mailer, persona):
    from huifang.core.models import AuditEvent

    response = client_for(persona).get(f"{API}100009/", {"reveal": "1"})
    assert response.status_code == 403
    assert "18216097175" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_api_reveal_out_of_scope_is_404_and_not_audited(client_for, branches):
    from huifang.core.models import AuditEvent

    customer("200009", branches["b1"], email="13987654321@139.com")
    assert client_for("manager_a").get(f"{API}200009/", {"reveal": "1"}).status_code == 404
    assert not AuditEvent.objects.filter(action="reveal").exists()
