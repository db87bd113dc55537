"""证据包 in the browser: from the customer 360 page straight to a downloaded zip; from the
batch page through a background job whose progress bar moves, then its download link.
Each downloaded workbook is opened with openpyxl and its sheets checked."""

from __future__ import annotations

import threading
import zipfile

import openpyxl
import pytest
from django.db import connection
from playwright.sync_api import expect

from huifang.core import jobs
from huifang.reports.evidence import views
from huifang.reports.evidence.sections import SECTIONS
from tests.reports import evidence_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 30  # seconds an event may take before the test gives up (never slept)
POLL = 10_000  # ms: the card polls every second
SHEETS = ["封面"] + [s.title for s in SECTIONS]
STOP_AT = "正在写入：回访任务"


def _sheets_in_zip(path, tmp_path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        (workbook,) = [n for n in archive.namelist() if n.endswith(".xlsx")]
        archive.extract(workbook, tmp_path / "unzipped")
        assert "manifest.csv" in archive.namelist()
    return openpyxl.load_workbook(tmp_path / "unzipped" / workbook, read_only=True).sheetnames


def test_generate_from_the_customer_page_and_download_the_package(
    branches, personas, login, live_server, tmp_path
):
    w = evidence_world.build(branches, personas)
    page = login("auditor")
    page.goto(f"{live_server.url}/customers/{w.ca.investor_code}/")
    page.click("#evidence-button")
    expect(page.locator("#id_customer")).to_have_value(w.ca.investor_code)
    with page.expect_download() as info:
        page.click("#evidence-generate")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.suffix == ".zip"
    assert _sheets_in_zip(path, tmp_path) == SHEETS


def test_an_unknown_customer_is_said_on_the_page(branches, personas, login, live_server):
    page = login("hq_admin")
    page.goto(f"{live_server.url}/reports/evidence/")
    page.fill("#id_customer", "9999999999")
    page.click("#evidence-generate")
    expect(page.locator("#evidence-errors")).to_contain_text("投资者代码“9999999999”不存在")


class StoppingWorker:
    """Runs one job in a thread, stopping when its progress first says ``STOP_AT``."""

    def __init__(self, monkeypatch):
        self.arrived, self.released = threading.Event(), threading.Event()
        self.failure: BaseException | None = None
        progress = jobs.JobContext.progress

        def stopping(ctx, done, total=None, message=None):
            progress(ctx, done, total, message)
            if message == STOP_AT and not self.arrived.is_set():
                self.arrived.set()
                self.released.wait(WAIT)

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

    def finish(self) -> None:
        self.released.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive() and self.failure is None, self.failure


def test_a_big_batch_runs_as_a_job_with_a_moving_bar_then_downloads(
    branches, personas, login, live_server, tmp_path, settings, monkeypatch
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setattr(views, "DIRECT_LIMIT", 1)
    w = evidence_world.build(branches, personas)
    page = login("hq_admin")
    page.goto(f"{live_server.url}/callbacks/batches/{w.batch.pk}/")
    page.click("#evidence-button")
    expect(page.locator("#id_batch")).to_have_value(w.batch.number)
    page.click("#evidence-generate")
    card = page.locator("[id^=job-]")
    expect(card.locator("[data-job-status]")).to_have_text("排队中")
    job_id = int(card.get_attribute("id").removeprefix("job-"))
    bar = card.locator(".progress-bar")
    worker = StoppingWorker(monkeypatch)
    worker.start(job_id)
    try:
        assert worker.arrived.wait(WAIT), "the job never reached the task sheet"
        expect(card.locator("[data-job-status]")).to_have_text("运行中", timeout=POLL)
        expect(card).to_contain_text(STOP_AT, timeout=POLL)
        total = len(SECTIONS) + 2
        done = [s.title for s in SECTIONS].index("回访任务") + 1
        expect(card).to_contain_text(f"{done} / {total}")
        expect(bar).to_have_attribute("aria-valuenow", str(done * 100 // total))
    finally:
        worker.finish()
    expect(card.locator("[data-job-status]")).to_have_text("已完成", timeout=POLL)
    expect(bar).to_have_attribute("aria-valuenow", "100")
    with page.expect_download() as info:
        card.get_by_role("link", name="下载结果文件").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert _sheets_in_zip(path, tmp_path) == SHEETS
