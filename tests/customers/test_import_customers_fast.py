"""The customer import's fast path accepts and stages exactly what the full checks do."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.customers.importers import specs
from huifang.customers.importers.cells import NumText
from huifang.customers.importers.validators import CustomerValidator, Errors
from tests.customers.conftest import CUSTOMER_HEADER

KEYS = [c.key for c in specs.CUSTOMERS.columns]
ALL_COLUMNS = {key: i for i, key in enumerate(KEYS)}
# The sample files' 14 columns: the rest are absent.
SOME_COLUMNS = {
    specs.CUSTOMERS.columns[[c.label for c in specs.CUSTOMERS.columns].index(label)].key: i
    for i, label in enumerate(CUSTOMER_HEADER)
}

CELLS = {
    "investor_code": ["00000201", "00000201", "A-1.x", "", "bad code", "x" * 33, NumText("201")],
    "name": ["张三", "张三", "", "a\tb", "x" * 101, "坏\x01字"],
    "full_name": ["", "张三", "x" * 201],
    "customer_type": ["自然人", "一般法人", "", "法人", "individual", "INDIVIDUAL"],
    "gender": ["", "男", "女", "X"],
    "id_type": ["", "身份证", "身份证", "护照", "id_card"],
    "id_number": [
        "",
        "11010519491231002X",
        "11010519491231002x",
        "110105194912310021",
        "110105491231002",
        "E12345678",
        "x" * 65,
        NumText("110105194912310000"),
    ],
    "birth_date": ["", "1985-06-01", "1985/6/1", "19850601", "1985-13-01", "abc"],
    "open_date": ["2020-01-15", "20210301", "", "2020-02-30"],
    "close_date": ["", "", "2024-05-26", "2019-01-01"],
    "status": ["有效", "销户", "注销", "", "active", "坏"],
    "dormant": ["", "正常", "休眠", "x"],
    "normalized": ["", "已规范", "未规范", "x"],
    "branch_code": ["010101", "010201", "", "999999", NumText("10101")],
    "investor_class": ["", "普通投资者", "专业投资者", "x"],
    "risk_level": ["", "C1", "C3", "C1(最低类别)", "c2", "C6"],
    "occupation": ["", "医生", "x" * 101],
    "income_source": ["", "工资"],
    "mobile": ["", "13812345678", "12812345678", "1381234567"],
    "phone": ["", "010-12345678", "x" * 41],
    "address": ["", "上海市建设路1号", "第一行\n第二行"],
    "email": ["", "a@example.com"],
    "broker_code": ["", "B01", "B01;B02", "B01; B02", "B01；B02", ";B01", "B01;"],
    "broker_name": ["", "李经纪", "李经纪;王经纪", "李;王;赵"],
}
# How many leading values of each list above the full checks accept (within a row whose
# other cells are fine): rows start from those and get one to three cells from anywhere.
VALID = {
    "investor_code": 3, "name": 2, "full_name": 2, "customer_type": 2, "gender": 3,
    "id_type": 4, "id_number": 1, "birth_date": 4, "open_date": 2, "close_date": 3,
    "status": 3, "dormant": 3, "normalized": 3, "branch_code": 2, "investor_class": 3,
    "risk_level": 4, "occupation": 2, "income_source": 2, "mobile": 2, "phone": 2,
    "address": 2, "email": 2, "broker_code": 3, "broker_name": 3,
}  # fmt: skip
VALID_ROW = st.fixed_dictionaries(
    {key: st.sampled_from(values[: VALID[key]]) for key, values in CELLS.items()}
)
CHANGES = st.lists(
    st.sampled_from(list(CELLS)).flatmap(
        lambda key: st.tuples(st.just(key), st.sampled_from(CELLS[key]))
    ),
    max_size=3,
)
ROW = st.tuples(VALID_ROW, CHANGES).map(lambda rc: {**rc[0], **dict(rc[1])})


def as_cells(row: dict, index: dict[str, int]) -> list[str]:
    cells = [""] * len(index)
    for key, position in index.items():
        cells[position] = row[key]
    return cells


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=ROW, twice=st.booleans(), all_columns=st.booleans(), short=st.booleans())
def test_fast_path_accepts_and_stages_exactly_what_the_full_checks_do(
    imp_customers, row, twice, all_columns, short
):
    index = ALL_COLUMNS if all_columns else SOME_COLUMNS
    cells = as_cells(row, index)
    if short:  # a row with fewer cells than the header: the last columns read as empty
        cells = cells[:-1]
    fast = CustomerValidator(index, fast_errors := Errors(specs.CUSTOMERS), scope_path=None)
    full = CustomerValidator(index, full_errors := Errors(specs.CUSTOMERS), scope_path=None)
    for rowno in range(2, 4 if twice else 3):
        assert fast.row(rowno, list(cells)) == full._checked(rowno, list(cells))
    assert fast_errors.items == full_errors.items
    assert (fast.seen, fast.lengths, fast.numeric_codes) == (
        full.seen,
        full.lengths,
        full.numeric_codes,
    )


@pytest.mark.parametrize("index", [ALL_COLUMNS, SOME_COLUMNS], ids=["all", "some"])
def test_the_common_row_takes_the_fast_path(imp_customers, branches, index):
    validator = CustomerValidator(index, Errors(specs.CUSTOMERS), scope_path=None)
    row = {key: values[0] for key, values in CELLS.items()}
    row.update(id_type="身份证", id_number="11010519491231002X", broker_code="B01;B02")
    row.update(broker_name="李经纪;王经纪", mobile="13812345678")
    staged = validator._fast(2, as_cells(row, index))
    assert staged is not None
    assert staged[:3] == (2, "00000201", "张三")
    assert staged[14] == branches["a1"].pk


def test_a_branch_outside_the_scope_leaves_the_fast_path(imp_customers, branches):
    scoped = CustomerValidator(
        ALL_COLUMNS, errors := Errors(specs.CUSTOMERS), scope_path=branches["b"].path
    )
    row = {key: values[0] for key, values in CELLS.items()}
    assert scoped._fast(2, as_cells(row, ALL_COLUMNS)) is None
    assert scoped.row(2, as_cells(row, ALL_COLUMNS)) is None
    assert [e.reason for e in errors.items] == ["该部门不在您的权限范围内"]
