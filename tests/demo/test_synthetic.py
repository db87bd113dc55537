"""The synthetic company: valid per the standard data interface, deterministic, and shaped
so that every built-in rule has hits on 31 December of the data year."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

import numpy as np
import pytest

from huifang.demo import people, synthetic
from tests.demo.reference import birth_of, day, money, read, screen

SPEC = synthetic.CompanySpec(customers=400, active_share=0.3, year=2025, seed=7)

CUSTOMER_COLUMNS = [
    "投资者代码", "投资者名称", "投资者全称", "客户类型", "性别", "证件类型", "证件号码",
    "生日", "开户日期", "销户日期", "客户状态", "休眠状态", "规范化状态", "部门代码",
    "投资者分类", "风险承受能力", "职业", "收入来源", "手机号", "联系电话", "联系地址",
    "电子邮箱", "经纪人编号", "经纪人名称",
]  # fmt: skip


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    return synthetic.generate(tmp_path_factory.mktemp("company"), SPEC)


def header(path) -> str:
    return path.read_bytes().split(b"\n", 1)[0].decode("utf-8")


def test_files_have_the_interface_headers_with_bom(company):
    files = company.files
    assert header(files["branches"]) == "\ufeff部门代码,部门名称,上级部门代码"
    assert header(files["customers"]) == "\ufeff" + ",".join(CUSTOMER_COLUMNS)
    assert header(files["daily"]) == (
        "\ufeff交易日期,投资者代码,上日权益,入金,出金,平仓盈亏,持仓盈亏,手续费,当日权益,成交手数"
    )
    assert header(files["products"]) == (
        "\ufeff投资者代码,业务日期,产品代码,产品名称,产品类别,风险等级"
    )


def test_branch_tree_codes_keep_leading_zeros_and_nest(company):
    rows = read(company.files["branches"])
    codes = {r["部门代码"] for r in rows}
    assert rows[0] == {"部门代码": "01", "部门名称": "总部", "上级部门代码": ""}
    for r in rows[1:]:
        assert r["部门代码"].startswith("01") and r["上级部门代码"] in codes
        assert r["部门代码"][: len(r["上级部门代码"])] == r["上级部门代码"]
    assert {len(c) for c in codes} == {2, 4, 6}


def test_customers_are_valid(company):
    rows = read(company.files["customers"])
    branches = {r["部门代码"] for r in read(company.files["branches"])}
    codes = [r["投资者代码"] for r in rows]
    assert len(rows) == SPEC.customers and len(set(codes)) == len(codes)
    assert all(len(c) == 10 and c.startswith("0") for c in codes)
    assert {r["客户类型"] for r in rows} == {"自然人", "一般法人", "特殊法人"}
    for r in rows:
        assert r["部门代码"] in branches and len(r["部门代码"]) == 6
        assert r["客户状态"] in ("有效", "销户", "注销")
        assert (r["客户状态"] != "有效") == bool(r["销户日期"])
        assert day(r["开户日期"]) <= SPEC.reference_date
        assert r["风险承受能力"] in ("C1", "C2", "C3", "C4", "C5", "C1(最低类别)")
        assert len(r["手机号"]) == 11 and r["手机号"].startswith("1")
        if r["证件类型"] == "身份证":
            number = r["证件号码"]
            assert people.id_check_ok(number), number
            assert birth_of(r) == datetime.date(
                int(number[6:10]), int(number[10:12]), int(number[12:14])
            )
            assert r["性别"] == ("男" if int(number[16]) % 2 else "女")
    values = {(r["职业"], r["收入来源"]) for r in rows}
    assert any(o == "无业" for o, _ in values)
    assert any(i == "依靠积蓄并有社会保障" for _, i in values)
    assert any(r["风险承受能力"] == "C1(最低类别)" for r in rows)


def test_daily_rows_satisfy_the_equity_identity_and_chain(company):
    trading = set(synthetic.trading_days(SPEC.year))
    last: dict[str, Decimal] = {}
    keys = set()
    rows = read(company.files["daily"])
    assert len(rows) == company.counts["daily"] > 0
    for r in rows:
        when, code = day(r["交易日期"]), r["投资者代码"]
        assert when in trading and when.weekday() < 5
        assert (when, code) not in keys
        keys.add((when, code))
        prev, equity = money(r["上日权益"]), money(r["当日权益"])
        assert equity == (
            prev + money(r["入金"]) - money(r["出金"]) + money(r["平仓盈亏"])
            + money(r["持仓盈亏"]) - money(r["手续费"])
        )  # fmt: skip
        assert money(r["手续费"]) >= 0 and int(r["成交手数"]) >= 0
        assert all(len(r[k].partition(".")[2]) == 2 for k in ("上日权益", "当日权益"))
        if code in last:
            assert prev == last[code]
        last[code] = equity


def test_trading_days_skip_weekend_make_up_days():
    days = synthetic.trading_days(2025)
    assert datetime.date(2025, 1, 26) not in days  # Sunday 调休上班 before 春节
    assert datetime.date(2025, 10, 1) not in days  # 国庆
    assert datetime.date(2025, 12, 31) in days
    assert 240 <= len(days) <= 250


def test_product_keys_are_unique_and_risks_valid(company):
    rows = read(company.files["products"])
    keys = [(r["投资者代码"], r["产品代码"], r["业务日期"]) for r in rows]
    assert len(keys) == len(set(keys)) > 0
    assert {r["风险等级"] for r in rows} <= {"R1", "R2", "R3", "R4", "R5"}
    assert {r["产品类别"] for r in rows} <= {"期权", "资管产品", "场外衍生品", "其他"}


def test_every_built_in_rule_has_hits(company):
    hits = screen(company.directory, SPEC.reference_date)
    assert {code: len(found) > 0 for code, found in hits.items()} == {
        "A001": True, "A002": True, "A003": True, "A004": True, "A005": True, "A006": True,
    }  # fmt: skip


def test_output_is_deterministic_for_a_seed(tmp_path, company):
    again = synthetic.generate(tmp_path / "again", SPEC)
    other = synthetic.generate(
        tmp_path / "other", synthetic.CompanySpec(customers=400, active_share=0.3, seed=8)
    )
    for name, path in company.files.items():
        assert again.files[name].read_bytes() == path.read_bytes(), name
    assert other.files["customers"].read_bytes() != company.files["customers"].read_bytes()


def test_losses_reach_the_a002_threshold_for_planted_losers(company):
    pnl: dict[str, Decimal] = defaultdict(Decimal)
    for r in read(company.files["daily"]):
        pnl[r["投资者代码"]] += money(r["平仓盈亏"]) + money(r["持仓盈亏"]) - money(r["手续费"])
    planted = people.investor_codes(np.array(people.PLANT_LOSERS))
    assert all(-pnl[c.decode()] >= Decimal("100000") for c in planted)
