"""Every list shows its row count: exact up to a limit, an estimate (or a lower bound)
beyond it, so a million rows are never counted on a page view."""

from __future__ import annotations

import pytest

from huifang.core.counting import RowCount, count_rows, round_estimate
from huifang.org.models import Branch

pytestmark = pytest.mark.django_db


def test_a_count_within_the_limit_is_exact(branches):
    assert count_rows(Branch.objects.all(), limit=10) == RowCount(5)


def test_a_count_beyond_the_limit_is_not_claimed_exact(branches):
    count = count_rows(Branch.objects.all(), limit=3)

    assert not count.exact and count.value >= 3
    assert str(count) in ("3 以上", f"约 {count.value:,}")


def test_counts_read_as_chinese_text():
    assert str(RowCount(1234)) == "1,234"
    assert str(RowCount(100_000, exact=False, at_least=True)) == "100,000 以上"
    assert str(RowCount(1_200_000, exact=False)) == "约 1,200,000"


def test_an_estimate_keeps_two_significant_digits():
    assert round_estimate(1_234_567) == 1_200_000
    assert round_estimate(87) == 87


def test_a_list_page_shows_its_row_count(client_for):
    html = client_for("hq_admin").get("/org/branches/?q=北京").content.decode()

    assert '共 <strong data-row-count="2">2</strong> 条' in html
