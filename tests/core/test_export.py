import io
from decimal import Decimal

import openpyxl
from hypothesis import given
from hypothesis import strategies as st

from huifang.core.export import csv_rows, neutralise, write_xlsx


def test_csv_starts_with_a_bom_and_keeps_chinese_text():
    data = b"".join(csv_rows(["投资者代码", "名称"], [["000123", "张三"]]))
    assert data.startswith("\ufeff".encode())
    assert "000123,张三" in data.decode("utf-8-sig")


def test_formula_cells_are_neutralised_but_negative_numbers_stay():
    assert neutralise('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("-12.50") == "-12.50"


def test_xlsx_keeps_codes_as_text_and_money_as_numbers():
    buffer = io.BytesIO()
    write_xlsx(buffer, ["代码", "金额"], [["0001", Decimal("-1234.56")]])
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    assert sheet["A2"].value == "0001"
    assert sheet["B2"].value == -1234.56


def test_a_small_known_export_uses_shared_strings_with_the_same_cells_as_streaming():
    import datetime
    import zipfile

    rows = [
        ["0001", "张三", Decimal("-1234.56"), datetime.date(2025, 1, 2), "=1+1", True],
        ["0002", "张三", Decimal("0.10"), None, "", False],
    ]

    def written(expected_rows):
        buffer = io.BytesIO()
        assert write_xlsx(buffer, list("ABCDEF"), rows, expected_rows=expected_rows) == 2
        data = buffer.getvalue()
        shared = "xl/sharedStrings.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        return shared, [[c.value for c in row] for row in sheet.iter_rows()]

    streamed_shared, streamed = written(None)
    shared, cells = written(len(rows))
    assert (streamed_shared, shared) == (False, True)
    assert cells == streamed
    assert cells[1][:3] == ["0001", "张三", -1234.56] and cells[1][4] == "'=1+1"


def test_every_kind_of_value_is_written_as_its_own_cell_type():
    import datetime
    import uuid
    import zoneinfo

    from django.utils.safestring import mark_safe

    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    ident = uuid.UUID(int=1)
    row = [
        True,
        7,
        Decimal("2.50"),
        datetime.datetime(2025, 1, 2, 9, 30, tzinfo=shanghai),
        datetime.date(2025, 1, 2),
        mark_safe("=cmd"),  # a str subclass: still neutralised
        ident,  # any other type: its text
    ]
    buffer = io.BytesIO()
    write_xlsx(buffer, list("ABCDEFG"), [row])
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    assert [c.value for c in sheet[2]] == [
        "是",
        7,
        2.5,
        datetime.datetime(2025, 1, 2, 9, 30),
        datetime.datetime(2025, 1, 2),
        "'=cmd",
        str(ident),
    ]


@given(st.text(max_size=12))
def test_text_cells_are_neutralised_by_their_first_character_alone(text):
    from huifang.core.export import DANGEROUS, NUMBER

    dangerous = text.startswith(DANGEROUS) and not NUMBER.match(text)
    assert neutralise(text) == ("'" + text if dangerous else text)


def test_a_percent_is_text_in_csv_and_a_percentage_number_in_xlsx():
    from huifang.core.export import Percent

    ratio = Percent("0.72625")
    assert neutralise(ratio) == "72.63%"
    buffer = io.BytesIO()
    write_xlsx(buffer, ["亏损比例"], [[ratio]])
    cell = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active["A2"]
    assert cell.value == 0.72625 and cell.number_format == "0.00%"


def _cell_by_cell(header, rows) -> bytes:
    """The CSV of ``rows`` with every cell neutralised on its own (what ``csv_rows`` gives)."""
    import csv

    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cells():
    import datetime

    from huifang.core.export import Percent

    # Text made of the characters that matter: formula starters, separators, quotes, line
    # ends, digits and a decimal point (plain negative numbers), and Chinese.
    text = st.text(alphabet="=+-@\t\r\n,\"'. 0123456789a张", max_size=8)
    money = st.decimals(min_value=-(10**9), max_value=10**9, places=2)
    return st.one_of(
        text,
        st.none(),
        st.integers(-(10**6), 10**6),
        st.booleans(),
        st.floats(),
        money,
        money.map(Percent),
        st.dates(),
        st.datetimes(),
        st.datetimes(timezones=st.just(datetime.UTC)),
    )


@given(st.lists(st.lists(_cells(), max_size=6), max_size=5))
def test_csv_lines_are_those_of_each_cell_neutralised(rows):
    """``csv_rows`` writes a row of plain cells as it is and checks the written line
    instead of each cell: the file is the one of every cell neutralised on its own."""
    header = ["甲", "乙"]
    assert b"".join(csv_rows(header, rows)) == _cell_by_cell(header, rows)


def test_csv_rows_may_be_any_iterables():
    rows = [("-1.5", 2), (v for v in ["=x", None])]
    assert b"".join(csv_rows(["a", "b"], rows)) == _cell_by_cell(
        ["a", "b"], [["-1.5", 2], ["=x", None]]
    )
