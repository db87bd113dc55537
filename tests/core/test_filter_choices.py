"""A list page's choice filters offer 全部 for "no filter", never django-filter's raw
"---------" nor the 请选择 every other empty choice reads (every page list with a FilterSet,
found from the URL configuration)."""

from __future__ import annotations

import pytest

from tests.core.test_bad_input import LISTINGS

pytestmark = pytest.mark.django_db

PAGES = [listing for listing in LISTINGS if not listing.api]


@pytest.mark.parametrize("listing", PAGES, ids=str)
def test_a_choice_filter_offers_all_in_chinese(listing, client_for):
    html = client_for("hq_admin").get(listing.url).content.decode()
    at = html.find("---------")
    assert at < 0, html[at - 300 : at + 50]
    start = html.find('<form method="get"')
    assert start >= 0, 'no filter form (<form method="get">)'
    form = html[start : html.find("</form>", start)]
    assert "请选择" not in form, form
