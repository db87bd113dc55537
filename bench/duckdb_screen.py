"""The six built-in rules (A001–A006, ``docs/rules.md``) at their default parameters as one
DuckDB query directly over the standard-data-interface CSV files.

This is the yardstick for Huifang's screening: the same answer from the fastest embedded
analytical engine, reading the raw files. Defaults: period = 1 January of D's year to D;
A002 min_loss_amount 100000.00, min_loss_ratio 0.50; A003 min_age 70; A004/A005 values
依靠积蓄并有社会保障 / 无业; A006 min_product_risk R4, ordinary_only.
"""

from __future__ import annotations

import datetime
import time
from pathlib import Path

# The files' columns typed (text codes, dates, DECIMAL money): what "loaded" tables hold.
TYPED = {
    "customers": """
    SELECT
        投资者代码 AS code,
        客户类型 AS customer_type,
        CAST(开户日期 AS DATE) AS open_date,
        CAST(NULLIF(销户日期, '') AS DATE) AS close_date,
        客户状态 AS status,
        COALESCE(NULLIF(投资者分类, ''), '普通投资者') AS investor_class,
        trim(COALESCE(职业, '')) AS occupation,
        trim(COALESCE(收入来源, '')) AS income_source,
        -- 生日, else (身份证 only) the birth date inside the ID number.
        COALESCE(
            CAST(NULLIF(生日, '') AS DATE),
            CASE WHEN 证件类型 = '身份证' AND length(证件号码) = 18
                 THEN CAST(try_strptime(substr(证件号码, 7, 8), '%Y%m%d') AS DATE) END
        ) AS birth_date
    FROM {source}""",
    "daily": """
    SELECT
        投资者代码 AS code,
        CAST(交易日期 AS DATE) AS trade_date,
        CAST(上日权益 AS DECIMAL(18, 2)) AS prev_equity,
        COALESCE(CAST(NULLIF(入金, '') AS DECIMAL(18, 2)), 0) AS deposit,
        COALESCE(CAST(NULLIF(平仓盈亏, '') AS DECIMAL(18, 2)), 0) AS close_pnl,
        COALESCE(CAST(NULLIF(持仓盈亏, '') AS DECIMAL(18, 2)), 0) AS position_pnl,
        COALESCE(CAST(NULLIF(手续费, '') AS DECIMAL(18, 2)), 0) AS fee
    FROM {source}""",
    "products": """
    SELECT 投资者代码 AS code, CAST(业务日期 AS DATE) AS business_date,
           CAST(substr(风险等级, 2) AS INTEGER) AS risk
    FROM {source}""",
}

