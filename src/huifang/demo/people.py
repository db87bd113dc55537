"""Customers of the synthetic company, generated a chunk at a time with numpy.

Each chunk has its own random stream (``seed``, chunk number), so the output depends only
on the spec, and memory stays bounded by the chunk size whatever the company's size.
Identity numbers are real-format 18-digit 身份证 numbers with a correct check digit, the
birth date inside them and the gender in the parity of the 17th digit.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np

from huifang.demo import names

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
USCC_CHARS = np.frombuffer(b"0123456789ABCDEFGHJKLMNPQRTUWXY", dtype=np.uint8)
USCC_WEIGHTS = np.array(
    [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64
)
MOBILE_PREFIXES = np.array(
    (130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 155, 156, 158, 159, 166,
     176, 177, 180, 181, 182, 183, 186, 187, 188, 189, 191, 198, 199),
    dtype=np.int64,
)  # fmt: skip
DAY = np.timedelta64(1, "D")
YEAR_DAYS = 365.25

# Customer types: 自然人 / 一般法人 / 特殊法人 and their shares.
NATURAL, LEGAL, SPECIAL = 0, 1, 2
TYPE_LABELS = np.array(["自然人", "一般法人", "特殊法人"])
TYPE_SHARES = [0.955, 0.035, 0.010]

CUSTOMER_HEADER = [
    "投资者代码", "投资者名称", "投资者全称", "客户类型", "性别", "证件类型", "证件号码",
    "生日", "开户日期", "销户日期", "客户状态", "休眠状态", "规范化状态", "部门代码",
    "投资者分类", "风险承受能力", "职业", "收入来源", "手机号", "联系电话", "联系地址",
    "电子邮箱", "经纪人编号", "经纪人名称",
]  # fmt: skip

# Planted customers (the first rows of chunk 0) guarantee every built-in rule has hits
# even in a tiny company: their index → what they are planted for.
PLANT_AGE_70, PLANT_AGE_78, PLANT_NO_JOB, PLANT_SAVINGS, PLANT_NEW = 0, 1, 2, 3, 4
PLANT_PRODUCTS = (5, 6)
PLANT_LOSERS = (7, 8, 9)
PLANTED = 10


@dataclass
class CustomerChunk:
    """One chunk: the CSV rows plus what the daily and product generators need."""

    rows: list[list[str]]
    index: np.ndarray  # global 0-based customer numbers
    codes: np.ndarray  # investor codes (S10)
    open_date: np.ndarray  # datetime64[D]
    active: np.ndarray  # bool: trades this year
    loser: np.ndarray  # bool: planted or drawn heavy loser
    legal: np.ndarray  # bool: not a natural person (bigger accounts)
    products: np.ndarray  # bool: holds high-risk products


def investor_codes(index: np.ndarray) -> np.ndarray:
    """``0000000001``…: ten digits with leading zeros, as a back office exports them."""
    digits = np.zeros((index.size, 10), dtype=np.uint8)
    rest = index.astype(np.int64) + 1
    for column in range(9, -1, -1):
        digits[:, column] = 48 + rest % 10
        rest //= 10
    return digits.view("S10").ravel()


def id_numbers(area: np.ndarray, birth: np.ndarray, male: np.ndarray, rng) -> np.ndarray:
    """Valid 18-digit 身份证 numbers (GB 11643: weights mod 11 → check character)."""
    years, months, days = split_dates(birth)
    sequence = rng.integers(0, 500, area.size) * 2 + male.astype(np.int64)  # odd = male
    number = area * 10**11 + years * 10**7 + months * 10**5 + days * 10**3 + sequence
    digits = np.zeros((area.size, 17), dtype=np.int64)
    rest = number.copy()
    for column in range(16, -1, -1):
        digits[:, column] = rest % 10
        rest //= 10
    check = ID_CHECK[(digits * ID_WEIGHTS).sum(axis=1) % 11]
    raw = np.concatenate([(digits + 48).astype(np.uint8), check[:, None]], axis=1)
    return raw.view("S18").ravel().astype(str)


def id_check_ok(number: str) -> bool:
    """The 身份证 check (used by tests and by anyone validating the generator's output)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(c) * int(w) for c, w in zip(number[:17], ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17]


def uscc_numbers(area: np.ndarray, rng) -> np.ndarray:
    """统一社会信用代码 with a correct check character (GB 32100)."""
    n = area.size
    values = np.zeros((n, 17), dtype=np.int64)
    values[:, 0], values[:, 1] = 9, 1  # 工商 / 企业
    rest = area.copy()
    for column in range(7, 1, -1):
        values[:, column] = rest % 10
        rest //= 10
    values[:, 8:] = rng.integers(0, 31, (n, 9))
    check = (31 - (values * USCC_WEIGHTS).sum(axis=1) % 31) % 31
    raw = np.concatenate([USCC_CHARS[values], USCC_CHARS[check][:, None]], axis=1)
    return raw.view("S18").ravel().astype(str)


def split_dates(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    month_start = dates.astype("datetime64[M]")
    months = month_start.astype(np.int64) % 12 + 1
    days = (dates - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    return years, months, days


def date_strings(dates: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    text = np.datetime_as_string(dates, unit="D")
    if present is not None:
        text = np.where(present, text, "")
    return text


def _pick(rng, options, size, p=None) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=p)]


def _person_names(rng, size: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, len(names.SURNAMES) + 1) ** 0.9
    surnames = rng.choice(list(names.SURNAMES), size=size, p=weights / weights.sum())
    first = rng.choice(list(names.GIVEN_CHARS), size=size)
    second = rng.choice(list(names.GIVEN_CHARS), size=size)
    two = rng.random(size) < 0.7
    return np.array(
        [s + a + (b if t else "") for s, a, b, t in zip(surnames, first, second, two, strict=True)],
        dtype=object,
    )


def customer_chunk(spec, branches, brokers, start: int, stop: int) -> CustomerChunk:
    """Customers ``start``…``stop - 1`` (global numbers) as CSV rows and numeric profiles.

    ``branches`` lists the 营业部 as (code, name, place); ``brokers`` is per 营业部 a list of
    (code, name).
    """
    rng = np.random.default_rng([spec.seed, 1, start])
    n = stop - start
    index = np.arange(start, stop)
    reference = np.datetime64(datetime.date(spec.year, 12, 31), "D")
    year_start = np.datetime64(datetime.date(spec.year, 1, 1), "D")

    kind = rng.choice(3, size=n, p=TYPE_SHARES)
    planted = index < PLANTED
    kind[planted] = NATURAL
    natural = kind == NATURAL

    # Ages on D: most 20–65, a tail to 88 (about 3% are 70 or older).
    old = rng.random(n) < 0.04
    age_years = np.where(old, rng.uniform(65, 88, n), rng.uniform(20, 65, n))
    birth = reference - (age_years * YEAR_DAYS).astype(np.int64) * DAY
    birth[index == PLANT_AGE_70] = np.datetime64(datetime.date(spec.year - 70, 12, 31), "D")
    birth[index == PLANT_AGE_78] = np.datetime64(datetime.date(spec.year - 78, 6, 1), "D")

    # Opening dates: 12% in the data year, the rest since 2008, more of them recent.
    earliest = np.datetime64("2008-01-01", "D")
    span = (year_start - earliest).astype(np.int64)
    before = earliest + (np.sqrt(rng.random(n)) * (span - 1)).astype(np.int64) * DAY
    within = year_start + rng.integers(0, (reference - year_start).astype(np.int64) + 1, n) * DAY
    new = (rng.random(n) < 0.12) | (index == PLANT_NEW)
    new[planted & (index != PLANT_NEW)] = False
    open_date = np.where(new, within, before)
    adult = birth + np.int64(18 * 366) * DAY
    open_date = np.where(natural & (open_date < adult), adult, open_date)
    new = open_date >= year_start

    # Closed accounts: 6%, closed between opening and D; active share taken among the rest.
    closable = (reference - open_date).astype(np.int64) > 30
    closed = (rng.random(n) < 0.06) & closable & ~planted
    gap = np.maximum((reference - open_date).astype(np.int64) - 30, 1)
    close_date = open_date + (30 + (rng.random(n) * gap).astype(np.int64)) * DAY
    status = np.where(closed, np.where(rng.random(n) < 0.1, "注销", "销户"), "有效")

    share = min(1.0, spec.active_share / 0.94)
    active = ~closed & (rng.random(n) < share)
    loser = active & (rng.random(n) < 0.02) & ~new
    for i in PLANT_LOSERS:
        active[index == i] = True
        loser[index == i] = True
    dormant = ~closed & ~active & (rng.random(n) < 0.08)
    products = (rng.random(n) < 0.06) | np.isin(index, PLANT_PRODUCTS)

    male = rng.random(n) < 0.62
    area = np.asarray(names.AREA_CODES, dtype=np.int64)[rng.integers(0, len(names.AREA_CODES), n)]
    id_type = np.where(natural, "身份证", np.where(kind == LEGAL, "统一社会信用代码", "其他"))
    foreign = natural & ~planted & (rng.random(n) < 0.03)
    id_type = np.where(
        foreign, np.where(rng.random(n) < 0.5, "护照", "港澳居民来往内地通行证"), id_type
    )
    id_number = np.where(natural, id_numbers(area, birth, male, rng), uscc_numbers(area, rng))
    serial = rng.integers(10_000_000, 99_999_999, n).astype(str)
    id_number = np.where(id_type == "护照", np.char.add("E", serial), id_number)
    id_number = np.where(id_type == "港澳居民来往内地通行证", np.char.add("H", serial), id_number)
    id_number = np.where(kind == SPECIAL, np.char.add("SCA", serial), id_number)
    # Half of the ID-card holders leave 生日 empty: the importer takes it from the number.
    show_birth = natural & ((id_type != "身份证") | (rng.random(n) < 0.5))

    office = rng.integers(0, len(branches), n)
    city = np.array([b[2] for b in branches], dtype=object)[office]
    person = _person_names(rng, n)
    word = _pick(rng, names.COMPANY_WORDS, n)
    trade = _pick(rng, names.COMPANY_TRADES, n)
    special_kind = _pick(rng, names.SPECIAL_KINDS, n)
    short = np.where(natural, person, np.where(kind == LEGAL, word + trade, word + special_kind))
    full = np.where(
        kind == LEGAL,
        city + word + trade + "有限公司",
        np.where(kind == SPECIAL, city + word + "资产管理有限公司-" + word + special_kind, ""),
    )

    investor_class = np.where(
        rng.random(n) < np.where(natural, 0.04, 0.4), "专业投资者", "普通投资者"
    )
    investor_class[planted] = "普通投资者"
    risk = rng.choice(5, size=n, p=[0.08, 0.22, 0.35, 0.25, 0.10]) + 1
    risk_text = np.char.add("C", risk.astype(str)).astype(object)
    risk_text[(risk == 1) & (rng.random(n) < 0.15)] = "C1(最低类别)"

    age_now = age_years
    occupation = _pick(rng, names.OCCUPATIONS, n)
    occupation[natural & (age_now >= 62) & (rng.random(n) < 0.7)] = "离退休人员"
    occupation[(rng.random(n) < 0.03) | (index == PLANT_NO_JOB)] = names.NO_JOB
    income = _pick(rng, names.INCOME_SOURCES, n)
    income[occupation == "离退休人员"] = "退休金"
    income[(rng.random(n) < 0.03) | (index == PLANT_SAVINGS)] = names.SAVINGS_INCOME
    occupation[~natural] = ""
    income[~natural] = ""

    prefix = MOBILE_PREFIXES[rng.integers(0, MOBILE_PREFIXES.size, n)]
    mobile = (prefix * 10**8 + rng.integers(0, 10**8, n)).astype(str)
    phone = np.where(natural, "", np.char.add("010-", rng.integers(10**7, 10**8, n).astype(str)))
    street = _pick(rng, names.STREETS, n)
    number = rng.integers(1, 400, n).astype(str)
    address = city + street + number.astype(object) + "号"
    email = np.where(rng.random(n) < 0.15, np.char.add(mobile, "@139.com"), "")

    broker_code, broker_name = _brokers(rng, brokers, office)

    codes = investor_codes(index)
    text_codes = codes.astype(str)
    branch_codes = np.array([b[0] for b in branches])[office]
    open_text = date_strings(open_date)
    birth_text = date_strings(birth, show_birth)
    close_text = date_strings(close_date, closed)
    gender = np.where(natural, np.where(male, "男", "女"), "")
    dormant_text = np.where(dormant, "休眠", "正常")
    normalized = np.where(rng.random(n) < 0.97, "已规范", "未规范")
    type_text = TYPE_LABELS[kind]
    columns = [
        text_codes, short, full, type_text, gender, id_type, id_number, birth_text, open_text,
        close_text, status, dormant_text, normalized, branch_codes, investor_class, risk_text,
        occupation, income, mobile, phone, address, email, broker_code, broker_name,
    ]  # fmt: skip
    lists = [c if isinstance(c, list) else c.tolist() for c in columns]
    rows = [list(row) for row in zip(*lists, strict=True)]
    return CustomerChunk(
        rows=rows,
        index=index,
        codes=codes,
        open_date=open_date,
        active=active,
        loser=loser,
        legal=~natural,
        products=products,
    )


def _brokers(rng, brokers, office: np.ndarray) -> tuple[list[str], list[str]]:
    """30% of customers came through a broker (经纪人), 5% through two (``;``-separated)."""
    n = office.size
    has = rng.random(n) < 0.30
    two = has & (rng.random(n) < 0.17)
    first = rng.integers(0, 8, n)
    codes, labels = [], []
    for i in range(n):
        if not has[i]:
            codes.append("")
            labels.append("")
            continue
        pool = brokers[office[i]]
        chosen = [pool[first[i]]] + ([pool[(first[i] + 3) % 8]] if two[i] else [])
        codes.append(";".join(c for c, _ in chosen))
        labels.append(";".join(name for _, name in chosen))
    return codes, labels


def staff_names(seed: int, count: int) -> list[str]:
    """Deterministic person names (brokers)."""
    return list(_person_names(np.random.default_rng([seed, 2]), count))
