"""The upload page's progress card, driven through the browser: it moves while the import
job runs (the job is run by a thread of the test, like the task worker, and stopped at
chosen rows), and a refused import ends as a yellow (warning) 已拒绝, not a green 已完成
nor a red 失败."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection
from openpyxl import Workbook
from playwright.sync_api import expect

from huifang.core import jobs
from huifang.customers.importers import parallel
from huifang.customers.models import Customer, ImportRecord
from tests.customers.conftest import CUSTOMER_HEADER, CUSTOMER_ROWS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 30  # seconds an event may take before the test gives up (never slept)
POLL = 10_000  # ms: the card polls every second


class Worker:
    """Runs one job in a thread, stopping after each of the ``stops`` (rows checked) until
    the test calls ``go_on``."""

    def __init__(self, monkeypatch, stops=()):
        self.stops = {done: (threading.Event(), threading.Event()) for done in stops}
        self.failure: BaseException | None = None
        self.thread: threading.Thread | None = None
        monkeypatch.setattr(parallel, "CHUNK", 1)  # progress after every row
        progress = jobs.JobContext.progress

        def stopping(ctx, done, total=None, message=None):
            progress(ctx, done, total, message)
            if (message or "").startswith("已校验") and done in self.stops:
                arrived, released = self.stops.pop(done)
                arrived.set()
                released.wait(WAIT)

        self.pending = dict(self.stops)
        monkeypatch.setattr(jobs.JobContext, "progress", stopping)

    def start(self, job_id: int) -> None:
        def run():
            try:
                jobs.execute(job_id)
            except BaseException as exc:  # reported by the test
                self.failure = exc
            finally:
                connection.close()

        self.thread = threading.Thread(target=run)
        self.thread.start()

    def wait_at(self, done: int) -> None:
        assert self.pending[done][0].wait(WAIT), f"the import never reached row {done}"

    def go_on(self, done: int) -> None:
        self.pending.pop(done)[1].set()

    def finish(self) -> None:
        for _, released in self.pending.values():
            released.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive() and self.failure is None, self.failure


@pytest.fixture
def queued_jobs(settings):
    """Jobs wait in the queue for the test's own worker thread."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _upload_and_confirm(page, live_server, tmp_path, rows) -> int:
    """An xlsx file: its row count is known, so the bar's share is exact."""
    workbook = Workbook()
    for row in [CUSTOMER_HEADER, *rows]:
        workbook.active.append(row)
    path = tmp_path / "客户.xlsx"
    workbook.save(path)
    page.goto(f"{live_server.url}/data/import/")
    page.select_option("#id_dataset", "customers")
    page.set_input_files("#id_file", str(path))
    page.click("button[data-import-submit]")
    page.get_by_role("button", name="确认导入").click()
    card = page.locator("[id^=job-]")
    expect(card.locator("[data-job-status]")).to_have_text("排队中")
    return int(card.get_attribute("id").removeprefix("job-"))


def test_the_progress_card_moves_while_an_import_runs(
    personas, login, live_server, tmp_path, queued_jobs, monkeypatch
):
    page = login("hq_admin")
    worker = Worker(monkeypatch, stops=(1, 2))
    job_id = _upload_and_confirm(page, live_server, tmp_path, CUSTOMER_ROWS)
    card = page.locator(f"#job-{job_id}")
    bar = card.locator(".progress-bar")
    worker.start(job_id)
    try:
        worker.wait_at(1)
        expect(card.locator("[data-job-status]")).to_have_text("运行中", timeout=POLL)
        expect(card).to_contain_text("已校验 1 行", timeout=POLL)
        expect(card).to_contain_text("1 / 3")
        expect(bar).to_have_attribute("aria-valuenow", "33")
        worker.go_on(1)
        worker.wait_at(2)
        expect(card).to_contain_text("已校验 2 行", timeout=POLL)
        expect(card).to_contain_text("2 / 3")
        expect(bar).to_have_attribute("aria-valuenow", "66")
        worker.go_on(2)
    finally:
        worker.finish()
    status = card.locator("[data-job-status]")
    expect(status).to_have_text("已完成", timeout=POLL)
    expect(status).to_have_class(re.compile(r"\bbg-green-lt\b"))
    expect(bar).to_have_attribute("aria-valuenow", "100")
    record = ImportRecord.objects.get()
    expect(card).to_contain_text(record.message)
    assert (record.status, record.created, Customer.objects.count()) == ("applied", 3, 3)


def test_a_refused_import_ends_as_a_warning_refusal(
    personas, login, live_server, tmp_path, queued_jobs, monkeypatch
):
    rows = [list(r) for r in CUSTOMER_ROWS]
    rows[0][5] = "110105194912310021"  # a wrong check digit
    page = login("hq_admin")
    worker = Worker(monkeypatch)
    job_id = _upload_and_confirm(page, live_server, tmp_path, rows)
    worker.start(job_id)
    worker.finish()
    card = page.locator(f"#job-{job_id}")
    status = card.locator("[data-job-status]")
    expect(status).to_have_text("已拒绝", timeout=POLL)
    expect(status).to_have_class(re.compile(r"\bbg-yellow-lt\b"))
    expect(card).not_to_contain_text("已完成")
    expect(card.locator(".alert-warning")).to_contain_text("导入被拒绝")
    record = ImportRecord.objects.get()
    assert (record.status, Customer.objects.count()) == ("rejected", 0)
    card.get_by_text("查看结果").click()
    expect(page).to_have_url(f"{live_server.url}/data/imports/{record.pk}/")
    expect(page.locator("[data-import-status]")).to_have_text("已拒绝")
    expect(page.locator("body")).to_contain_text("身份证号码校验位不正确")
    # The rejected ID number is shown masked, as everywhere (core.masking).
    expect(page.locator("body")).to_contain_text("110***********0021")
    expect(page.locator("body")).not_to_contain_text("110105194912310021")