# The rules over relations named customers, daily and products (typed as above).
SQL = """
WITH
-- Eligible on D: opened by D and not closed on D (注销 is read as 销户).
eligible AS (
    SELECT * FROM customers
    WHERE open_date <= $as_of
      AND (status NOT IN ('销户', '注销') OR close_date > $as_of)
),
period AS (
    -- pnl = Σ(close_pnl + position_pnl − fee); base = first row's prev_equity + Σ deposit.
    SELECT code, sum(close_pnl + position_pnl - fee) AS pnl,
           arg_min(prev_equity, trade_date) + sum(deposit) AS base
    FROM daily
    WHERE trade_date BETWEEN $start AND $as_of
    GROUP BY code
),
hits AS (
    SELECT code, 'A001' AS rule FROM eligible WHERE open_date BETWEEN $start AND $as_of
    UNION ALL
    SELECT e.code, 'A002' FROM eligible e JOIN period p USING (code)
    WHERE -p.pnl > 0 AND -p.pnl >= 100000.00
      AND p.base > 0 AND -p.pnl >= 0.50 * p.base
    UNION ALL
    -- Age on D in whole years: year difference, minus 1 before the birthday.
    SELECT code, 'A003' FROM eligible
    WHERE customer_type = '自然人' AND birth_date IS NOT NULL
      AND year($as_of) - year(birth_date)
          - CASE WHEN month($as_of) * 100 + day($as_of)
                      < month(birth_date) * 100 + day(birth_date) THEN 1 ELSE 0 END >= 70
    UNION ALL
    SELECT code, 'A004' FROM eligible
    WHERE customer_type = '自然人' AND income_source IN ('依靠积蓄并有社会保障')
    UNION ALL
    SELECT code, 'A005' FROM eligible
    WHERE customer_type = '自然人' AND occupation IN ('无业')
    UNION ALL
    SELECT DISTINCT e.code, 'A006' FROM eligible e JOIN products p USING (code)
    WHERE p.business_date BETWEEN $start AND $as_of AND p.risk >= 4
      AND e.investor_class = '普通投资者'
)
SELECT rule, count(*) AS hits, NULL AS customers FROM hits GROUP BY rule
UNION ALL
SELECT 'merged', NULL, count(DISTINCT code) FROM hits
"""


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def screen(
    directory: Path, as_of: datetime.date, threads: int | None = None, *, loaded: bool = False
) -> dict:
    """Run the query; returns ``{"seconds": …, "hits": {"A001": n, …}, "customers": n}``.

    ``loaded``: first copy the files into typed DuckDB tables (dates, DECIMAL money; not
    timed) and time the query over them — the engine's own speed, as Huifang's screening
    reads typed data it already holds. Otherwise the time includes parsing the CSV files.
    """
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    files = {
        name: f"read_csv({_quote(directory / f'{name}.csv')}, header = true, all_varchar = true)"
        for name in TYPED
    }
    load_seconds = None
    if loaded:  # typed tables first (not timed), then the rules over them
        started = time.perf_counter()
        for name, source in files.items():
            con.execute(f"CREATE TABLE {name} AS {TYPED[name].format(source=source)}")
        load_seconds = time.perf_counter() - started
        sql = SQL
    else:  # the same typing as views the query reads through: parsing is timed
        views = ",\n".join(
            f"{name} AS ({TYPED[name].format(source=source)})" for name, source in files.items()
        )
        sql = SQL.replace("WITH\n", f"WITH\n{views},\n", 1)
    started = time.perf_counter()
    rows = con.execute(sql, {"as_of": as_of, "start": datetime.date(as_of.year, 1, 1)}).fetchall()
    seconds = time.perf_counter() - started
    con.close()
    hits = {rule: n for rule, n, _ in rows if rule != "merged"}
    merged = next(c for rule, _, c in rows if rule == "merged")
    return {
        "seconds": seconds,
        "hits": {code: hits.get(code, 0) for code in RULES},
        "customers": merged,
        "version": duckdb.__version__,
        "load_seconds": load_seconds,
    }


RULES = ("A001", "A002", "A003", "A004", "A005", "A006")


# --- the tuned yardstick: Huifang's own output, from tables typed as Huifang holds them ---

# Integer customer ids (joins on integers, not text codes), money as BIGINT fen (exact
# integer sums, as Huifang's MoneyField), dates as DATE, daily rows in date order (as
# Huifang's key), only the columns the rules and the output read.
TUNED = {
    "branches": """
    SELECT 部门代码 AS code, 部门名称 AS name FROM {branches}""",
    "customers": """
    SELECT
        CAST(row_number() OVER (ORDER BY 投资者代码) AS INTEGER) AS id,
        投资者代码 AS code, 投资者名称 AS name, COALESCE(投资者全称, '') AS full_name,
        客户类型 AS customer_type, COALESCE(性别, '') AS gender,
        CAST(开户日期 AS DATE) AS open_date,
        CAST(NULLIF(销户日期, '') AS DATE) AS close_date,
        客户状态 AS status, COALESCE(规范化状态, '') AS normalized, 部门代码 AS branch_code,
        COALESCE(NULLIF(投资者分类, ''), '普通投资者') AS investor_class,
        trim(COALESCE(职业, '')) AS occupation,
        trim(COALESCE(收入来源, '')) AS income_source,
        COALESCE(
            CAST(NULLIF(生日, '') AS DATE),
            CASE WHEN 证件类型 = '身份证' AND length(证件号码) = 18
                 THEN CAST(try_strptime(substr(证件号码, 7, 8), '%Y%m%d') AS DATE) END
        ) AS birth_date
    FROM {customers}""",
    "daily": """
    SELECT
        c.id AS customer_id,
        CAST(d.交易日期 AS DATE) AS trade_date,
        CAST(round(CAST(d.上日权益 AS DECIMAL(18, 2)) * 100) AS BIGINT) AS prev_equity,
        CAST(round(COALESCE(CAST(NULLIF(d.入金, '') AS DECIMAL(18, 2)), 0) * 100) AS BIGINT)
            AS deposit,
        CAST(round((COALESCE(CAST(NULLIF(d.平仓盈亏, '') AS DECIMAL(18, 2)), 0)
            + COALESCE(CAST(NULLIF(d.持仓盈亏, '') AS DECIMAL(18, 2)), 0)
            - COALESCE(CAST(NULLIF(d.手续费, '') AS DECIMAL(18, 2)), 0)) * 100) AS BIGINT) AS pnl,
        CAST(COALESCE(NULLIF(d.成交手数, ''), '0') AS BIGINT) AS volume
    FROM {daily} d JOIN customers c ON c.code = d.投资者代码
    ORDER BY trade_date, customer_id""",
    "products": """
    SELECT c.id AS customer_id, CAST(p.业务日期 AS DATE) AS business_date,
           p.产品代码 AS product_code, p.产品名称 AS product_name,
           CAST(substr(p.风险等级, 2) AS INTEGER) AS risk
    FROM {products} p JOIN customers c ON c.code = p.投资者代码""",
}

