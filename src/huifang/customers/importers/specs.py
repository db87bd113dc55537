"""The four datasets' columns (``data-interface.md``) and the enumerations files carry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from huifang.core.masking import mask_address, mask_email, mask_id, mask_phone
from huifang.customers import choices
from huifang.customers.importers.cells import ExcelError

# The fewest characters a mask hides: a mobile number's four (``138****5678``).
HIDDEN_AT_LEAST = 4


@dataclass(frozen=True)
class Column:
    """One column of a dataset, declared once: its header in the file, how its text is read,
    the model field it is stored in and whether it is personal data. The import target's
    column list, SQL types, dates, money and personal-data columns are derived from these
    declarations and the model (``targets.py``); the validators stage a tuple per row in
    the declaration order (``tests/customers/test_import_specs.py`` checks each).
    Wherever a value of a personal-data column is shown (the row report of an import: its
    page, xlsx, API answer, job result and command output) it goes through ``masked``.

    A column without ``label`` is not read from the file but computed by the validator
    from the column named in ``source`` (e.g. the "lowest category" flag of 风险承受能力)."""

    key: str  # the English name: API rows, error reports, the validators
    label: str = ""  # the file's Chinese header; "" for a computed column
    required: bool = False
    # Personal data (PIPL): how the rest of the product masks it (``core.masking``). A
    # column with a mask is sensitive: encrypted at rest with a blind index beside it
    # (``core.fieldcrypt``), masked wherever it is shown.
    mask: Callable[[str], str] | None = None
    # The model field (its attribute name) the value is stored in; "" when it is ``key``.
    # A code resolved to a row names the foreign key's column (``branch_id``).
    field: str = ""
    # An enumeration: the texts a file may hold → the stored value, and how an error
    # names the allowed texts.
    choices: Mapping[str, Any] | None = None
    allowed: str = ""
    source: str = ""  # a computed column: the file column it is derived from

    @property
    def sensitive(self) -> bool:
        return self.mask is not None

    def masked(self, text: str) -> str:
        """``text`` as a report may show it: masked as the product masks the column's
        values; a value too short or malformed for that mask to hide at least
        :data:`HIDDEN_AT_LEAST` of its characters (a 5-character ID, an 8-digit "mobile",
        a text already holding stars) is hidden whole. Not personal data, or an Excel
        error value (``#N/A``, no one's data): as it is."""
        if self.mask is None or not text or type(text) is ExcelError:
            return text
        return conceal(text, self.mask(text))

    @property
    def stored_as(self) -> str:
        return self.field or self.key

    @property
    def in_file(self) -> bool:
        return bool(self.label)


@dataclass(frozen=True)
class Dataset:
    """A dataset's columns, in the order of the file template (data-interface.md), computed
    columns after the column they are derived from: the order of the staged tuples."""

    name: str
    label: str
    declared: tuple[Column, ...]
    # A column the source lacks leaves existing records' fields as they are (False: the
    # daily amounts, which an absent column sets to 0).
    keeps_absent: bool = True

    @cached_property
    def columns(self) -> tuple[Column, ...]:
        """The columns a file has (headers), in the template's order."""
        return tuple(c for c in self.declared if c.in_file)

    @cached_property
    def by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}

    def label_of(self, key: str) -> str:
        return self.by_key[key].label

    @cached_property
    def stored(self) -> tuple[str, ...]:
        """The model fields written, in staging order (after ``rowno``)."""
        return tuple(c.stored_as for c in self.declared)

    @cached_property
    def sensitive(self) -> tuple[str, ...]:
        return tuple(c.stored_as for c in self.declared if c.sensitive)


def conceal(text: str, masked: str | None = None) -> str:
    """``masked`` (a mask of ``text``) when it hides enough of ``text``, else ``text`` all
    stars; without ``masked``, all stars."""
    if masked is not None:
        shown = len(masked) - masked.count("*")
        if len(text) - text.count("*") - shown >= HIDDEN_AT_LEAST:
            return masked
    return "*" * len(text)


def _labels(enum) -> dict[str, str]:
    """Label → stored value, and the stored value itself (API callers may send either)."""
    mapping = {str(label): value for value, label in enum.choices}
    mapping.update({str(value): value for value, _ in enum.choices})
    return mapping


