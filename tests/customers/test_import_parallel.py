"""A big CSV file is read and validated in several processes, each a part of the file
(``importers/parallel.py``): the outcome is the one reading it in one go gives."""

import datetime
import itertools
import tempfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from huifang.customers.importers import daily, import_file, readers, staging
from huifang.customers.importers.readers import SourceError, open_table
from huifang.customers.models import DailyBalance, ImportRecord
from tests.customers.conftest import DAILY_BALANCED as BALANCED
from tests.customers.conftest import DAILY_HEADER, DAILY_ROW, csv_bytes, daily_outcome


def csv_file(path):
    """What ``open_table`` knows of a CSV file to cut it (None for a spreadsheet)."""
    table = open_table(path)
    table.close()
    return table.csv


def write(tmp_path, rows, name="daily.csv", blank_lines=()):
    """A daily file; ``blank_lines``: data row indexes preceded by an empty line."""
    lines = csv_bytes(DAILY_HEADER, rows).split(b"\r\n")
    for index in sorted(blank_lines, reverse=True):
        lines.insert(index + 1, b"")
    path = tmp_path / name
    path.write_bytes(b"\r\n".join(lines))
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    rows=st.lists(DAILY_ROW, min_size=8, max_size=24),
    blank=st.sets(st.integers(0, 7), max_size=2),
    processes=st.sampled_from([2, 3]),
    in_sql=st.booleans(),
    scoped=st.booleans(),
)
def test_parts_give_what_one_process_gives(
    imp_customers, importer_a, parts_from_any_size, tmp_path, monkeypatch,
    rows, blank, processes, in_sql, scoped,
):  # fmt: skip
    path = write(tmp_path, rows, blank_lines=blank)
    actor = importer_a if scoped else None
    assume(csv_file(path).parts(processes, 1) is not None)
    whole = daily_outcome(path, actor, monkeypatch, in_sql=in_sql)
    before = len(parts_from_any_size)
    in_parts = daily_outcome(path, actor, monkeypatch, in_sql=in_sql, processes=processes)
    assert parts_from_any_size[before:] == [processes]
    assert in_parts == whole


@pytest.mark.parametrize("in_sql", [False, True])
def test_a_pair_repeated_in_a_later_part_is_reported_against_the_first_row(
    imp_customers, parts_from_any_size, tmp_path, monkeypatch, in_sql
):
    rows = [["2025-03-03", f"0000010{1 + i % 2}", *BALANCED] for i in range(6)]
    # Rows 2 and 3 are the first of each pair; the second part repeats them (rows 5-7).
    _, _, created, rejected, errors, stored = daily_outcome(
        write(tmp_path, rows), None, monkeypatch, in_sql=in_sql, processes=2
    )
    assert parts_from_any_size == [2]
    assert (created, rejected) == (2, 4)
    assert [(row, reason) for row, _, _, reason in errors] == [
        (4, "与第 2 行重复（同一交易日期和投资者代码）"),
        (5, "与第 3 行重复（同一交易日期和投资者代码）"),
        (6, "与第 2 行重复（同一交易日期和投资者代码）"),
        (7, "与第 3 行重复（同一交易日期和投资者代码）"),
    ]
    assert [code for code, *_ in stored] == ["00000101", "00000102"]


def test_bad_bytes_in_a_later_part_are_reported_near_their_row_in_the_file(
    imp_customers, parts_from_any_size, tmp_path, monkeypatch
):
    # Past the first 8 KB (what reading the header decodes) and in the second part.
    days = [(datetime.date(2025, 1, 1) + datetime.timedelta(i)).isoformat() for i in range(100)]
    rows = [[day, code, *BALANCED] for day in days for code in ("00000101", "00000102")]
    path = write(tmp_path, [*rows, ["2025-03-04", "名称", *BALANCED]])
    path.write_bytes(path.read_bytes().replace("名称".encode(), b"\xff\xfe"))
    monkeypatch.setattr(readers, "detect_encoding", lambda path: "utf-8")
    second = csv_file(path).parts(2, 1)[1]
    first_row = path.read_bytes()[: second.start].count(b"\n") + 1  # of the second part
    with override_settings(IMPORT_PROCESSES=2):
        result = import_file("daily", path)
    assert parts_from_any_size == [2]
    (error,) = result.errors
    row = int(error.reason.split(" ")[1])
    assert first_row <= row <= 202 and "附近的字节不是 utf-8 编码" in error.reason
    assert not DailyBalance.objects.exists()


