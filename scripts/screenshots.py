"""Take the documentation's screenshots from a running demo (``make run`` in another shell).

Usage: .venv/bin/python scripts/screenshots.py [--url http://127.0.0.1:8000] [--password PW] [NAME ...]
Writes docs/screenshots/<name>.png (only the NAMEs given, or every shot). Uses Debian's
Chromium through Playwright. Each shot is taken as the demo user of the role that works the
page (hq_admin, 010101_manager, 010101_agent1, auditor; the H5 questionnaire without a login,
at 375×667); ``make run`` starts the task worker the import shots need.

Pages are only looked at, except two shots that do what a user does: ``import_preview`` uploads
a branches file with two bad rows and ``import_result`` confirms it (the import is refused
whole, so nothing changes but a new 导入记录), and ``task_assign`` opens the 分配给专员
confirmation page without confirming it.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

DESKTOP = {"width": 1400, "height": 860}
PHONE = {"width": 375, "height": 667}

# A branches file: the demo's own rows (unchanged) and two invalid ones, so the import is
# refused whole and the result page shows the row report.
BRANCHES_CSV = (
    "部门代码,部门名称,上级部门代码\n"
    "01,总部,\n"
    "0101,北京分公司,01\n"
    "010101,北京朝阳营业部,0101\n"
    "010199,,0101\n"
    "010198,北京测试营业部,0199\n"
)


@dataclass
class Shot:
    name: str
    path: str | Callable[[Page, str], str | None]
    user: str | None = "hq_admin"  # None: not logged in
    viewport: dict | None = None
    full_page: bool = False


def _first_my_task(page: Page, url: str) -> str | None:
    """The agent's first open task, as their workbench lists it."""
    page.goto(url + "/")
    for link in page.locator(".page-body a[href^='/callbacks/tasks/']").all():
        href = link.get_attribute("href") or ""
        if re.fullmatch(r"/callbacks/tasks/\d+/", href):
            return href
    return None


def _task_records(page: Page, url: str) -> str | None:
    task = _first_my_task(page, url)
    return task and task.replace("/callbacks/tasks/", "/records/tasks/")


def _unfrozen_run(page: Page, url: str) -> str | None:
    """The newest screening not yet 数据落地 (its page offers the button)."""
    page.goto(url + "/rules/screening/runs/?status=preview")
    for link in page.locator(".page-body a[href^='/rules/screening/runs/']").all():
        href = link.get_attribute("href") or ""
        if re.fullmatch(r"/rules/screening/runs/\d+/", href):
            return href
    return None


def _record_form(page: Page, url: str) -> str | None:
    task = _first_my_task(page, url)
    return task and task.replace("/callbacks/tasks/", "/records/tasks/") + "new/"


def _offline_entry(page: Page, url: str) -> str | None:
    task = _first_my_task(page, url)
    return task and task.replace("/callbacks/tasks/", "/surveys/offline/")


def _h5_link(page: Page, url: str) -> str | None:
    """An open H5 invitation's link, from the task pages the demo sent H5 questionnaires to."""
    for pk in range(1, 60):
        page.goto(f"{url}/callbacks/tasks/{pk}/")
        field = page.locator("[data-h5-link]").first
        if field.count():
            link = field.input_value()
            return link[link.index("/q/") :]
    return None


def _import_preview(page: Page, url: str) -> str | None:
    page.goto(url + "/data/import/")
    page.select_option("#id_dataset", "branches")
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "部门-示例.csv"
        csv.write_text(BRANCHES_CSV, encoding="utf-8")
        page.set_input_files("#id_file", str(csv))
        page.click("[data-import-submit]")
    page.wait_for_load_state("networkidle")
    return ""  # stay on the preview page


def _import_result(page: Page, url: str) -> str | None:
    _import_preview(page, url)
    page.click("[data-import-submit]")
    page.wait_for_load_state("networkidle")
    # the progress card polls until the worker finishes; then open the import record
    page.goto(url + "/data/imports/")
    page.wait_for_load_state("networkidle")
    for link in page.locator(".page-body a[href^='/data/imports/']").all():
        href = link.get_attribute("href") or ""
        if re.fullmatch(r"/data/imports/\d+/", href):
            return href
    return None


