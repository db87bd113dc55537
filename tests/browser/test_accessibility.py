"""Accessibility basics, checked with axe-core (npm, ``node_modules/axe-core``) on the pages
each persona works in: every input named, text readable against its background (WCAG 2 AA
contrast), buttons and links named, one ``<main>`` and nothing outside a landmark; and a
keyboard user sees where the focus is."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from huifang.callbacks.models import Batch, CallbackTask
from huifang.callbacks.records.models import CallbackRecord
from huifang.reports.models import Measure
from huifang.rules.models import ScreeningRun
from huifang.surveys.choices import Channel, InvitationStatus
from huifang.surveys.models import Invitation, Questionnaire

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AGENT = "010101_agent1"  # the demo agent with callback records
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING_IMPACTS = {"serious", "critical"}
# axe rates these "moderate", but they are what lets a screen-reader user jump to the page's
# content: one <main>, and nothing outside a landmark.
LANDMARK_RULES = {"landmark-one-main", "region"}


def axe_violations(page) -> list[dict]:
    """The page's violations that fail the check. Playwright's evaluate runs outside the
    page's Content-Security-Policy, so axe needs no inline script allowance."""
    if not page.evaluate("typeof window.axe === 'object'"):
        source = settings.NODE_MODULES / "axe-core" / "axe.min.js"
        assert source.exists(), f"{source} is missing: run npm ci"
        page.evaluate(source.read_text("utf-8"))
    found = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r =>
            r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' '))})))""",
        TAGS,
    )
    return [v for v in found if v["impact"] in FAILING_IMPACTS or v["id"] in LANDMARK_RULES]


def describe(report: dict[str, list[dict]]) -> str:
    lines = []
    for path, violations in report.items():
        for v in violations:
            nodes = "; ".join(v["nodes"][:5]) + (" …" if len(v["nodes"]) > 5 else "")
            lines.append(f"{path}: {v['id']} ({v['impact']}) {v['help']} — {nodes}")
    return "\n".join(lines)


def check_pages(page, base: str, paths: list[str]) -> None:
    report = {}
    for path in paths:
        response = page.goto(f"{base}{path}")
        assert response.status < 400, path
        report[path] = axe_violations(page)
    report = {path: found for path, found in report.items() if found}
    assert not report, "axe-core violations:\n" + describe(report)


def nav_links(page) -> list[str]:
    return page.eval_on_selector_all(
        "#nav a[href^='/']", "els => els.map(e => e.getAttribute('href'))"
    )


def hq_admin_pages(page) -> list[str]:
    """Every entry of the HQ admin's menu, their messages and a detail page of each kind."""
    task = CallbackTask.objects.filter(records__isnull=False).order_by("pk").first()
    return [
        *nav_links(page),
        "/plans/messages/",
        f"/customers/{task.customer.investor_code}/",
        "/rules/A002/",
        f"/rules/screening/runs/{ScreeningRun.objects.order_by('pk').first().pk}/",
        f"/callbacks/batches/{Batch.objects.order_by('pk').first().pk}/",
        f"/callbacks/tasks/{task.pk}/",
        f"/records/tasks/{task.pk}/",
        f"/records/{CallbackRecord.objects.order_by('pk').first().pk}/",
        f"/surveys/{Questionnaire.objects.order_by('pk').first().pk}/",
        f"/reports/measures/{Measure.objects.order_by('pk').first().pk}/",
        "/org/users/new/",
    ]


def agent_pages(page) -> list[str]:
    """The agent's menu, a task of theirs, its records and the form for a new one."""
    task = CallbackTask.objects.filter(
        assignee__username=AGENT, status__in=("new", "in_progress")
    ).order_by("pk")[0]
    return [
        *nav_links(page),
        f"/callbacks/tasks/{task.pk}/",
        f"/records/tasks/{task.pk}/",
        f"/records/tasks/{task.pk}/new/",
    ]


def manager_pages(page) -> list[str]:
    """The branch manager's menu and the pages they distribute and follow up from."""
    task = CallbackTask.objects.filter(
        branch__code__startswith="010101", records__isnull=False
    ).order_by("pk")[0]
    return [*nav_links(page), f"/callbacks/tasks/{task.pk}/", f"/records/tasks/{task.pk}/"]


def auditor_pages(page) -> list[str]:
    """The auditor's menu (the audit log among it) and a task they read."""
    task = CallbackTask.objects.filter(records__isnull=False).order_by("pk")[0]
    return [*nav_links(page), f"/callbacks/tasks/{task.pk}/", f"/records/tasks/{task.pk}/"]


@pytest.mark.parametrize(
    ("username", "pages"),
    [
        ("hq_admin", hq_admin_pages),
        (AGENT, agent_pages),
        ("010101_manager", manager_pages),
        ("auditor", auditor_pages),
    ],
)
def test_a_persona_s_pages_pass_the_accessibility_checks(
    demo, demo_login, live_server, username, pages
):
    page = demo_login(username)

    check_pages(page, live_server.url, ["/", *pages(page)])


def test_the_login_page_and_the_h5_questionnaire_pass_the_accessibility_checks(
    demo, page, live_server
):
    invitation = (
        Invitation.objects.filter(channel=Channel.H5)
        .exclude(status__in=(InvitationStatus.ANSWERED, InvitationStatus.EXPIRED))
        .order_by("pk")
        .first()
    )

    check_pages(page, live_server.url, ["/login/", f"/q/{invitation.token}"])


def focus_indicator(element) -> dict:
    """What marks ``element`` on screen: its outline (style, width) and box shadow."""
    return element.evaluate(
        """el => { const s = getComputedStyle(el);
            return {outline: [s.outlineStyle, parseFloat(s.outlineWidth)], shadow: s.boxShadow}; }"""
    )


def test_a_keyboard_user_skips_to_the_record_form_and_sees_where_the_focus_is(
    personas, make_open_task, login, live_server
):
    task = make_open_task("a1")
    page = login("agent_a")
    page.goto(f"{live_server.url}/records/tasks/{task.pk}/new/")
    form = page.locator("#record-form")
    first_field = form.locator("input:not([type=hidden]), select, textarea").first
    at_rest = focus_indicator(first_field)

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    for _ in range(60):
        page.keyboard.press("Tab")
        if form.evaluate("(f) => f.contains(document.activeElement)"):
            break

    expect(first_field).to_be_focused()
    focused = focus_indicator(first_field)
    style, width = focused["outline"]
    ring = focused["outline"] != at_rest["outline"] and style != "none" and width > 0
    glow = focused["shadow"] not in (at_rest["shadow"], "none")
    assert ring or glow, f"no visible focus: at rest {at_rest}, focused {focused}"