def test_a_failing_part_process_fails_the_import_and_writes_nothing(
    imp_customers, parts_from_any_size, tmp_path, monkeypatch
):
    def broken(self):
        raise ValueError("boom")

    monkeypatch.setattr(daily.DailyValidator, "in_part", broken)
    path = write(tmp_path, [["2025-03-03", "00000101", *BALANCED]] * 4)
    with override_settings(IMPORT_PROCESSES=2), pytest.raises(RuntimeError, match="boom"):
        import_file("daily", path)
    assert ImportRecord.objects.get(dataset="daily").status == ImportRecord.Status.FAILED
    assert not DailyBalance.objects.exists()


def test_parts_are_copied_when_no_database_can_be_attached(
    imp_customers, parts_from_any_size, tmp_path, monkeypatch
):
    rows = [["2025-03-03", "00000101", *BALANCED], ["2025-03-03", "00000102", *BALANCED]]
    path = write(tmp_path, rows * 3)
    attached = daily_outcome(path, None, monkeypatch, in_sql=False, processes=2)
    monkeypatch.setattr(staging, "MAX_PARTS_ATTACHED", 0)
    copied = daily_outcome(path, None, monkeypatch, in_sql=False, processes=2)
    assert parts_from_any_size == [2, 2]
    assert copied == attached
    assert attached[2:4] == (2, 4)  # created, rejected: the repeats of rows 2 and 3


@pytest.mark.django_db(transaction=True)  # outside a transaction, earlier parts are detached
def test_a_part_database_is_read_through_the_page_cache_not_mapped(
    imp_customers, parts_from_any_size, tmp_path, monkeypatch
):
    """A month file's part is ~170 MB: mapped like the main database, all of it would count
    in the importing process's memory."""
    mapped = []
    attach = staging._attach

    def spied(path):
        name = attach(path)
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA {name}.mmap_size")
            mapped.append(cursor.fetchone()[0])
        return name

    monkeypatch.setattr(staging, "_attach", spied)
    path = write(tmp_path, [["2025-03-03", "00000101", *BALANCED]] * 4)
    with override_settings(IMPORT_PROCESSES=2):
        assert import_file("daily", path, skip_invalid=True).created == 1
    # PostgreSQL copies a part's text into a temporary table: nothing is attached.
    assert mapped == ([0] if connection.vendor == "sqlite" else [])


@pytest.mark.django_db(transaction=True)
def test_an_import_leaves_nothing_of_its_parts_behind(
    imp_customers, parts_from_any_size, tmp_path, monkeypatch
):
    attached = []
    attach = staging._attach
    monkeypatch.setattr(staging, "_attach", lambda path: attached.append(attach(path)))
    path = write(tmp_path, [["2025-03-03", "00000101", *BALANCED]] * 4)
    with override_settings(IMPORT_PROCESSES=2):
        assert import_file("daily", path, skip_invalid=True).created == 1
    assert parts_from_any_size == [2]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            assert attached and attached[0].startswith(staging.PART_SCHEMA)
            cursor.execute("PRAGMA database_list")
        else:  # the part's table and the stage are temporary tables, dropped
            cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE 'hf_import_%%'")
        names = [row[1 if connection.vendor == "sqlite" else 0] for row in cursor.fetchall()]
    assert [n for n in names if n.startswith(("hf_part", "hf_import"))] == []
    assert not list(Path(tempfile.gettempdir()).glob("huifang-import-*"))
    assert not list((Path(django_settings.DATA_DIR) / "run").glob("*.d/import-*"))


@pytest.fixture
def by_dict(monkeypatch):
    """Customers found through the code dict, which notes whether rows come in key order
    (with codes resolved in SQL the ids are not known while reading)."""
    monkeypatch.setattr(daily, "resolve_in_sql", lambda source: False)


def _import_noting_the_insert(path, processes: int) -> tuple[list, str]:
    """Import ``path``; the daily rows (key, id) in id order and the INSERT's ORDER BY."""
    with override_settings(IMPORT_PROCESSES=processes), CaptureQueriesContext(connection) as sql:
        assert import_file("daily", path).ok
    (insert,) = [q["sql"] for q in sql if q["sql"].startswith("INSERT INTO customers_daily")]
    rows = DailyBalance.objects.order_by("id").values_list("trade_date", "customer_id")
    return [(day.isoformat(), pk) for day, pk in rows], insert.rsplit("ORDER BY", 1)[1].strip()


CODES = ["00000101", "00000103"]  # ascending ids: the sample customers are imported in order


@pytest.mark.parametrize("processes", [1, 2])
def test_rows_in_key_order_are_inserted_in_file_order_without_sorting(
    imp_customers, parts_from_any_size, by_dict, tmp_path, processes
):
    rows = [[day, code, *BALANCED] for day in ("2025-03-03", "2025-03-04") for code in CODES]
    stored, order = _import_noting_the_insert(write(tmp_path, rows), processes)
    assert order == "s.rowno"
    assert stored == sorted(stored) and len(stored) == 4
    assert parts_from_any_size == ([2] if processes == 2 else [])


