"""Every way of exporting callback records — the list page's 导出, ``huifang export
records``, the API's ``export/`` — goes through the one exporter: the same rows, masked the
same, formula cells neutralised, and exactly one audit row each. The API's JSON shows the
table's masked values too."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from huifang.callbacks.records import services
from huifang.core.models import AuditEvent

API = "/api/v1/callback-records/"


@pytest.fixture
def records(make_task, personas, content, reason):
    evil = make_task("a1", name="=cmd|' /C calc'!A0", mobile="13812345678", phone="")
    plain = make_task("b1", name="李四", mobile="13987654321", phone="")
    return [
        services.do_create_record(evil, content(mobile_used=""), actor=personas["agent_a"]),
        services.do_create_record(
            plain,
            content(
                status="failure",
                failure_reason=reason("占线"),
                mobile_used="",
                # a distinct time: the page sorts by 回访日期 alone, the CLI by it and id
                called_at=timezone.now().replace(microsecond=0) - datetime.timedelta(hours=2),
            ),
            actor=personas["agent_b"],
        ),
    ]


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(data: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def exports():
    return AuditEvent.objects.filter(action="export")


def page_csv(client) -> list[list[str]]:
    response = client.get(reverse("records:record_list"), {"_export": "csv"})
    return csv_rows(b"".join(response.streaming_content))


def cli_csv(tmp_path) -> list[list[str]]:
    path = tmp_path / "records.csv"
    call_command("export", "records", str(path), stdout=io.StringIO())
    return csv_rows(path.read_bytes())


def api_csv(user) -> list[list[str]]:
    response = api_client(user).get(API + "export/", {"file_format": "csv"})
    assert response.status_code == 200
    return csv_rows(b"".join(response.streaming_content))


def test_page_cli_and_api_files_are_identical_masked_and_formula_safe(
    records, client_for, personas, tmp_path
):
    page = page_csv(client_for("hq_admin"))
    assert cli_csv(tmp_path) == page
    assert api_csv(personas["hq_admin"]) == page
    text = repr(page)
    assert "138****5678" in text and "139****4321" in text
    assert "13812345678" not in text and "13987654321" not in text
    names = [row[page[0].index("账户名称")] for row in page[1:]]
    assert "'=cmd|' /C calc'!A0" in names


def test_the_api_json_masks_as_the_page_export(records, client_for, personas):
    page = page_csv(client_for("hq_admin"))
    header, rows = page[0], {row[3]: row for row in page[1:]}
    body = api_client(personas["hq_admin"]).get(API).json()
    assert len(body["results"]) == 2
    for item in body["results"]:
        row = rows[item["investor_code"]]
        assert item["phone"] == row[header.index("联系电话")]
        assert str(item["age"]) == row[header.index("年龄")]
        assert item["risk_level"] == row[header.index("风险承受能力")]
        assert item["feedback"] == row[header.index("反馈营业部")]


def test_the_api_xlsx_is_the_page_xlsx(records, client_for, personas):
    page = client_for("hq_admin").get(reverse("records:record_list"), {"_export": "xlsx"})
    api = api_client(personas["hq_admin"]).get(API + "export/")
    assert api.status_code == 200
    assert xlsx_rows(api.content) == xlsx_rows(page.content)


def test_the_api_export_filters_and_scopes_like_the_list(records, personas):
    agent_b = api_csv(personas["agent_b"])
    assert [row[3] for row in agent_b[1:]] == [records[1].customer.investor_code]
    response = api_client(personas["hq_admin"]).get(
        API + "export/", {"file_format": "csv", "status": "failure"}
    )
    rows = csv_rows(b"".join(response.streaming_content))
    assert [row[3] for row in rows[1:]] == [records[1].customer.investor_code]


def test_the_api_export_refuses_a_bad_format_or_filter_with_400(records, personas):
    client = api_client(personas["hq_admin"])
    assert client.get(API + "export/", {"file_format": "pdf"}).status_code == 400
    bad = client.get(API + "export/", {"called_at_after": "2026-13-01"})
    assert bad.status_code == 400
    assert not exports().exists()


def test_the_api_export_needs_a_login(records):
    assert APIClient().get(API + "export/").status_code in (401, 403)
    assert not exports().exists()


@pytest.mark.parametrize(
    "export",
    [
        lambda c, p, t: page_csv(c("hq_admin")),
        lambda c, p, t: c("hq_admin").get(reverse("records:record_list"), {"_export": "xlsx"}),
        lambda c, p, t: cli_csv(t),
        lambda c, p, t: api_csv(p["hq_admin"]),
        lambda c, p, t: api_client(p["hq_admin"]).get(API + "export/"),
    ],
    ids=["page-csv", "page-xlsx", "cli", "api-csv", "api-xlsx"],
)
def test_every_records_export_writes_exactly_one_audit_row(
    records, client_for, personas, tmp_path, export
):
    export(client_for, personas, tmp_path)
    event = exports().get()
    assert event.object_type == "records.callbackrecord"


def test_the_api_export_row_names_the_api_user(records, personas):
    api_csv(personas["agent_b"])
    assert exports().get().user.username == "agent_b"
