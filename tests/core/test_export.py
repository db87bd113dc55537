import io
from decimal import Decimal

import openpyxl

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
