"""Pages say things in Chinese and show values as people write them (issue 14): no library
English in import errors, no ``5E+1`` in the parameter form, no 未知 in yes/no filters."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from huifang.customers.importers.engine import import_file
from huifang.rules import conditions as C
from huifang.rules import params as P
from huifang.rules import services as rule_services
from huifang.rules.models import Rule
from tests.customers.conftest import CUSTOMER_HEADER


def english(text: str) -> set[str]:
    """Words of English in ``text``, beyond the names of the file formats."""
    return set(re.findall(r"[A-Za-z]{3,}", text)) - {"Excel", "xlsx", "CSV"}


def _error_text(html: str) -> str:
    return " ".join(re.findall(r'invalid-feedback d-block">([^<]*)<', html))


def test_a_broken_excel_upload_is_explained_in_chinese(client_for):
    response = client_for("hq_admin").post(
        "/data/import/",
        {"dataset": "customers", "file": SimpleUploadedFile("客户.xlsx", b"not a zip")},
    )
    assert response.status_code == 200
    message = _error_text(response.content.decode())
    assert message.startswith("无法读取 Excel 文件")
    assert "EOCD" not in message and "Zip" not in message
    assert english(message) == set()


def test_a_broken_excel_file_from_the_command_line_is_explained_in_chinese(branches, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    result = import_file("customers", path)
    reason = result.errors[0].reason
    assert reason.startswith("无法读取文件：无法读取 Excel 文件")
    assert english(reason) == set()


def test_a_csv_with_an_unpaired_quote_is_explained_in_chinese(branches, tmp_path):
    path = tmp_path / "customers.csv"
    row = '00000001,"张三' + "x" * 200_000
    path.write_text(",".join(CUSTOMER_HEADER) + "\n" + row + "\n", encoding="utf-8")
    result = import_file("customers", path)
    reason = result.errors[0].reason
    assert "引号没有成对" in reason
    assert english(reason) == set()


@pytest.mark.parametrize(
    ("stored", "shown"), [("0.5", "50"), ("1", "100"), ("0.125", "12.5"), ("0", "0")]
)
def test_the_ratio_field_shows_the_percentage_as_written(client_for, personas, stored, shown):
    rule = Rule.objects.get(code="A002")
    if rule.params.get("min_loss_ratio") != stored:
        rule_services.do_update_rule(rule, {"min_loss_ratio": stored}, actor=personas["hq_admin"])
    html = client_for("hq_admin").get(reverse("rules:rule_edit", args=["A002"])).content.decode()
    value = re.search(r'name="min_loss_ratio"[^>]*value="([^"]*)"', html)
    assert value is not None and value.group(1) == shown


def test_ratios_are_stored_without_exponents(db):
    assert P.clean_params("large_loss", {"min_loss_ratio": "100%"})["min_loss_ratio"] == "1"
    condition = C.clean_condition({"field": "loss_ratio", "cmp": "ge", "value": "10"})
    assert condition["value"] == "10"
    assert P.plain(Decimal("5E+1")) == "50"


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("rules:rule_list", "enabled"),
        ("org:user_list", "is_active"),
        ("org:branch_list", "is_active"),
        ("callbacks:businesstype_list", "is_active"),
        ("records:reason_list", "is_active"),
    ],
)
def test_yes_no_filters_offer_all_yes_no(client_for, url, field):
    html = client_for("hq_admin").get(reverse(url)).content.decode()
    select = re.search(rf'<select name="{field}".*?</select>', html, re.S)
    assert select is not None
    options = re.findall(r"<option[^>]*>([^<]*)</option>", select.group(0))
    assert options == ["全部", "是", "否"]
    assert re.search(r'<option value="" selected>全部</option>', select.group(0))


def test_the_enabled_filter_still_filters(client_for, personas):
    rule = Rule.objects.get(code="A005")
    rule_services.do_set_rule_enabled(rule, False, actor=personas["hq_admin"])
    client = client_for("hq_admin")
    disabled = client.get(reverse("rules:rule_list"), {"enabled": "false"}).content.decode()
    enabled = client.get(reverse("rules:rule_list"), {"enabled": "true"}).content.decode()
    assert ">A005<" in disabled and ">A001<" not in disabled
    assert ">A001<" in enabled and ">A005<" not in enabled