def _task_assign(page: Page, url: str) -> str | None:
    page.goto(url + "/callbacks/tasks/?status=open")
    page.locator("input[name=pk]").first.check()
    page.click("button[value=assign]")
    page.wait_for_load_state("networkidle")
    return ""


SHOTS = [
    # the pages README.md and docs/users.md show
    Shot("home", "/"),
    Shot("rules", "/rules/"),
    Shot("screening", "/rules/screening/runs/1/"),
    Shot("customers", "/customers/"),
    Shot("customer", "/customers/0000000003/"),
    Shot("imports", "/data/import/"),
    Shot("tasks", "/callbacks/tasks/"),
    Shot("records", "/records/"),
    Shot("survey_results", "/surveys/results/"),
    Shot("sms", "/sms/"),
    Shot("calls", "/calls/"),
    Shot("dashboard", "/reports/"),
    Shot("compliance", "/reports/compliance/"),
    Shot("measures", "/reports/measures/"),
    Shot("evidence", "/reports/evidence/"),
    # the steps of docs/user-guide.md
    Shot("login", "/login/", user=None),
    Shot("import_preview", _import_preview),
    Shot("import_result", _import_result),
    Shot("rule_detail", "/rules/A002/"),
    Shot("rule_edit", "/rules/A002/edit/"),
    Shot("custom_rule", "/rules/custom/new/"),
    Shot("screening_form", "/rules/screening/new/"),
    Shot("screening_preview", _unfrozen_run),
    Shot("batch", "/callbacks/batches/1/"),
    Shot("task_assign", _task_assign, user="010101_manager"),
    Shot("workbench_agent", "/", user="010101_agent1"),
    Shot("task", _first_my_task, user="010101_agent1"),
    Shot("task_records", _task_records, user="010101_agent1"),
    Shot("record_form", _record_form, user="010101_agent1", full_page=True),
    Shot("offline_entry", _offline_entry, user="010101_agent1"),
    Shot("h5", _h5_link, user=None, viewport=PHONE),
    Shot("audit", "/system/audit/", user="auditor"),
    Shot("api_token", "/org/token/"),
]


def _login(page: Page, url: str, user: str, password: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("#id_username", user)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--password", default=None)
    parser.add_argument("names", nargs="*", help="only these shots (default: all)")
    args = parser.parse_args()
    url = args.url.rstrip("/")
    password = (
        args.password
        or (Path(os.environ.get("HUIFANG_DATA_DIR", "var")) / "demo_password").read_text().strip()
    )
    unknown = set(args.names) - {shot.name for shot in SHOTS}
    if unknown:
        parser.error("unknown shot: " + ", ".join(sorted(unknown)))
    out = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    # H5 links are found as HQ, then opened without a login
    resolve_as = {"h5": "hq_admin"}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
            ],
        )
        for shot in SHOTS:
            if args.names and shot.name not in args.names:
                continue
            context = browser.new_context(viewport=shot.viewport or DESKTOP, locale="zh-CN")
            page = context.new_page()
            path = shot.path
            if callable(path):
                resolver = resolve_as.get(shot.name, shot.user)
                if resolver:
                    _login(page, url, resolver, password)
                path = path(page, url)
                if path is None:
                    print(f"skip {shot.name}: nothing to show in this demo")
                    context.close()
                    continue
                if resolver != shot.user:
                    context.close()
                    context = browser.new_context(viewport=shot.viewport or DESKTOP, locale="zh-CN")
                    page = context.new_page()
            elif shot.user:
                _login(page, url, shot.user, password)
            if path:
                response = page.goto(url + path)
                if response is None or response.status >= 400:
                    print(f"skip {shot.name}: {path} answered {response and response.status}")
                    context.close()
                    continue
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(out / f"{shot.name}.png"), full_page=shot.full_page)
            print(f"wrote {shot.name}.png")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