LONGER = ["100000.00", "", "", "1.00", "", "0.50", "100000.50", "3"]


@pytest.mark.parametrize(
    "rows",
    [
        [["2025-03-04", CODES[0]], ["2025-03-03", CODES[0]], ["2025-03-03", CODES[1]]],
        [["2025-03-03", CODES[1]], ["2025-03-03", CODES[0]], ["2025-03-04", CODES[0]]],
    ],
    ids=["dates", "customers"],
)
@pytest.mark.parametrize("processes", [1, 2])
def test_rows_out_of_key_order_are_inserted_in_key_order(
    imp_customers, parts_from_any_size, by_dict, tmp_path, rows, processes
):
    path = write(tmp_path, [[*row, *BALANCED] for row in rows])
    stored, order = _import_noting_the_insert(path, processes)
    assert order == "s.trade_date, s.customer_id"
    assert stored == sorted(stored)


def test_parts_each_in_key_order_but_not_one_after_the_other_are_sorted(
    imp_customers, parts_from_any_size, by_dict, tmp_path
):
    later = [[day, code, *LONGER] for day in ("2025-03-05", "2025-03-06") for code in CODES]
    earlier = [[day, code, *BALANCED] for day in ("2025-03-03", "2025-03-04") for code in CODES]
    path = write(tmp_path, later + earlier)
    head = csv_file(path).parts(2, 1)[0]
    table = head.open()
    assert len(list(table.rows)) == 4  # the cut falls between the two runs
    table.close()
    stored, order = _import_noting_the_insert(path, 2)
    assert order == "s.trade_date, s.customer_id"
    assert stored == sorted(stored) and len(stored) == 8


class TestCuttingAFile:
    def test_parts_end_at_line_breaks_and_cover_the_data_rows(self, tmp_path):
        path = write(tmp_path, [["2025-03-03", f"{i:08d}", *BALANCED] for i in range(30)])
        file = csv_file(path)
        cut = file.parts(3, 1)
        data = path.read_bytes()
        assert len(cut) == 3
        assert cut[0].start == data.index(b"\r\n") + 2 and cut[-1].end == len(data)
        for before, after in itertools.pairwise(cut):
            assert before.end == after.start and data[before.end - 1 : before.end] == b"\n"

    def test_the_first_part_can_be_made_larger(self, tmp_path):
        path = write(tmp_path, [["2025-03-03", f"{i:08d}", *BALANCED] for i in range(40)])
        first, second = csv_file(path).parts(2, 1, first=3.0)
        # Whole lines: within one line of three quarters.
        line = len(path.read_bytes().splitlines(keepends=True)[1])
        assert abs((first.end - first.start) - 3 * (second.end - second.start)) <= 4 * line

    def test_rows_are_numbered_as_in_the_whole_file(self, tmp_path):
        rows = [["2025-03-03", f"{i:08d}", *BALANCED] for i in range(12)]
        path = write(tmp_path, rows, blank_lines={3, 9})
        table = open_table(path)
        whole = [number for number, _ in table.rows]
        table.close()
        numbers, last = [], 1
        for part in csv_file(path).parts(3, 1):
            table = part.open(last_row=0)
            numbers += [last + number for number, _ in table.rows]
            table.close()
            last += table.last_row
        assert numbers == whole

    def test_a_quote_before_a_cut_keeps_the_file_whole(self, tmp_path):
        rows = [["2025-03-03", f"{i:08d}", *BALANCED] for i in range(30)]
        rows[2][2] = "1,000.00"  # written quoted
        assert csv_file(write(tmp_path, rows)).parts(2, 1) is None
        rows[2][2], rows[-1][2] = "1000.00", "1,000.00"  # after the last cut: harmless
        assert csv_file(write(tmp_path, rows, name="late.csv")).parts(2, 1) is not None

    def test_small_files_and_spreadsheets_are_read_whole(self, tmp_path, imp_write_xlsx):
        path = write(tmp_path, [["2025-03-03", "00000101", *BALANCED]] * 10)
        assert csv_file(path).parts(2, path.stat().st_size) is None
        assert csv_file(imp_write_xlsx(DAILY_HEADER, [["2025-03-03", "00000101"]])) is None

    def test_a_row_error_in_a_part_keeps_its_number(self):
        assert str(SourceError.at(7, " CSV 格式错误：x")) == "第 7 行 CSV 格式错误：x"