# One row per customer hit with the columns of ``huifang screen --out`` (rules.evidence):
# the customer's columns, the year's volume and loss, 筛选理由, the codes, then each rule's
# evidence. A002's ratio is compared exactly (loss·2 ≥ base for 50 %).
TUNED_SQL = """
WITH
eligible AS (
    SELECT * FROM customers
    WHERE open_date <= $as_of AND (status NOT IN ('销户', '注销') OR close_date > $as_of)
),
period AS (
    SELECT customer_id, sum(volume) AS volume, sum(pnl) AS pnl,
           arg_min(prev_equity, trade_date) + sum(deposit) AS base
    FROM daily WHERE trade_date BETWEEN $start AND $as_of GROUP BY customer_id
),
a001 AS (SELECT id FROM eligible WHERE open_date BETWEEN $start AND $as_of),
a002 AS (
    SELECT e.id, -p.pnl AS loss, p.base, p.volume
    FROM eligible e JOIN period p ON p.customer_id = e.id
    WHERE -p.pnl > 0 AND -p.pnl >= 10000000 AND p.base > 0 AND -p.pnl * 2 >= p.base
),
a003 AS (
    SELECT id, year($as_of) - year(birth_date)
           - CASE WHEN month($as_of) * 100 + day($as_of)
                       < month(birth_date) * 100 + day(birth_date) THEN 1 ELSE 0 END AS age
    FROM eligible WHERE customer_type = '自然人' AND birth_date IS NOT NULL
),
a004 AS (
    SELECT id FROM eligible
    WHERE customer_type = '自然人' AND income_source IN ('依靠积蓄并有社会保障')
),
a005 AS (SELECT id FROM eligible WHERE customer_type = '自然人' AND occupation IN ('无业')),
a006 AS (
    SELECT e.id, max(p.risk) AS max_risk,
           string_agg(p.product_code || ' ' || p.product_name || '(R' || p.risk || ')', '、'
                      ORDER BY p.risk DESC, p.product_code) AS products
    FROM eligible e
    JOIN (SELECT DISTINCT customer_id, product_code, product_name, risk FROM products
          WHERE business_date BETWEEN $start AND $as_of AND risk >= 4) p
      ON p.customer_id = e.id
    WHERE e.investor_class = '普通投资者'
    GROUP BY e.id
),
ids AS (
    SELECT id FROM a001 UNION SELECT id FROM a002 UNION SELECT id FROM a003 WHERE age >= 70
    UNION SELECT id FROM a004 UNION SELECT id FROM a005 UNION SELECT id FROM a006
)
SELECT
    $as_of AS 日期, b.name AS 部门, c.code AS 投资者代码, c.name AS 投资者名称,
    c.full_name AS 投资者全称, c.customer_type AS 客户类型, c.gender AS 性别,
    c.open_date AS 开户日期, c.birth_date AS 生日, c.status AS 客户状态,
    c.normalized AS 规范化状态, COALESCE(y.volume, 0) AS 本年度成交手数,
    -COALESCE(y.pnl, 0) / 100 AS 亏损金额,
    concat_ws('；',
        CASE WHEN h1.id IS NOT NULL THEN '新开户客户' END,
        CASE WHEN h2.id IS NOT NULL THEN '大额亏损客户' END,
        CASE WHEN h3.age >= 70 THEN '老年交易者' END,
        CASE WHEN h4.id IS NOT NULL THEN '收入为“依靠积蓄并有社会保障”的客户' END,
        CASE WHEN h5.id IS NOT NULL THEN '职业为“无业”的客户' END,
        CASE WHEN h6.id IS NOT NULL THEN '购买或接受高风险产品或服务的客户' END) AS 筛选理由,
    concat_ws('、',
        CASE WHEN h1.id IS NOT NULL THEN 'A001' END, CASE WHEN h2.id IS NOT NULL THEN 'A002' END,
        CASE WHEN h3.age >= 70 THEN 'A003' END, CASE WHEN h4.id IS NOT NULL THEN 'A004' END,
        CASE WHEN h5.id IS NOT NULL THEN 'A005' END, CASE WHEN h6.id IS NOT NULL THEN 'A006' END)
        AS 命中规则,
    CASE WHEN h1.id IS NOT NULL THEN c.open_date END AS "A001 开户日期",
    h2.loss / 100 AS "A002 亏损金额", h2.base / 100 AS "A002 基数",
    CAST(round(h2.loss * 100.0 / h2.base, 2) AS VARCHAR) || '%' AS "A002 亏损比例",
    h2.volume AS "A002 成交手数",
    CASE WHEN h3.age >= 70 THEN c.birth_date END AS "A003 出生日期",
    CASE WHEN h3.age >= 70 THEN h3.age END AS "A003 年龄",
    NULL AS "A003 期间成交手数",
    CASE WHEN h4.id IS NOT NULL THEN c.income_source END AS "A004 收入来源",
    CASE WHEN h5.id IS NOT NULL THEN c.occupation END AS "A005 职业",
    'R' || h6.max_risk AS "A006 最高风险等级", h6.products AS "A006 匹配产品"
FROM ids
JOIN customers c ON c.id = ids.id
JOIN branches b ON b.code = c.branch_code
LEFT JOIN period y ON y.customer_id = c.id
LEFT JOIN a001 h1 ON h1.id = c.id
LEFT JOIN a002 h2 ON h2.id = c.id
LEFT JOIN a003 h3 ON h3.id = c.id
LEFT JOIN a004 h4 ON h4.id = c.id
LEFT JOIN a005 h5 ON h5.id = c.id
LEFT JOIN a006 h6 ON h6.id = c.id
ORDER BY c.code
"""


