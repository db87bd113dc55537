"""A big customer file is checked (and its personal data encrypted) in parts, in several
processes, like the daily file (``importers/parallel.py``): the outcome is the one reading
it in one go gives — the same rows stored, the same errors, repeated investor codes across
parts reported against the file's first row of the code."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.customers.models import Customer
from tests.customers.conftest import csv_bytes, import_outcome

HEADER = ["投资者代码", "投资者名称", "客户类型", "开户日期", "客户状态", "部门代码", "手机号"]
CODES = ["00000001", "00000002", "00000003", "00000004", "bad code", ""]
ROW = st.tuples(
    st.sampled_from(CODES),
    st.sampled_from(["张三", ""]),
    st.sampled_from(["自然人", "外星人"]),
    st.sampled_from(["2020-01-15", "2020-02-30"]),
    st.sampled_from(["有效"]),
    st.sampled_from(["010101", "999999"]),
    st.sampled_from(["13812345678", "", "12345"]),
).map(list)


def outcome(path, processes: int) -> tuple:
    columns = ("investor_code", "name", "mobile")
    return import_outcome("customers", path, Customer, columns, processes=processes)


def write(tmp_path, rows, name="customers.csv"):
    path = tmp_path / name
    path.write_bytes(csv_bytes(HEADER, rows))
    return path


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(ROW, min_size=8, max_size=16), processes=st.sampled_from([2, 3]))
def test_parts_give_what_one_process_gives(
    branches, tmp_path, parts_from_any_size, rows, processes
):
    path = write(tmp_path, rows)
    parts_from_any_size.clear()
    whole = outcome(path, 1)
    assert parts_from_any_size == []
    cut = outcome(path, processes)
    assert parts_from_any_size and parts_from_any_size[0] > 1
    assert cut == whole


def test_a_code_repeated_in_a_later_part_is_reported_against_the_first_row(
    branches, tmp_path, parts_from_any_size
):
    valid = ["张三", "自然人", "2020-01-15", "有效", "010101", "13812345678"]
    rows = [["00000001", *valid], ["00000002", *valid], ["00000001", *valid]]
    rows += [["00000001", *valid]]
    result = outcome(write(tmp_path, rows), 2)
    assert parts_from_any_size == [2]
    _, total, created, rejected, errors, stored = result
    assert (total, created, rejected) == (4, 2, 2)
    assert [code for code, _, _ in stored] == ["00000001", "00000002"]
    assert [(row, reason) for row, _, _, reason in errors] == [
        (4, "与第 2 行的投资者代码重复"),
        (5, "与第 2 行的投资者代码重复"),
    ]
