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
