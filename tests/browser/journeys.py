"""Helpers of the role journeys (test_*_journey.py): walking the menu, reading what a
page shows, downloading, and the closing check that nothing went wrong on the way."""

from __future__ import annotations

import datetime
import io
import pathlib

import openpyxl

from tests.customers.conftest import csv_bytes

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(first17: str) -> str:
    """A 身份证 number with its GB 11643 check digit (the importer checks it)."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def write_csv(path: pathlib.Path, header: list[str], rows: list[list], encoding="utf-8"):
    """The file a back office would export: ``header`` and ``rows`` as CSV in ``encoding``."""
    path.write_bytes(csv_bytes(header, rows, encoding))
    return path


def menu(page, group: str, item: str) -> None:
    """Opens ``item`` from the left menu, unfolding ``group`` when it is folded."""
    nav = page.locator("#nav")
    link = nav.get_by_role("link", name=item, exact=True)
    if not link.is_visible():
        nav.get_by_role("button", name=group).click()
    link.click()


def download(page, click) -> pathlib.Path:
    """Runs ``click`` (a callable) and returns the path of the file it downloads."""
    with page.expect_download() as info:
        click()
    return pathlib.Path(info.value.path())


def xlsx_rows(path: pathlib.Path, sheet: int = 0) -> list[list]:
    """The rows of a downloaded workbook's ``sheet`` (header first)."""
    book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
    return [list(row) for row in book.worksheets[sheet].iter_rows(values_only=True)]


def column(rows: list[list], header: str) -> list:
    at = rows[0].index(header)
    return [row[at] for row in rows[1:]]


def shown_column(table, header: str) -> list[str]:
    """The texts of the column headed ``header`` in ``table`` (a locator), row by row."""
    return table.evaluate(
        """(table, header) => {
            const names = [...table.querySelectorAll('thead th')].map(th => th.innerText.trim());
            const at = names.indexOf(header);
            if (at < 0) throw new Error('no column ' + header + ' in ' + names.join(','));
            return [...table.querySelectorAll('tbody tr')].map(
                tr => tr.children[at].innerText.trim());
        }""",
        header,
    )


def list_table(page):
    """The list page's table: the one under 共 N 条."""
    return page.locator(".card", has=page.locator("#row-count")).locator("table")


def row_count(page) -> str:
    """The list's 共 N 条 as the page holds it."""
    return page.locator("#row-count [data-row-count]").get_attribute("data-row-count")


def assert_clean(page) -> None:
    """No console error and no failed request on the whole way. A request the browser
    itself gave up (net::ERR_ABORTED) is not one: a download takes over its request, and
    moving on before a page has loaded every script cancels the rest, as for any user."""
    assert page.console_errors == [], page.console_errors
    failed = [f for f in page.failed_requests if not f.endswith(" net::ERR_ABORTED")]
    assert failed == [], failed


def annual_batch(branches, admin, people) -> list:
    """HQ's 年度适当性回访 batch of a frozen A003 run hitting ``people`` — (investor code,
    name, branch key, mobile) each, born 1950 — made by the service the page calls; its
    tasks in the order of ``people``."""
    from huifang.callbacks import services
    from huifang.callbacks.models import BusinessType, CallbackTask
    from tests.callbacks.conftest import make_customer, make_run

    customers = [
        make_customer(
            branches[where],
            code,
            name=name,
            mobile=mobile,
            gender="F" if name[-1] in "敏洁娜" else "M",
            birth_date=datetime.date(1950, 5, 1),
        )
        for code, name, where, mobile in people
    ]
    annual = BusinessType.objects.get(name="年度适当性回访")
    services.do_create_batch(make_run({c: ["A003"] for c in customers}), annual, actor=admin)
    tasks = {t.customer_id: t for t in CallbackTask.objects.all()}
    return [tasks[c.pk] for c in customers]
