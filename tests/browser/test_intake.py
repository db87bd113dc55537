"""自动导入 in the browser: HQ opens the page from the menu and sees the drop folders and
a file the worker imported, linked to its import record."""

import os
import time

import pytest
from playwright.sync_api import expect

from huifang.automation import intake
from huifang.core import audit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_hq_sees_an_intake_run(live_server, login, personas, settings, tmp_path):
    settings.INTAKE_DIR = tmp_path / "intake"
    path = settings.INTAKE_DIR / "branches" / "20251231.csv"
    path.parent.mkdir(parents=True)
    path.write_text("部门代码,部门名称,上级部门代码\n010102,期货北京第二营业部,0101\n")
    os.utime(path, (time.time() - 120, time.time() - 120))
    with audit.acting(label="job:自动导入"):
        [run] = intake.run_pass()

    page = login("hq_admin")
    nav = page.locator("#nav")
    nav.get_by_role("button", name="回访任务数据").click()  # the menu group of 回访计划
    nav.get_by_role("link", name="自动导入", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/plans/intake/")
    expect(page.locator('#intake-folders tr[data-dataset="branches"]')).to_contain_text(
        str(settings.INTAKE_DIR / "branches")
    )
    row = page.locator(f'tr[data-run="{run.pk}"]')
    expect(row).to_contain_text("20251231.csv")
    expect(row).to_contain_text("已导入")
    expect(row.get_by_role("link", name=f"#{run.import_record_id}")).to_have_attribute(
        "href", f"/data/imports/{run.import_record_id}/"
    )
    assert page.console_errors == []