def screen_tuned(directory: Path, as_of: datetime.date, out: Path | None = None) -> dict:
    """The tuned yardstick: typed tables as Huifang holds them (loading not timed), all
    cores, and Huifang's output columns written as CSV by DuckDB (timed: the query and the
    file). Returns ``{"seconds", "hits", "customers", "load_seconds", "threads", …}``."""
    import os
    import tempfile

    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    threads = os.cpu_count() or 1
    con.execute(f"SET threads = {threads}")
    started = time.perf_counter()
    for name in ("branches", "customers", "daily", "products"):
        source = f"read_csv({_quote(directory / f'{name}.csv')}, header = true, all_varchar = true)"
        con.execute(f"CREATE TABLE {name} AS {TUNED[name].format(**{name: source})}")
    load_seconds = time.perf_counter() - started
    target = out or Path(tempfile.mkstemp(suffix=".csv")[1])
    params = {"as_of": as_of, "start": datetime.date(as_of.year, 1, 1)}
    started = time.perf_counter()
    con.execute(f"CREATE TEMP TABLE hits AS {TUNED_SQL}", params)
    con.execute(f"COPY hits TO {_quote(target)} (HEADER, DELIMITER ',')")
    seconds = time.perf_counter() - started
    counts = dict(
        con.execute(
            "SELECT code, count(*) FROM (SELECT unnest(string_split(命中规则, '、')) AS code "
            "FROM hits) GROUP BY code"
        ).fetchall()
    )
    customers = con.execute("SELECT count(*) FROM hits").fetchone()[0]
    con.close()
    if out is None:
        target.unlink()
    return {
        "seconds": seconds,
        "hits": {code: counts.get(code, 0) for code in RULES},
        "customers": customers,
        "version": duckdb.__version__,
        "load_seconds": load_seconds,
        "threads": threads,
    }
