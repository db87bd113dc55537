"""Take the README's screenshots from a running demo (``make run`` in another shell).

Usage: .venv/bin/python scripts/screenshots.py [--url http://127.0.0.1:8000] [--password PW]
Writes docs/screenshots/<name>.png. Uses Debian's Chromium through Playwright.
"""

import argparse
import os
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = {
    "home": "/",
    "rules": "/rules/",
    "screening": "/rules/screening/runs/1/",
    "customers": "/customers/",
    "customer": "/customers/0000000003/",
    "imports": "/data/import/",
    "tasks": "/callbacks/tasks/",
    "records": "/records/",
    "survey_results": "/surveys/results/",
    "sms": "/sms/",
    "calls": "/calls/",
    "dashboard": "/reports/",
    "compliance": "/reports/compliance/",
    "measures": "/reports/measures/",
    "evidence": "/reports/evidence/",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="hq_admin")
    parser.add_argument("--password", default=None)
    args = parser.parse_args()
    password = (
        args.password
        or (Path(os.environ.get("HUIFANG_DATA_DIR", "var")) / "demo_password").read_text().strip()
    )
    out = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
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
        page = browser.new_page(viewport={"width": 1400, "height": 860}, locale="zh-CN")
        page.goto(f"{args.url}/login/")
        page.fill("#id_username", args.user)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{args.url}/")
        for name, path in PAGES.items():
            response = page.goto(args.url + path)
            if response is None or response.status >= 400:
                print(f"skip {name}: {path} answered {response and response.status}")
                continue
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(out / f"{name}.png"))
            print(f"wrote {name}.png")
        browser.close()


if __name__ == "__main__":
    main()
