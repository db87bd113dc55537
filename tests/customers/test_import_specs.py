"""One declaration per dataset: the column spec (``importers/specs.py``) is what the staging
targets are derived from and what the validators' tuples follow."""

import datetime

import pytest

from huifang.core import fieldcrypt
from huifang.core.fieldcrypt import BlindIndexField, EncryptedTextField
from huifang.core.masking import mask_phone
from huifang.customers.importers import specs, targets
from huifang.customers.importers.daily import DailyValidator
from huifang.customers.importers.staging import Target
from huifang.customers.importers.validators import CustomerValidator, Errors, ProductValidator
from huifang.customers.models import Customer, DailyBalance, ProductHolding

MODELS = {"customers": Customer, "daily": DailyBalance, "products": ProductHolding}


def index(dataset: specs.Dataset) -> dict[str, int]:
    return {c.key: i for i, c in enumerate(dataset.columns)}


def by_name(target, staged: tuple) -> dict:
    """A stage tuple as {column: value}, the target's stage columns after ``rowno``."""
    names = ["rowno", *(name for name, _ in target.columns), *(name for name, _ in target.extra)]
    assert len(staged) == len(names)
    return dict(zip(names, staged, strict=True))


@pytest.mark.parametrize("name", sorted(targets.TARGETS))
def test_a_target_holds_exactly_the_specs_stored_columns_each_a_model_field(name):
    target, dataset, model = targets.TARGETS[name], specs.DATASETS[name], MODELS[name]
    assert [column for column, _ in target.columns] == list(dataset.stored)
    for column, kind in target.columns:
        field = model._meta.get_field(column)
        assert field.concrete and field.column == column
        assert kind == targets.sql_type(field)
    assert target.sensitive == dataset.sensitive


@pytest.mark.parametrize("name", sorted(targets.TARGETS))
def test_personal_data_in_the_model_is_exactly_what_the_spec_calls_sensitive(name):
    target, model = targets.TARGETS[name], MODELS[name]
    stored = {column for column, _ in target.columns}
    encrypted = {f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)}
    assert set(target.sensitive) == encrypted & stored == encrypted
    for column, kind in target.indexes:
        assert isinstance(model._meta.get_field(column), BlindIndexField)
        assert kind == "TEXT"


def test_dates_money_and_booleans_come_from_the_model_fields():
    assert targets.CUSTOMERS.dates == {"birth_date", "open_date", "close_date"}
    assert targets.CUSTOMERS.booleans == {"dormant", "normalized", "risk_lowest"}
    assert targets.DAILY.money == {
        "prev_equity", "deposit", "withdrawal", "close_pnl", "position_pnl", "fee", "equity"
    }  # fmt: skip
    assert targets.DAILY.dates == {"trade_date"}
    assert targets.PRODUCTS.dates == {"business_date"}


def test_a_column_declared_in_a_spec_is_in_the_derived_target_with_its_fields_type():
    dataset = specs.Dataset(
        "customers",
        "客户",
        (
            specs.Column("investor_code", "投资者代码", True),
            specs.Column("open_date", "开户日期"),
            specs.Column("branch_code", "部门代码", field="branch_id"),
            specs.Column("risk_level", "风险承受能力"),
            specs.Column("risk_lowest", source="risk_level"),
            specs.Column("mobile", "手机号", mask=mask_phone),
        ),
    )
    target = targets.target(dataset, Customer, key=("investor_code",))
    assert target.columns == (
        ("investor_code", "TEXT"),
        ("open_date", "DATE"),
        ("branch_id", "BIGINT"),
        ("risk_level", "INTEGER"),
        ("risk_lowest", "BOOLEAN"),
        ("mobile", "TEXT"),
    )
    assert target.dates == {"open_date"}
    assert target.sensitive == ("mobile",)
    assert target.stored[-1] == ("mobile_bidx", "TEXT")
    # A computed column has no header: files and API rows cannot name it.
    assert [c.key for c in dataset.columns] == [
        "investor_code", "open_date", "branch_code", "risk_level", "mobile"
    ]  # fmt: skip


def test_a_spec_and_a_model_that_disagree_on_personal_data_are_refused():
    clear = specs.Dataset("customers", "客户", (specs.Column("mobile", "手机号"),))
    with pytest.raises(TypeError, match="sensitive"):
        targets.target(clear, Customer, key=("mobile",))
    secret = specs.Dataset(
        "customers", "客户", (specs.Column("occupation", "职业", mask=mask_phone),)
    )
    with pytest.raises(TypeError, match="sensitive"):
        targets.target(secret, Customer, key=("occupation",))


