"""Every list shows its row count: exact up to a limit, an estimate (or a lower bound)
beyond it, so a million rows are never counted on a page view."""

from __future__ import annotations

import pytest

from huifang.core.counting import RowCount, count_rows, round_estimate, time_limit
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


def test_a_query_over_its_time_is_stopped(db):
    from django.db import OperationalError, connection

    slow = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000000) "
        "SELECT count(*) FROM c"
    )
    with pytest.raises(OperationalError), time_limit("default", 0.02):
        with connection.cursor() as cursor:
            cursor.execute(slow)
    with connection.cursor() as cursor:  # the connection is usable again, without a limit
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_a_count_out_of_time_is_not_claimed_exact(branches, monkeypatch):
    from contextlib import contextmanager

    from django.db import OperationalError

    from huifang.core import counting

    @contextmanager
    def no_time(using, seconds):
        raise OperationalError("interrupted")
        yield

    monkeypatch.setattr(counting, "time_limit", no_time)
    count = count_rows(Branch.objects.all())

    assert not count.exact
    assert str(count) == "很多" or str(count).startswith("约 ")


def test_the_exact_count_is_one_click_away(client_for):
    response = client_for("hq_admin").get("/org/branches/", {"q": "北京", "_count": "1"})

    assert '共 <strong data-row-count="2">2</strong> 条' in response.content.decode()
    assert "精确统计" not in response.content.decode()