CUSTOMER_TYPES = _labels(choices.CustomerType)
GENDERS = _labels(choices.Gender)
ID_TYPES = _labels(choices.IdType)
STATUSES = {**_labels(choices.Status), "注销": choices.Status.CLOSED.value}
INVESTOR_CLASSES = _labels(choices.InvestorClass)
CATEGORIES = _labels(choices.ProductCategory)
DORMANT = {"正常": False, "休眠": True}
NORMALIZED = {"已规范": True, "未规范": False}
# (level, lowest-category flag); `C1(最低类别)` is C1 flagged as the lowest category.
RISK_LEVELS: dict[str, tuple[int, bool]] = {}
for _level in range(1, 6):
    RISK_LEVELS[f"C{_level}"] = (_level, False)
for _text in ("C1(最低类别)", "C1（最低类别）", "C1 (最低类别)", "C1（最低类别)", "C1(最低类别）"):
    RISK_LEVELS[_text] = (1, True)
PRODUCT_RISKS = {f"R{level}": level for level in range(1, 6)}


# Branches are few and saved one by one through ``org.services`` (``branches.py``): no
# staging target, so no model fields here.
BRANCHES = Dataset(
    "branches",
    "部门",
    (
        Column("branch_code", "部门代码", True),
        Column("branch_name", "部门名称", True),
        Column("parent_code", "上级部门代码"),
    ),
)

CUSTOMERS = Dataset(
    "customers",
    "客户",
    (
        Column("investor_code", "投资者代码", True),
        Column("name", "投资者名称", True),
        Column("full_name", "投资者全称"),
        Column(
            "customer_type",
            "客户类型",
            True,
            choices=CUSTOMER_TYPES,
            allowed="自然人、一般法人、特殊法人",
        ),
        Column("gender", "性别", choices=GENDERS, allowed="男、女"),
        Column(
            "id_type",
            "证件类型",
            choices=ID_TYPES,
            allowed="、".join(str(label) for _, label in choices.IdType.choices),
        ),
        Column("id_number", "证件号码", mask=mask_id),
        Column("birth_date", "生日"),
        Column("open_date", "开户日期", True),
        Column("close_date", "销户日期"),
        Column("status", "客户状态", True, choices=STATUSES, allowed="有效、销户（注销视为销户）"),
        Column("dormant", "休眠状态", choices=DORMANT, allowed="正常、休眠"),
        Column("normalized", "规范化状态", choices=NORMALIZED, allowed="已规范、未规范"),
        Column("branch_code", "部门代码", True, field="branch_id"),
        Column(
            "investor_class",
            "投资者分类",
            choices=INVESTOR_CLASSES,
            allowed="普通投资者、专业投资者",
        ),
        Column(
            "risk_level",
            "风险承受能力",
            choices=RISK_LEVELS,
            allowed="C1、C1(最低类别)、C2、C3、C4、C5",
        ),
        Column("risk_lowest", source="risk_level"),
        Column("occupation", "职业"),
        Column("income_source", "收入来源"),
        Column("mobile", "手机号", mask=mask_phone),
        Column("phone", "联系电话", mask=mask_phone),
        Column("address", "联系地址", mask=mask_address),
        Column("email", "电子邮箱", mask=mask_email),
        Column("broker_code", "经纪人编号", field="broker_codes"),
        Column("broker_name", "经纪人名称", field="broker_names"),
    ),
)

DAILY = Dataset(
    "daily",
    "客户资金日报",
    (
        Column("trade_date", "交易日期", True),
        Column("investor_code", "投资者代码", True, field="customer_id"),
        Column("prev_equity", "上日权益", True),
        Column("deposit", "入金"),
        Column("withdrawal", "出金"),
        Column("close_pnl", "平仓盈亏"),
        Column("position_pnl", "持仓盈亏"),
        Column("fee", "手续费"),
        Column("equity", "当日权益", True),
        Column("volume", "成交手数"),
    ),
    keeps_absent=False,
)

PRODUCTS = Dataset(
    "products",
    "高风险产品或服务",
    (
        Column("investor_code", "投资者代码", True, field="customer_id"),
        Column("business_date", "业务日期", True),
        Column("product_code", "产品代码", True),
        Column("product_name", "产品名称", True),
        Column(
            "category", "产品类别", choices=CATEGORIES, allowed="期权、资管产品、场外衍生品、其他"
        ),
        Column(
            "product_risk", "风险等级", True, choices=PRODUCT_RISKS, allowed="R1、R2、R3、R4、R5"
        ),
    ),
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (BRANCHES, CUSTOMERS, DAILY, PRODUCTS)}