def test_the_customer_validator_stages_the_specs_columns_in_order(imp_customers, branches):
    dataset = specs.CUSTOMERS
    row = {
        "investor_code": "00000901", "name": "王五", "full_name": "王五全称",
        "customer_type": "自然人", "gender": "女", "id_type": "身份证",
        "id_number": "11010519491231002X", "birth_date": "", "open_date": "2020-01-15",
        "close_date": "2024-05-26", "status": "销户", "dormant": "休眠", "normalized": "未规范",
        "branch_code": "010201", "investor_class": "专业投资者", "risk_level": "C1(最低类别)",
        "occupation": "医生", "income_source": "工资", "mobile": "13812345678",
        "phone": "010-12345678", "address": "上海市建设路1号", "email": "a@example.com",
        "broker_code": "B01;B02", "broker_name": "李经纪;王经纪",
    }  # fmt: skip
    cells = [row[c.key] for c in dataset.columns]
    fast = CustomerValidator(index(dataset), Errors(dataset), scope_path=None)
    full = CustomerValidator(index(dataset), Errors(dataset), scope_path=None)
    staged = fast._fast(2, list(cells))
    assert staged is not None and staged == full._checked(2, list(cells))
    assert by_name(targets.CUSTOMERS, staged) == {
        "rowno": 2, "investor_code": "00000901", "name": "王五", "full_name": "王五全称",
        "customer_type": "natural", "gender": "F", "id_type": "id_card",
        "id_number": "11010519491231002X", "birth_date": datetime.date(1949, 12, 31),
        "open_date": datetime.date(2020, 1, 15), "close_date": datetime.date(2024, 5, 26),
        "status": "closed", "dormant": True, "normalized": False,
        "branch_id": branches["b1"].pk, "investor_class": "professional", "risk_level": 1,
        "risk_lowest": True, "occupation": "医生", "income_source": "工资",
        "mobile": "13812345678", "phone": "010-12345678", "address": "上海市建设路1号",
        "email": "a@example.com", "broker_codes": "B01;B02", "broker_names": "李经纪;王经纪",
    }  # fmt: skip


class NightFile:
    """A source small beside the customer table: its codes are resolved in SQL."""

    plain_text = True

    def expected_rows(self, bytes_per_row: int) -> int:
        return 1


@pytest.mark.parametrize("source", [None, NightFile()], ids=["codes-dict", "codes-in-sql"])
def test_the_daily_validator_stages_the_specs_columns_in_order(imp_customers, source):
    dataset = specs.DAILY
    first = ["2025-03-03", "00000101", "100.00", "", "", "", "", "", "100.00", ""]
    second = ["2025-03-03", "00000102", "100.00", "20.00", "10.00", "1.50", "-0.50", "1.00", "110.00", "7"]  # fmt: skip
    fast = DailyValidator(index(dataset), Errors(dataset), scope_path=None, source=source)
    full = DailyValidator(index(dataset), Errors(dataset), scope_path=None, source=source)
    assert fast.in_sql == (source is not None)
    assert fast.row(2, first) is not None  # the first row of a date teaches its text
    staged = fast._fast(3, second)
    assert staged is not None and staged == full._checked(3, second)
    customer_id = Customer.objects.get(investor_code="00000102").pk
    assert by_name(targets.DAILY, staged) == {
        "rowno": 3, "trade_date": "2025-03-03",
        "customer_id": None if fast.in_sql else customer_id,
        "prev_equity": 10000, "deposit": 2000, "withdrawal": 1000, "close_pnl": 150,
        "position_pnl": -50, "fee": 100, "equity": 11000, "volume": 7,
        "investor_code": "00000102" if fast.in_sql else None,
    }  # fmt: skip


def test_the_product_validator_stages_the_specs_columns_in_order(imp_customers):
    dataset = specs.PRODUCTS
    cells = ["00000101", "2025-03-03", "P01", "雪球一号", "资管产品", "R4"]
    validator = ProductValidator(index(dataset), Errors(dataset), scope_path=None)
    staged = validator.row(2, cells)
    assert by_name(targets.PRODUCTS, staged) == {
        "rowno": 2, "customer_id": validator.codes.ids["00000101"],
        "business_date": datetime.date(2025, 3, 3), "product_code": "P01",
        "product_name": "雪球一号", "category": "asset_mgmt", "product_risk": 4,
    }  # fmt: skip


def test_two_columns_stored_in_one_field_are_refused():
    twice = specs.Dataset(
        "customers",
        "客户",
        (
            specs.Column("broker_code", "经纪人编号", field="email"),
            specs.Column("email", "电子邮箱"),
        ),
    )
    with pytest.raises(TypeError, match="same field"):
        targets.target(twice, Customer, key=("email",))


def test_sealing_encrypts_the_personal_columns_and_puts_their_indexes_before_the_extras():
    target = Target(
        name="demo",
        table="demo",
        object_type="demo.demo",
        columns=(("code", "TEXT"), ("mobile", "TEXT"), ("born", "DATE"), ("email", "TEXT")),
        key=("code",),
        dates=frozenset({"born"}),
        sensitive=("mobile", "email"),
        extra=(("note", "TEXT"),),
    )
    born = datetime.date(1990, 1, 31)
    rows = [(2, "A1", "13812345678", born, "", "x"), (3, "A2", "", None, "a@b.cn", "y")]
    sealed = target.seal(rows)
    ring = fieldcrypt.keyring()
    assert [(r[0], r[1], r[3], r[5], r[6], r[7]) for r in sealed] == [
        (2, "A1", "1990-01-31", ring.index("13812345678"), "", "x"),
        (3, "A2", None, "", ring.index("a@b.cn"), "y"),
    ]
    assert [(ring.decrypt(r[2]), ring.decrypt(r[4])) for r in sealed] == [
        ("13812345678", ""),
        ("", "a@b.cn"),
    ]
    assert sealed[0][2].startswith(fieldcrypt.PREFIX) and sealed[0][4] == ""
