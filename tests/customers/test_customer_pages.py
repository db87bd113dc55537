"""客户管理 pages: the customer list (scope, filters, export) and the customer 360 page
(scope, masking and reveal, the year's exact totals, extensible sections)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from huifang.core.counting import EXACT_LIMIT
from huifang.core.models import AuditEvent
from huifang.customers import customer360
from huifang.customers.filtersets import years_before

from .factories import D, customer, daily, product, refresh

LIST = reverse("customers:customer_list")


def detail_url(code: str) -> str:
    return reverse("customers:customer_detail", args=[code])


@pytest.fixture
def people(branches):
    """One customer in each branch of the tree that agents and managers are scoped to."""
    return {
        "a0": customer("100000", branches["a"], mobile="13800001111"),
        "a1": customer(
            "100001",
            branches["a1"],
            mobile="13812345678",
            id_type="id_card",
            id_number="110101199001011234",
            phone="01088886666",
            address="北京市朝阳区建国路88号",
        ),
        "b1": customer("200001", branches["b1"], mobile="13987654321"),
    }


def listed(response) -> set[str]:
    assert response.status_code == 200
    return {row.record.investor_code for row in response.context["table"].paginated_rows}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("hq_admin", {"100000", "100001", "200001"}),
        ("manager_a", {"100000", "100001"}),
        ("agent_a", {"100001"}),
        ("agent_b", {"200001"}),
        ("auditor", {"100000", "100001", "200001"}),
    ],
)
def test_list_shows_only_the_personas_branch_subtree(client_for, people, persona, expected):
    assert listed(client_for(persona).get(LIST)) == expected


def test_list_masks_mobiles(client_for, people):
    body = client_for("hq_admin").get(LIST).content.decode()
    assert "138****5678" in body
    assert "13812345678" not in body


def test_branch_filter_includes_the_subtree(client_for, people, branches):
    response = client_for("hq_admin").get(LIST, {"branch": "0101"})
    assert listed(response) == {"100000", "100001"}


def test_branch_filter_offers_only_branches_in_scope(client_for, people, branches):
    response = client_for("agent_a").get(LIST, {"branch": "010201"})
    offered = set(response.context["filter"].filters["branch"].queryset)
    assert offered == {branches["a1"]}
    assert response.context["filter"].errors  # another branch is not a valid choice


def test_filter_by_customer_type(client_for, people, branches):
    customer("100002", branches["a1"], customer_type="legal")
    assert listed(client_for("hq_admin").get(LIST, {"customer_type": "legal"})) == {"100002"}


def test_filter_by_status_dormant_and_risk_level(client_for, people, branches):
    customer("100003", branches["a1"], status="closed", dormant=True, risk_level=5)
    client = client_for("hq_admin")
    assert listed(client.get(LIST, {"status": "closed"})) == {"100003"}
    assert listed(client.get(LIST, {"dormant": "true"})) == {"100003"}
    assert listed(client.get(LIST, {"risk_level": "5"})) == {"100003"}


def test_filter_by_occupation_offers_values_present_in_the_data(client_for, people, branches):
    customer("100004", branches["a1"], occupation="无业", income_source="依靠积蓄并有社会保障")
    response = client_for("hq_admin").get(LIST, {"occupation": "无业"})
    assert listed(response) == {"100004"}
    widget = response.context["filter"].form.fields["occupation"].widget
    assert ("无业", "无业") in list(widget.choices)
    incomes = client_for("hq_admin").get(LIST, {"income_source": "依靠积蓄并有社会保障"})
    assert listed(incomes) == {"100004"}


def test_age_range_counts_whole_years_on_today(client_for, people, branches):
    today = timezone.localdate()
    customer("300070", branches["a1"], birth_date=years_before(today, 70))  # 70 today
    customer("300069", branches["a1"], birth_date=years_before(today, 70) + D.resolution)
    customer("300080", branches["a1"], birth_date=years_before(today, 81) + D.resolution)
    client = client_for("hq_admin")
    assert listed(client.get(LIST, {"age_min": "70"})) == {"300070", "300080"}
    assert listed(client.get(LIST, {"age_min": "70", "age_max": "79"})) == {"300070"}
    assert listed(client.get(LIST, {"age_max": "69"})) == {"300069"}


def test_years_before_moves_29_february_to_28_february():
    assert years_before(D(2028, 2, 29), 1) == D(2027, 2, 28)


def test_filter_by_open_date_range(client_for, people, branches):
    customer("100005", branches["a1"], open_date=D(2025, 3, 1))
    customer("100006", branches["a1"], open_date=D(2025, 4, 1))
    response = client_for("hq_admin").get(
        LIST, {"open_date_after": "2025-03-01", "open_date_before": "2025-03-31"}
    )
    assert listed(response) == {"100005"}


def test_search_by_code_prefix_or_name(client_for, people, branches):
    customer("100007", branches["a1"], name="王小明")
    client = client_for("hq_admin")
    assert listed(client.get(LIST, {"q": "1000"})) == {"100000", "100001", "100007"}
    assert listed(client.get(LIST, {"q": "王小"})) == {"100007"}


def test_search_by_a_code_prefix_ending_in_nine(client_for, branches):
    for code in ("01089", "01090", "0109", "01100"):
        customer(code, branches["a1"])
    client = client_for("hq_admin")
    assert listed(client.get(LIST, {"q": "0109"})) == {"01090", "0109"}
    assert listed(client.get(LIST, {"q": "99"})) == set()
    assert listed(client.get(LIST, {"q": "01"})) == {"01089", "01090", "0109", "01100"}


def test_xlsx_export_is_masked_scoped_and_audited(client_for, people):
    response = client_for("agent_a").get(LIST, {"_export": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert "手机号" in header and "投资者代码" in header
    assert [r[header.index("投资者代码")] for r in data] == ["100001"]
    assert data[0][header.index("手机号")] == "138****5678"
    event = AuditEvent.objects.get(action="export")
    assert event.object_type == "customers.customer"
    assert event.user.username == "agent_a"


def test_csv_export_respects_filters_and_masks(client_for, people):
    response = client_for("hq_admin").get(LIST, {"_export": "csv", "q": "2000"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2
    assert "139****4321" in rows[1]
    assert "13987654321" not in text


@pytest.mark.parametrize(
    ("sort", "first"), [("investor_code", "100000"), ("-investor_code", "200001")]
)
def test_export_keeps_the_order_the_page_is_sorted_by(client_for, people, sort, first):
    client = client_for("hq_admin")
    page = client.get(LIST, {"sort": sort}).content.decode()
    response = client.get(LIST, {"_export": "csv", "sort": sort, "cols": ["investor_code"]})
    codes = [
        r[0]
        for r in csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    ][1:]
    assert codes[0] == first and codes == sorted(codes, reverse=sort.startswith("-"))
    assert [page.index(f">{code}<") for code in codes] == sorted(
        page.index(f">{code}<") for code in codes
    )


# --- customer 360 ------------------------------------------------------------------


def test_detail_shows_profile_with_masked_id_and_phones(client_for, people):
    response = client_for("agent_a").get(detail_url("100001"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "110***********1234" in body and "138****5678" in body
    assert "110101199001011234" not in body and "13812345678" not in body
    assert "01088886666" not in body
    # The record pages mask the address; this page showed it whole.
    assert "北京市朝阳区****" in body and "建国路88号" not in body


@pytest.mark.parametrize(("persona", "code"), [("agent_a", "200001"), ("agent_b", "100001")])
def test_detail_out_of_scope_is_404(client_for, people, persona, code):
    assert client_for(persona).get(detail_url(code)).status_code == 404


def test_unknown_customer_is_404(client_for, people):
    assert client_for("hq_admin").get(detail_url("999999")).status_code == 404


def test_reveal_shows_full_values_once_and_writes_an_audit_row(client_for, people):
    client = client_for("manager_a")
    assert "显示完整信息" in client.get(detail_url("100001")).content.decode()
    response = client.post(detail_url("100001"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "110101199001011234" in body and "13812345678" in body and "01088886666" in body
    assert "北京市朝阳区建国路88号" in body
    event = AuditEvent.objects.get(action="reveal")
    assert event.object_id == str(people["a1"].pk)
    assert event.user.username == "manager_a"
    assert "13812345678" not in client.get(detail_url("100001")).content.decode()


@pytest.mark.parametrize("persona", ["agent_a", "auditor"])
def test_reveal_without_permission_has_no_button_and_is_403(client_for, people, persona):
    client = client_for(persona)
    assert "显示完整信息" not in client.get(detail_url("100001")).content.decode()
    assert client.post(detail_url("100001")).status_code == 403
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_reveal_out_of_scope_is_404_and_not_audited(client_for, people):
    assert client_for("manager_a").post(detail_url("200001")).status_code == 404
    assert not AuditEvent.objects.filter(action="reveal").exists()


@pytest.fixture
def trading(people):
    """Amounts with cents whose float sums would not be exact (0.1 + 0.2)."""
    cust = people["a1"]
    daily(cust, D(2025, 3, 3), "1000.00", close="0.10", dep="500.10", vol=3)
    daily(cust, D(2025, 3, 4), "1500.20", pos="0.20", fee="0.03", wd="100.05", vol=4)
    daily(cust, D(2025, 11, 28), "1400.32", close="-12.34", fee="1.01", vol=2)
    daily(cust, D(2024, 6, 3), "800.00", close="7.77", vol=1)
    refresh(D(2024, 6, 1), D(2025, 3, 1), D(2025, 11, 1))
    return cust


def test_360_totals_of_the_year_are_exact_decimals(client_for, trading):
    response = client_for("agent_a").get(detail_url("100001"), {"year": "2025"})
    totals = response.context["totals"]
    assert totals.volume == 9
    assert totals.pnl == Decimal("-13.08")  # 0.10 + 0.20 − 0.03 − 12.34 − 1.01
    assert totals.deposit == Decimal("500.10")
    assert totals.withdrawal == Decimal("100.05")
    assert all(isinstance(v, Decimal) for v in (totals.pnl, totals.deposit, totals.withdrawal))
    body = response.content.decode()
    assert "-13.08" in body and "500.10" in body and "100.05" in body


def test_360_totals_are_written_with_thousands_separators(client_for, people):
    cust = people["a1"]
    daily(cust, D(2025, 3, 3), "3000000.00", close="-1234567.89", dep="2500000.00", vol=12345)
    refresh(D(2025, 3, 1))
    body = client_for("agent_a").get(detail_url("100001"), {"year": "2025"}).content.decode()
    assert 'id="total-volume">12,345<' in body
    assert 'id="total-pnl">-1,234,567.89<' in body
    assert 'id="total-deposit">2,500,000.00<' in body
    assert 'id="total-withdrawal">0.00<' in body


def test_360_defaults_to_the_latest_year_with_data_and_switches_year(client_for, trading):
    client = client_for("agent_a")
    assert client.get(detail_url("100001")).context["year"] == 2025
    older = client.get(detail_url("100001"), {"year": "2024"})
    assert older.context["totals"].pnl == Decimal("7.77")
    assert older.context["chart"]["dates"] == ["2024-06-03"]


def test_360_chart_data_is_a_json_block_with_exact_amounts(client_for, trading):
    response = client_for("agent_a").get(detail_url("100001"), {"year": "2025"})
    body = response.content.decode()
    assert '<script id="customer-chart-data" type="application/json">' in body
    assert "customers/customer360.js" in body
    chart = response.context["chart"]
    assert chart["dates"] == ["2025-03-03", "2025-03-04", "2025-11-28"]
    assert chart["pnl"] == ["0.10", "0.17", "-13.35"]
    assert chart["equity"][0] == "1500.20"


def test_360_lists_high_risk_products(client_for, people):
    product(people["a1"], "OPT-CU", D(2025, 5, 6), risk=4, product_name="商品期权交易权限")
    body = client_for("agent_a").get(detail_url("100001")).content.decode()
    assert "商品期权交易权限" in body and "R4" in body


def test_360_shows_the_sections_later_apps_register(client_for, people):
    response = client_for("agent_a").get(detail_url("100001"))
    titles = [s.title for s in response.context["sections"]]
    assert titles == ["回访任务与记录", "问卷结果", "管理措施"]


def test_a_section_registered_under_an_existing_key_replaces_it(client_for, people, monkeypatch):
    monkeypatch.setattr(customer360, "_SECTIONS", dict(customer360._SECTIONS))

    def records(request, cust, year):
        return customer360.Section("回访任务与记录", "records/_customer_timeline.html", {})

    customer360.register_section("records", records, order=20)
    response = client_for("agent_a").get(detail_url("100001"))
    assert [s.title for s in response.context["sections"]].count("回访任务与记录") == 1
    assert response.context["sections"][0].context == {}


def test_list_pages_without_counting_every_customer(client_for, people):
    with CaptureQueriesContext(connection) as queries:
        client_for("hq_admin").get(LIST, {"status": "active"})
    customer_sql = [q["sql"] for q in queries if "customers_customer" in q["sql"]]
    assert customer_sql
    counts = [sql for sql in customer_sql if "COUNT(" in sql.upper()]
    # The row count reads at most EXACT_LIMIT + 1 rows, never the whole table.
    assert counts and all(f"LIMIT {EXACT_LIMIT + 1}" in sql for sql in counts)


# --- e-mails are personal data like mobiles --------------------------------------------


@pytest.fixture
def mailer(branches):
    return customer("100009", branches["a1"], mobile="18216097175", email="18216097175@139.com")


def test_detail_masks_the_email_for_a_user_without_the_reveal_permission(client_for, mailer):
    body = client_for("agent_a").get(detail_url("100009")).content.decode()
    assert "182****7175@139.com" in body
    assert "18216097175" not in body


def test_reveal_shows_the_full_email_and_is_audited(client_for, mailer):
    body = client_for("manager_a").post(detail_url("100009")).content.decode()
    assert "18216097175@139.com" in body
    assert AuditEvent.objects.get(action="reveal").object_id == str(mailer.pk)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("persona", ["agent_a", "manager_a"])
def test_exports_never_carry_a_full_email_or_mobile(client_for, mailer, persona, fmt):
    response = client_for(persona).get(LIST, {"_export": fmt})
    if fmt == "csv":
        text = b"".join(response.streaming_content).decode("utf-8-sig")
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        text = str(list(sheet.iter_rows(values_only=True)))
    assert "182****7175" in text
    assert "18216097175" not in text


def test_360_opens_on_the_newest_year_with_data_for_a_customer_without_any(
    client_for, trading, monkeypatch
):
    """A customer with no daily rows (the demo's inactive ones) opens on the year of the
    newest daily data (2025), not the calendar year (2026) that has none."""
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: D(2026, 12, 6))
    response = client_for("hq_admin").get(detail_url("100000"))

    assert response.context["year"] == 2025
    assert "2026 年没有资金日报数据" not in response.content.decode()
