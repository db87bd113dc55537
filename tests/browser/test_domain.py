"""Pages need a login through Django's own mechanism: a visitor is sent to the login form
and back to the page asked for; logging out returns to the login form. The page shown is
the overdue task list, whose rows come from ``CallbackTask.objects.overdue``."""

from __future__ import annotations

import datetime
import re
from urllib.parse import quote

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from huifang.callbacks import services
from huifang.callbacks.models import BusinessType, CallbackTask
from tests.callbacks.conftest import make_customer, make_run
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def tasks(branches, personas):
    """Three open tasks in 010101: one past its deadline, one due today, one without one."""
    customers = [make_customer(branches["a1"], code=f"0101000{n}") for n in range(3)]
    annual = BusinessType.objects.get(name="年度适当性回访")
    services.do_create_batch(
        make_run({c: ["A003"] for c in customers}), annual, actor=personas["hq_admin"]
    )
    today = timezone.localdate()
    deadlines = [today - datetime.timedelta(days=2), today, None]
    for customer, deadline in zip(customers, deadlines, strict=True):
        CallbackTask.objects.filter(customer=customer).update(deadline=deadline)
    return CallbackTask.objects.overdue()


def test_a_visitor_signs_in_lands_on_the_page_asked_for_and_signs_out(page, live_server, tasks):
    wanted = "/callbacks/tasks/?overdue=true"
    page.goto(live_server.url + wanted)
    expect(page).to_have_url(f"{live_server.url}/login/?next={quote(wanted, safe='/')}")

    page.fill("#id_username", "manager_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    expect(page).to_have_url(live_server.url + wanted)
    rows = page.locator("table tbody tr")
    expected = sorted(t.customer.investor_code for t in tasks)
    assert expected == ["01010000"]
    expect(rows).to_have_count(len(expected))
    expect(rows.first).to_contain_text(expected[0])
    expect(rows.first).to_have_class(re.compile(r"\btable-overdue\b"))

    page.click("#user-menu")
    page.click("text=退出登录")
    expect(page).to_have_url(f"{live_server.url}/login/")
    page.goto(live_server.url + "/callbacks/tasks/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/callbacks/tasks/")
