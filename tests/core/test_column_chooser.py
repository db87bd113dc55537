"""显示列 names every column in Chinese, the hidden ones too (a column declared without a
verbose name showed its Python name, e.g. ``unchanged`` on 数据导入记录)."""

from __future__ import annotations

import re

import pytest

from tests.core.test_bad_input import LISTINGS

pytestmark = pytest.mark.django_db

PAGES = [listing for listing in LISTINGS if not listing.api]
CHOOSER = re.compile(
    r'name="cols" value="(?P<name>[^"]+)"[^>]*><span class="form-check-label">(?P<label>[^<]*)<'
)


@pytest.mark.parametrize("listing", PAGES, ids=str)
def test_every_column_under_show_columns_has_a_chinese_label(listing, client_for):
    html = client_for("hq_admin").get(listing.url).content.decode()
    labels = {m["name"]: m["label"] for m in CHOOSER.finditer(html)}
    python_names = {name: label for name, label in labels.items() if label == name}
    assert not python_names, python_names


def test_the_import_list_names_its_hidden_unchanged_count(client_for):
    html = client_for("hq_admin").get("/data/imports/").content.decode()
    labels = {m["name"]: m["label"] for m in CHOOSER.finditer(html)}
    assert labels["unchanged"] == "未变"
