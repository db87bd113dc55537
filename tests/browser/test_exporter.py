"""Issue 15 part 4 in a browser: the record list's 导出 (the one exporter) downloads the
rows the page shows, masked as the page, a formula name neutralised, and writes exactly one
audit row per click."""

from __future__ import annotations

import csv
import datetime
import io
import pathlib

import openpyxl
import pytest

from tests.customers import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def records(branches, personas):
    from django.utils import timezone

    from huifang.callbacks.models import Batch, BusinessType, CallbackTask
    from huifang.callbacks.records import services
    from huifang.rules.models import ScreeningRun

    business_type = BusinessType.objects.filter(is_active=True).order_by("pk").first()
    run = ScreeningRun.objects.create(as_of=datetime.date(2025, 12, 31), status="frozen")
    batch = Batch.objects.create(
        number="3100000001", run=run, business_type=business_type, as_of=run.as_of
    )
    called_at = (timezone.now() - datetime.timedelta(hours=1)).replace(microsecond=0)
    made = []
    for n, name in enumerate(["=HYPERLINK(1)", "王五"], start=1):
        customer = factories.customer(
            f"091000000{n}", branches["a1"], name=name, mobile=f"1381234567{n}"
        )
        task = CallbackTask.objects.create(
            customer=customer,
            branch=branches["a1"],
            business_type=business_type,
            batch=batch,
            rule_codes=",A001,",
            reasons="新开户客户",
        )
        made.append(
            services.do_create_record(
                task,
                {
                    "status": "success",
                    "failure_reason": None,
                    "method": "phone",
                    "called_at": called_at - datetime.timedelta(minutes=n),
                    "duration_seconds": "01:35",
                    "mobile_used": "",
                    "remark": "",
                },
                actor=personas["agent_a"],
            )
        )
    return made


def download(page, label: str) -> str:
    page.get_by_role("button", name="导出").click()
    with page.expect_download() as info:
        page.get_by_role("link", name=label).click()
    return info.value.path()


def shown(page, header: str) -> list[str]:
    return page.evaluate(
        """header => {
            const table = document.querySelector('.card .table');
            const names = [...table.querySelectorAll('thead th')].map(th => th.innerText.trim());
            const at = names.indexOf(header);
            return [...table.querySelectorAll('tbody tr')].map(
                tr => tr.children[at].innerText.trim());
        }""",
        header,
    )


def test_record_list_export_is_masked_as_the_page_and_audited_once(login, records):
    from huifang.core.models import AuditEvent

    page = login("hq_admin")
    page.goto(page.url + "records/")
    phones, names = shown(page, "联系电话"), shown(page, "账户名称")
    assert phones == ["138****5671", "138****5672"]

    with open(download(page, "导出 CSV"), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["联系电话"] for r in rows] == phones
    assert [r["账户名称"] for r in rows] == ["'" + names[0], names[1]]
    assert AuditEvent.objects.filter(action="export").count() == 1

    # a download's path has no ending: openpyxl reads it as bytes
    data = io.BytesIO(pathlib.Path(download(page, "导出 Excel")).read_bytes())
    sheet = openpyxl.load_workbook(data).active
    header = [c.value for c in sheet[1]]
    column = header.index("联系电话") + 1
    assert [sheet.cell(r, column).value for r in (2, 3)] == phones
    events = AuditEvent.objects.filter(action="export", object_type="records.callbackrecord")
    assert [e.user.username for e in events] == ["hq_admin", "hq_admin"]
