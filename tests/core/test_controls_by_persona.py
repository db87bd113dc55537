"""Every control a persona is shown leads somewhere the persona may go.

Generated, not hand-listed: for each persona a crawl starts at the home page and follows
the navigation and every link, form and htmx request the pages show (each path once), over
a small company with rules, a frozen run, a batch, tasks, records, feedback, an import, a
job and the trading calendar. A link must open (no 403, no 404); a form's or htmx POST
must not be refused (403) — a control the persona may not use must not be shown at all.
"""

from __future__ import annotations

import datetime
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve

from huifang.callbacks.records import services as record_services
from huifang.callbacks.records.models import FailureReason
from huifang.core.models import Job
from huifang.customers.models import ImportRecord
from tests.callbacks.conftest import make_run
from tests.records.conftest import business_type, content, make_task  # noqa: F401

PERSONAS = ["hq_admin", "manager_a", "agent_a", "agent_b", "auditor"]
NOT_FOLLOWED = ("/static/", "/logout/", "/login/")
PER_VIEW = 3


@dataclass
class Control:
    method: str
    url: str
    data: dict = field(default_factory=dict)
    source: str = ""


class Controls(HTMLParser):
    """Links (``a[href]``), forms (action, method, named fields) and htmx requests."""

    def __init__(self, page: str):
        super().__init__()
        self.page = page
        self.found: list[Control] = []
        self.form: Control | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for verb in ("get", "post"):
            if attrs.get(f"hx-{verb}"):
                self.found.append(Control(verb.upper(), attrs[f"hx-{verb}"], source=self.page))
        if tag == "a" and attrs.get("href"):
            self.found.append(Control("GET", attrs["href"], source=self.page))
        elif tag == "form":
            method = (attrs.get("method") or "get").upper()
            self.form = Control(method, attrs.get("action") or self.page, source=self.page)
        elif self.form is not None and tag in ("input", "textarea", "select"):
            name = attrs.get("name")
            kind = attrs.get("type", "")
            if name and "form" not in attrs and kind not in ("checkbox", "radio", "file"):
                self.form.data.setdefault(name, attrs.get("value", ""))
            elif name and kind in ("checkbox", "radio") and "checked" in attrs:
                self.form.data.setdefault(name, attrs.get("value", "on"))

    def handle_endtag(self, tag):
        if tag == "form" and self.form is not None:
            self.found.append(self.form)
            self.form = None


def controls_on(page: str, html: str) -> list[Control]:
    parser = Controls(page)
    parser.feed(html)
    return parser.found


def crawl(client) -> list[str]:
    """Open every page reachable from the home page; return the refused controls.

    Each path once, and at most ``PER_VIEW`` paths of one view and method (six rules'
    edit pages show nothing the third would not)."""
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    per_view: Counter = Counter()

    def sampled(method: str, path: str) -> bool:
        try:
            view = resolve(path).view_name
        except Resolver404:
            return True  # a link to nowhere: opened, so that the 404 is reported
        per_view[method, view] += 1
        return per_view[method, view] <= PER_VIEW

    queue = deque([Control("GET", "/", source="/")])
    while queue:
        control = queue.popleft()
        url = urljoin(f"http://testserver{control.source or '/'}", control.url)
        parts = urlsplit(url)
        if parts.netloc != "testserver" or not parts.path.startswith("/"):
            continue
        if parts.path.startswith(NOT_FOLLOWED) or url.startswith("javascript:"):
            continue
        key = (control.method, parts.path)
        if key in seen or not sampled(control.method, parts.path):
            continue
        seen.add(key)
        target = f"{parts.path}?{parts.query}" if parts.query else parts.path
        if control.method == "GET":
            query = dict(parse_qsl(parts.query), **control.data)
            response = client.get(parts.path + ("?" + urlencode(query) if query else ""))
            if response.status_code >= 400:
                problems.append(f"{response.status_code} GET {target} (from {control.source})")
                continue
        else:
            response = client.post(parts.path, control.data)
            if response.status_code in (403, 404, 405) or response.status_code >= 500:
                problems.append(f"{response.status_code} POST {target} (from {control.source})")
            continue
        kind = response.get("Content-Type", "")
        if response.status_code == 200 and kind.startswith("text/html"):
            if not parts.path.startswith("/api/"):
                html = response.content.decode()
                queue.extend(controls_on(target, html))
    return problems


@pytest.fixture
def company(personas, branches, make_task, content):  # noqa: F811
    """Tasks in both branches (assigned to their agents), records, a feedback, a frozen
    run with hits, an import with an error and a finished job."""
    tasks = {}
    for key, agent in (("a1", "agent_a"), ("b1", "agent_b")):
        task = make_task(key)
        task.assignee = personas[agent]
        task.save()
        tasks[key] = task
    record = record_services.do_create_record(
        tasks["a1"],
        content(status="failure", failure_reason=FailureReason.objects.get(name="无人接听")),
        actor=personas["agent_a"],
        feedback="客户电话无人接听，请营业部核实联系方式",
    )
    record_services.do_create_record(make_task("b1"), content(), actor=personas["agent_b"])
    customers = [tasks["a1"].customer, tasks["b1"].customer]
    make_run({c: ["A001", "A003"] for c in customers}, as_of=datetime.date(2025, 12, 31))
    ImportRecord.objects.create(
        dataset="customers",
        user=personas["hq_admin"],
        branch=branches["hq"],
        status="rejected",
        total_rows=1,
        rejected=1,
        error_count=1,
        errors=[[2, "投资者代码", "", "投资者代码不能为空"]],
    )
    Job.objects.create(
        kind="rules.screen", title="筛选", status="succeeded", created_by=personas["hq_admin"]
    )
    return record


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_control_shown_to_a_persona_may_be_used(company, client_for, persona):
    assert crawl(client_for(persona)) == []


def test_the_crawl_reaches_the_detail_pages(company, client_for):
    """The crawl is only as good as its reach: as an agent it opens a task, a record and
    a customer; as HQ a rule's edit page and a hit's evidence."""
    client = client_for("agent_a")
    reached = []
    original = client.get

    def spy(path, *args, **kwargs):
        reached.append(path)
        return original(path, *args, **kwargs)

    client.get = spy
    crawl(client)
    paths = " ".join(reached)
    for fragment in ("/callbacks/tasks/", "/records/", "/customers/"):
        assert fragment in paths
    assert f"/records/{company.pk}/" in paths


def test_a_permission_granted_alone_shows_no_control_it_cannot_use(company, personas, client):
    """An auditor granted the record permissions alone (no task permission): a form that
    the task's own permission would refuse is not offered."""
    from django.contrib.auth.models import Permission

    auditor = personas["auditor"]
    auditor.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="records",
            codename__in=["add_callbackrecord", "change_callbackrecord"],
        )
    )
    client.force_login(auditor)
    assert crawl(client) == []
