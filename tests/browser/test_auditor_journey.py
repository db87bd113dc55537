"""The auditor's journey through the pages (issue 21): every page of their menu opens,
reads the demo company's rows, offers no control that writes (only exports, their own
messages and 证据包, which is theirs to generate), and a write they post anyway is refused
with nothing changed; the audit log shows what the others did."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from huifang.core.models import AuditEvent

pytestmark = pytest.mark.browser

# Forms an auditor may post: signing out, marking their own messages read, generating an
# evidence package (reports.generate_evidence is part of the role).
ALLOWED_POSTS = re.compile(r"^/(logout/|plans/messages/|reports/evidence/)")
WRITE_LINKS = re.compile(r"/(new|edit|delete|import|upload)/?($|\?)")


def write_controls(page) -> list[str]:
    """The page's forms that post somewhere an auditor may not, and links to write pages."""
    posts = page.eval_on_selector_all(
        "form",
        """fs => fs.filter(f => (f.getAttribute('method') || 'get').toLowerCase() === 'post')
                  .map(f => new URL(f.action, location.href).pathname)""",
    )
    links = page.eval_on_selector_all(
        "main a[href^='/']", "els => els.map(e => e.getAttribute('href'))"
    )
    return [f"POST {p}" for p in posts if not ALLOWED_POSTS.match(p)] + [
        f"link {href}" for href in links if WRITE_LINKS.search(href)
    ]


def test_the_auditor_reads_every_page_and_can_change_nothing(demo, demo_login, live_server):
    base = live_server.url
    failed: list[str] = []
    page = demo_login("auditor")
    page.on("requestfailed", lambda r: failed.append(r.url))
    menu = page.eval_on_selector_all(
        "#nav a[href^='/']", "els => els.map(e => e.getAttribute('href'))"
    )
    assert {"/system/audit/", "/callbacks/tasks/", "/records/"} <= {m.split("?")[0] for m in menu}

    found = {}
    for path in menu:
        response = page.goto(f"{base}{path}")
        assert response.status == 200, path
        controls = write_controls(page)
        if controls:
            found[path] = controls
    assert not found, f"write controls shown to the auditor: {found}"

    page.goto(f"{base}/callbacks/tasks/")
    expect(page.locator("table tbody tr").first).to_be_visible()
    token = page.context.cookies()
    csrf = next(c["value"] for c in token if c["name"] == "csrftoken")
    before = AuditEvent.objects.exclude(action__in=["login", "view_sensitive"]).count()
    refused = page.request.post(
        f"{base}/callbacks/tasks/bulk/",
        form={"action": "cancel", "pk": "1", "confirmed": "1", "reason": "稽核不能取消"},
        headers={"X-CSRFToken": csrf, "Referer": f"{base}/callbacks/tasks/"},
    )
    assert refused.status == 403
    assert AuditEvent.objects.exclude(action__in=["login", "view_sensitive"]).count() == before

    page.goto(f"{base}/system/audit/")
    expect(page.locator("table tbody tr").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("加入回访名单")
    assert page.console_errors == [] and failed == []


def test_the_auditor_s_detail_pages_offer_no_write_control(demo, demo_login, live_server):
    """Beyond the menu: a rule, a screening, a batch, a customer, a task, its records and a
    measure — the pages where the others change things — show the auditor no write control."""
    from huifang.callbacks.models import Batch, CallbackTask
    from huifang.callbacks.records.models import CallbackRecord
    from huifang.reports.models import Measure
    from huifang.rules.models import ScreeningRun

    task = CallbackTask.objects.filter(records__isnull=False, status="in_progress").first()
    record = CallbackRecord.objects.filter(task=task).first()
    paths = [
        "/rules/A002/",
        f"/rules/screening/runs/{ScreeningRun.objects.get().pk}/",
        f"/callbacks/batches/{Batch.objects.get().pk}/",
        f"/customers/{task.customer.investor_code}/",
        f"/callbacks/tasks/{task.pk}/",
        f"/records/tasks/{task.pk}/",
        f"/records/{record.pk}/",
        f"/reports/measures/{Measure.objects.order_by('pk').first().pk}/",
    ]
    page = demo_login("auditor")
    found = {}
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        controls = write_controls(page)
        if controls:
            found[path] = controls
    assert found == {}
    expect(page.get_by_role("button", name="变更状态")).to_have_count(0)
    assert page.console_errors == [] and page.failed_requests == []
