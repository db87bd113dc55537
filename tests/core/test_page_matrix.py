"""The authorization matrix of the pages: every URL pattern outside the API (enumerated
from the URL resolver: a pattern missing from ``PAGES`` fails, so no page is forgotten) ×
every persona (anonymous, HQ admin, branch manager A, agent A, agent B of the sibling
branch, auditor) → the status the page must answer.

Anonymous → the login page (except the public pages); a persona without the page's
permission → 403; an object of a branch the persona cannot see → 404, never the page; the
others → the page (or its documented redirect). A form or an action is POSTed empty by
every persona refused it: refused the same way, with no audit row and no object of the
world changed. ``test_page_idor`` tries the other branch's ids in filters, exports and
bodies.

The world (``tests.page_world``: the API matrix's, plus an open task with everything
hanging from it in each sibling branch) is built once for the module (``page_world``).
The expected statuses come from ``PAGES`` and the roles' permissions in ``org.roles``,
never from the views themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatch
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from huifang.core.models import AuditEvent
from huifang.org.models import Role
from huifang.org.roles import ROLE_PERMISSIONS

ANONYMOUS = "anonymous"
PERSONAS = [ANONYMOUS, "hq_admin", "manager_a", "agent_a", "agent_b", "auditor"]
SIGNED_IN = PERSONAS[1:]
ROLES = {
    "hq_admin": Role.HQ_ADMIN,
    "manager_a": Role.BRANCH_MANAGER,
    "agent_a": Role.AGENT,
    "agent_b": Role.AGENT,
    "auditor": Role.AUDITOR,
}

# Who sees side a's object (营业部 010101 under 北京分公司) and side b's (010201 under
# 上海分公司), by how its model is scoped.
BRANCH = {
    "a": {"hq_admin", "auditor", "manager_a", "agent_a"},
    "b": {"hq_admin", "auditor", "agent_b"},
}
OWNER = {"a": {"hq_admin", "auditor", "agent_a"}, "b": {"hq_admin", "auditor", "agent_b"}}
# A person's own: the agent assigned the side's task, the recipient of a message.
ASSIGNEE = RECIPIENT = {"a": {"agent_a"}, "b": {"agent_b"}}
# A call list: its maker's (a's by manager A, b's by HQ) and HQ's.
MAKER = {"a": {"hq_admin", "manager_a"}, "b": {"hq_admin"}}
# Who reads a call list: its maker and whoever reads every call list (HQ, the auditor).
PUSH_READERS = {side: {*makers, "auditor"} for side, makers in MAKER.items()}

SUFFIX = {"a": "", "b": "-b"}  # test ids: ``task_detail-agent_b`` (a's task), ``…-agent_b-b``

PUBLIC = "public"  # no login at all
ANY = ""  # any signed-in user


@dataclass(frozen=True)
class Page:
    """What one URL pattern needs and answers.

    ``need``: the permission(s) a persona must hold (``ANY``, or ``PUBLIC``); ``args``:
    the URL's kwargs from the world (its side's objects over the shared ones); ``sees``:
    who sees side a's and side b's object (None: the object is shared, or there is none);
    ``ok``: what the page answers those allowed (200, or its redirect); ``get``: what a
    GET answers every signed-in persona whatever their rights (405 for an action, 302 for
    an action whose GET goes back to its list); ``lookup``: the permission in whose scope
    the view finds the object before it checks ``need`` (a persona without it, or with the
    object outside it, gets a 404 as for an object that does not exist); ``only``: who
    alone may, of those who see the object (the task's own agent; the others 403);
    ``post``: whether the page takes a POST (forms and actions), ``post_need`` what a POST
    needs beyond ``need`` (then it takes one); ``anonymous``: what a public page answers
    a visitor without a session when it differs from ``ok``; ``query``: the query string
    the page is opened with."""

    need: str | tuple[str, ...]
    args: Callable[[dict], dict] | None = None
    sees: dict[str, set[str]] | None = None
    ok: int = 200
    get: int | None = None
    lookup: str | None = None
    only: dict[str, set[str]] | None = None
    post: bool = False
    post_need: str | None = None
    anonymous: int | None = None
    query: Callable[[dict], str] | None = None


def pk(name: str, kwarg: str = "pk") -> Callable[[dict], dict]:
    return lambda w: {kwarg: w[name].pk}


def fixed(**kwargs) -> Callable[[dict], dict]:
    return lambda w: kwargs


def action(need, args=None, sees=None, **options) -> Page:
    """An action: POST only, a GET is 405."""
    return Page(need, args, sees, get=405, post=True, **options)


def form(need, args=None, sees=None, **options) -> Page:
    return Page(need, args, sees, post=True, **options)


QN = pk("questionnaire")
VERSION = lambda w: {"pk": w["questionnaire"].pk, "number": 1}  # noqa: E731
QUESTION = lambda w: {"pk": w["questionnaire"].pk, "qid": "identity"}  # noqa: E731
YEAR = fixed(year=2026)
TASK = pk("task", "task_pk")
DATASET = fixed(dataset="daily")

PAGES: dict[str, Page] = {
    # -- the site's own
    "home": Page(ANY),
    "healthz": Page(PUBLIC),
    "login": Page(PUBLIC, ok=302, anonymous=200),  # a signed-in user goes home
    "otp_verify": Page(ANY, ok=302),  # without a device there is nothing to verify
    "logout": Page(PUBLIC, get=405),
    "password_change": form(ANY),
    "password_change_done": Page(ANY),
    "survey_h5": Page(PUBLIC, lambda w: {"token": w["invitation"].token}, ok=409),  # answered
    # -- 系统管理
    "partners:partner_list": Page("partners.view_partner"),
    "partners:partner_create": form("partners.add_partner"),
    "partners:partner_detail": Page("partners.view_partner", pk("partner")),
    "partners:partner_edit": form("partners.change_partner", pk("partner")),
    "partners:partner_reset": form("partners.change_partner", pk("partner")),
    "partners:delivery_retry": action("partners.change_delivery", pk("delivery")),
    "core:audit_list": Page("core.view_auditevent"),
    "core:job_list": Page("core.view_job"),
    "core:job_detail": Page("core.view_job", pk("job"), OWNER),
    "core:job_progress": Page("core.view_job", pk("job"), OWNER),
    "core:job_download": Page("core.view_job", pk("job"), OWNER),
    "core:calendar": Page("core.view_calendaryear"),
    "core:calendar_year_create": action("core.change_calendaryear"),
    "core:calendar_import": action("core.change_calendaryear"),
    "core:calendar_year": Page("core.view_calendaryear", YEAR),
    "core:calendar_holiday_add": action("core.change_calendaryear", YEAR),
    "core:calendar_holiday_remove": action(
        "core.change_calendaryear", lambda w: {"year": 2026, "pk": w["holiday"].pk}
    ),
    "core:calendar_year_complete": action("core.change_calendaryear", YEAR),
    # -- 组织
    "org:branch_list": Page("org.view_branch"),
    "org:user_list": Page("org.view_user"),
    "org:user_create": form("org.add_user"),
    "org:user_edit": form("org.change_user", pk("user"), BRANCH),
    "org:login_history": Page("org.view_user", pk("user"), BRANCH),
    "org:api_token": form(ANY),
    "org:otp": form(ANY),
    "org:otp_reset": Page(
        "org.change_user", pk("user"), BRANCH, get=302, lookup="org.view_user", post=True
    ),
    "org:lockouts": form("org.change_user"),
    # -- 客户, 数据接口
    "customers:customer_list": Page("customers.view_customer"),
    "customers:customer_detail": Page(  # a POST shows the customer unmasked
        "customers.view_customer",
        lambda w: {"investor_code": w["customer"].investor_code},
        BRANCH,
        post_need="customers.reveal_sensitive",
    ),
    "imports:upload": form("customers.import_data"),
    "imports:confirm": action("customers.import_data"),
    "imports:template": Page("customers.import_data", fixed(dataset="customers")),
    "imports:record_list": Page("customers.view_importrecord"),
    "imports:record_detail": Page("customers.view_importrecord", pk("import"), BRANCH),
    "imports:report": Page("customers.view_importrecord", pk("import"), BRANCH),
    # -- 回访规则, 筛选
    "rules:rule_list": Page("rules.view_rule"),
    "rules:param_list": Page("rules.view_rule"),
    "rules:custom_create": form("rules.add_rule"),
    "rules:custom_preview": action("rules.add_rule"),
    "rules:rule_detail": Page("rules.view_rule", fixed(code="A001")),
    "rules:rule_edit": form("rules.change_rule", fixed(code="A001")),
    "rules:rule_toggle": action("rules.change_rule", fixed(code="A001")),
    "rules:version_compare": Page("rules.view_rule", fixed(code="A001")),
    "rules:screening": form("rules.add_screeningrun"),
    "rules:run_list": Page("rules.view_screeningrun"),
    "rules:run_detail": Page("rules.view_screeningrun", pk("run_ab")),
    "rules:run_freeze": action("rules.change_screeningrun", pk("run_ab")),
    "rules:hit_detail": Page(
        "rules.view_hit", lambda w: {"pk": w["run_ab"].pk, "hit_pk": w["hit"].pk}, BRANCH
    ),
    "rules:whatif": Page("rules.view_screeningrun", post_need="rules.add_screeningrun"),
    # -- 回访任务
    "callbacks:task_list": Page("callbacks.view_callbacktask"),
    "callbacks:task_bulk": Page("callbacks.manage_callbacktask", get=302, post=True),
    "callbacks:task_detail": Page("callbacks.view_callbacktask", pk("task"), BRANCH),
    "callbacks:distribution": Page(  # 分配设置 (lists the agents: not for agents); a POST changes them
        ("callbacks.view_branchdistribution", "org.view_user"),
        post_need="callbacks.manage_callbacktask",
    ),
    "callbacks:task_start": action(
        "callbacks.change_callbacktask", pk("task"), BRANCH, lookup="callbacks.view_callbacktask"
    ),
    "callbacks:task_numbers": action(  # 显示号码: the task's own agent alone
        "callbacks.view_callbacktask", pk("task"), BRANCH, only=ASSIGNEE
    ),
    "callbacks:batch_list": Page("callbacks.view_batch"),
    "callbacks:batch_create": form("callbacks.add_batch"),
    "callbacks:batch_detail": Page("callbacks.view_batch", pk("batch_ab")),
    "callbacks:businesstype_list": Page("callbacks.view_businesstype"),
    "callbacks:businesstype_create": form("callbacks.add_businesstype"),
    "callbacks:businesstype_edit": form("callbacks.change_businesstype", pk("business_type")),
    # -- 回访记录
    "records:record_list": Page("records.view_callbackrecord"),
    "records:agent_counts": Page("records.view_callbackrecord"),
    "records:record_detail": Page("records.view_callbackrecord", pk("record"), BRANCH),
    "records:record_edit": form(
        "records.change_callbackrecord",
        pk("record"),
        BRANCH,
        lookup="records.view_callbackrecord",
    ),
    "records:record_history": Page("records.view_callbackrecord", pk("record"), BRANCH),
    "records:attachment_download": Page("records.view_recordattachment", pk("attachment"), BRANCH),
    "records:task_records": Page("records.view_callbackrecord", TASK, BRANCH),
    "records:record_create": form("records.add_callbackrecord", TASK, BRANCH),
    "records:task_feedback": action(
        "records.change_callbackrecord", TASK, BRANCH, lookup="callbacks.view_callbacktask"
    ),
    "records:task_close_unreachable": action(
        "callbacks.manage_callbacktask", TASK, BRANCH, lookup="callbacks.view_callbacktask"
    ),
    "records:feedback_list": Page("records.view_branchfeedback"),
    "records:feedback_handle": action(
        "records.change_branchfeedback",
        pk("feedback"),
        BRANCH,
        lookup="records.view_branchfeedback",
    ),
    "records:reason_list": Page("records.view_failurereason"),
    "records:reason_create": form("records.add_failurereason"),
    "records:reason_edit": form("records.change_failurereason", pk("reason")),
    # -- 问卷
    "surveys:questionnaire_list": Page("surveys.view_questionnaire"),
    "surveys:invite": action("surveys.send_invitation"),
    "surveys:invite_task": form("surveys.send_invitation", pk("task"), BRANCH),
    "surveys:questionnaire_create": form("surveys.add_questionnaire"),
    "surveys:questionnaire_import": form("surveys.add_questionnaire"),
    "surveys:questionnaire_detail": Page("surveys.view_questionnaire", QN),
    "surveys:draft_edit": form("surveys.change_questionnaire", QN),
    "surveys:new_draft": action("surveys.change_questionnaire", QN),
    "surveys:question_add": form("surveys.change_questionnaire", QN),
    "surveys:question_edit": form("surveys.change_questionnaire", QUESTION),
    "surveys:question_action": action(
        "surveys.change_questionnaire", lambda w: {**QUESTION(w), "action": "down"}
    ),
    "surveys:draft_detail": Page("surveys.view_questionnaire", QN),
    "surveys:draft_preview": Page("surveys.view_questionnaire", QN),
    "surveys:publish": form("surveys.publish_questionnaire", QN),
    "surveys:export": Page("surveys.view_questionnaire", QN),
    "surveys:version_detail": Page("surveys.view_questionnaire", VERSION),
    "surveys:version_preview": Page("surveys.view_questionnaire", VERSION),
    "surveys:version_export": Page("surveys.view_questionnaire", VERSION),
    "surveys:results": Page("surveys.view_response"),
    "surveys:result_detail": Page("surveys.view_response", lambda w: {"pk": w["version"].pk}),
    "surveys:response_detail": Page("surveys.view_response", pk("response"), BRANCH),
    "surveys:offline_entry": form(  # 录入线下问卷: a response and a record of the task
        ("surveys.add_response", "records.add_callbackrecord", "callbacks.change_callbacktask"),
        TASK,
        BRANCH,
    ),
    # -- 汇总统计, 管理措施
    "reports:dashboard": Page("callbacks.view_callbacktask"),
    "reports:dashboard_compliance": Page("callbacks.view_callbacktask"),  # its 合规核查 card
    "reports:dashboard_export": Page("callbacks.view_callbacktask"),  # its 导出 Excel
    "reports:measure_list": Page("reports.view_measure"),
    "reports:measure_create": form(
        "reports.add_measure",
        sees=BRANCH,
        query=lambda w: f"customer={w['customer'].investor_code}",
    ),
    "reports:measure_detail": Page("reports.view_measure", pk("measure"), BRANCH),
    "reports:measure_edit": form("reports.change_measure", pk("measure"), BRANCH),
    "reports:measure_status": action(
        "reports.change_measure", pk("measure"), BRANCH, lookup="reports.change_measure"
    ),
    "reports:attachment_download": Page(
        "reports.view_measureattachment", pk("measure_attachment"), BRANCH
    ),
    "reports:compliance": Page("callbacks.view_callbacktask"),
    "reports:compliance_check": Page("callbacks.view_callbacktask", fixed(name="overdue_tasks")),
    "reports:evidence": form("reports.generate_evidence"),
    "reports:restrictions": Page("reports.view_measure"),
    "reports:type_list": Page("reports.view_measuretype"),
    "reports:type_create": form("reports.add_measuretype"),
    "reports:type_edit": form("reports.change_measuretype", pk("measure_type")),
    # -- 回访计划, 自动导入, 站内消息
    "automation:plan_list": Page("automation.view_plan"),
    "automation:plan_create": form("automation.add_plan"),
    "automation:plan_detail": Page("automation.view_plan", pk("plan")),
    "automation:plan_edit": form("automation.change_plan", pk("plan")),
    "automation:plan_run": form(
        ("automation.add_planrun", "automation.view_plan"), pk("plan"), ok=302
    ),
    "automation:plan_run_approve": form("automation.change_planrun", pk("plan_run")),
    "automation:intake": Page("automation.view_intakerun"),
    # 导入目录 (系统管理): HQ admins alone; the auditor reads the folders on 自动导入
    "automation:intake_folders": Page("automation.change_intakefolder"),
    "automation:intake_folder_edit": form("automation.change_intakefolder", DATASET),
    "automation:intake_folder_reset": action("automation.change_intakefolder", DATASET),
    "automation:notification_list": Page(ANY),
    "automation:notification_open": Page(ANY, pk("notification"), RECIPIENT, ok=302),
    "automation:notification_read": action(ANY),
    # -- 短信, 外呼
    "sms:message_list": Page("sms.view_smsmessage"),
    "sms:template_list": Page("sms.view_smstemplate"),
    "sms:template_create": form("sms.add_smstemplate"),
    "sms:template_edit": form("sms.change_smstemplate", pk("template")),
    "sms:template_preview": form("sms.view_smstemplate"),
    "sms:optout_list": Page("sms.view_smsoptout"),
    "sms:optout_add": action("sms.add_smsoptout"),
    "sms:optout_remove": action("sms.delete_smsoptout", pk("optout")),
    "sms:send_task": action("sms.add_smsmessage", TASK, BRANCH),
    "sms:send_bulk": Page("sms.add_smsmessage", get=302, post=True),
    "calls:call_list": Page("calls.view_callattempt"),
    "calls:push": form("calls.add_callpush"),
    "calls:push_list": Page("calls.view_callpush"),
    "calls:push_detail": Page(ANY, pk("push"), PUSH_READERS),
    # The file carries full phone numbers: the auditor reads the push, not the file.
    "calls:push_download": Page(ANY, pk("push"), PUSH_READERS, only=MAKER),
    "calls:call_import": form("calls.add_callattempt"),
    "calls:mapping_list": Page("calls.view_resultmapping"),
    "calls:mapping_edit": form("calls.change_resultmapping", pk("mapping")),
}


# ---------------------------------------------------------------- the URL resolver


def _patterns(resolver=None, prefix="", namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            space = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, prefix + str(entry.pattern), space)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}"


ROUTES = {name: route for route, name in _patterns() if not route.startswith("api/")}


def test_every_page_of_the_resolver_is_declared():
    """A new page fails here until ``PAGES`` says what it needs and where its kwargs come
    from: the matrix covers exactly the resolver's pages."""
    assert sorted(set(ROUTES) - set(PAGES)) == [], "pages without a declaration in PAGES"
    assert sorted(set(PAGES) - set(ROUTES)) == [], "declared pages the resolver does not have"


# ---------------------------------------------------------------- who may


def allowed(persona: str, need) -> bool:
    """Whether the persona's role holds ``need``, from ``org.roles`` (read without the
    database, so that the cells are known when the tests are collected)."""
    if need in (ANY, PUBLIC):
        return True
    patterns = ROLE_PERMISSIONS[ROLES[persona]]
    needed = (need,) if isinstance(need, str) else need
    return all(any(fnmatch(perm, pattern) for pattern in patterns) for perm in needed)


def refusal(page: Page, persona: str, side: str, *, post: bool = False) -> int | None:
    """The status refusing a signed-in ``persona`` the page on ``side``'s object; None:
    allowed."""
    visible = page.sees is None or persona in page.sees[side]
    if page.lookup is not None and not (visible and allowed(persona, page.lookup)):
        return 404
    if not allowed(persona, page.need):
        return 403
    if post and page.post_need and not allowed(persona, page.post_need):
        return 403
    if not visible:
        return 404
    return 403 if page.only is not None and persona not in page.only[side] else None


def expected_get(name: str, persona: str, side: str) -> int:
    page = PAGES[name]
    if page.need == PUBLIC:
        if persona == ANONYMOUS and page.anonymous is not None:
            return page.anonymous
        return page.get or page.ok
    if persona == ANONYMOUS:
        return 302
    if page.get is not None:
        return page.get
    return refusal(page, persona, side) or page.ok


def test_the_roles_read_without_the_database_are_the_groups(page_world, db):
    for persona in SIGNED_IN:
        user = page_world["personas"][persona]
        for page in PAGES.values():
            for need in (page.need, page.lookup, page.post_need):
                if need not in (None, ANY, PUBLIC):
                    needed = (need,) if isinstance(need, str) else need
                    assert user.has_perms(needed) == allowed(persona, need), (persona, need)


# ---------------------------------------------------------------- helpers


@pytest.fixture(autouse=True)
def _isolated_settings():
    """Overrides conftest's: ``page_world``'s settings (and its files) hold for the
    module."""
    cache.clear()


def url(name: str, world: dict, side: str = "a") -> str:
    """``name``'s URL with side's objects (over the shared ones) and its query."""
    page = PAGES[name]
    objects = {**world["shared"], **world[side]}
    path = reverse(name, kwargs=page.args(objects) if page.args else None)
    return f"{path}?{page.query(objects)}" if page.query else path


def login(client, world: dict, persona: str) -> None:
    if persona != ANONYMOUS:
        client.force_login(world["personas"][persona])


def snapshot(world: dict) -> dict:
    """Every stored field of every object of the world, by model and key."""
    by_model = defaultdict(set)
    for part in ("a", "b", "shared"):
        for obj in world[part].values():
            if hasattr(obj, "_meta") and obj.pk is not None:
                by_model[type(obj)].add(obj.pk)
    return {
        model._meta.label: list(model._default_manager.filter(pk__in=pks).order_by("pk").values())
        for model, pks in by_model.items()
    }


# ---------------------------------------------------------------- GET


def sides(page: Page, persona: str) -> tuple[str, ...]:
    """Side a's object, and side b's too where the persona sees one and not the other
    (HQ and the auditor see both alike)."""
    if page.sees is None or persona == ANONYMOUS:
        return ("a",)
    return ("a", "b") if (persona in page.sees["a"]) != (persona in page.sees["b"]) else ("a",)


def _cells():
    for name, page in PAGES.items():
        for persona in PERSONAS:
            for side in sides(page, persona):
                yield pytest.param(name, persona, side, id=f"{name}-{persona}" + SUFFIX[side])


@pytest.mark.parametrize(("name", "persona", "side"), list(_cells()))
def test_get(client, page_world, db, name, persona, side):
    """``name-persona``: the page on side a's objects; ``name-persona-b``: on side b's."""
    target = url(name, page_world, side)
    login(client, page_world, persona)
    response = client.get(target)
    expected = expected_get(name, persona, side)
    assert response.status_code == expected, (target, response.get("Location"))
    if persona == ANONYMOUS and PAGES[name].need != PUBLIC:
        assert response["Location"] == f"/login/?next={quote(target, safe='/')}"


# ---------------------------------------------------------------- POST by those refused


def _refused_posts():
    for name, page in PAGES.items():
        if not (page.post or page.post_need) or page.need == PUBLIC:
            continue
        for persona in SIGNED_IN:
            for side in sides(page, persona):
                expected = refusal(page, persona, side, post=True)
                if expected is not None:
                    cell = f"{name}-{persona}" + SUFFIX[side]
                    yield pytest.param(name, persona, side, expected, id=cell)


@pytest.mark.parametrize(("name", "persona", "side", "expected"), list(_refused_posts()))
def test_post_refused(client, page_world, db, name, persona, side, expected):
    """A persona refused the page (no permission, or the object out of their scope) who
    POSTs to it anyway is refused the same way, and nothing is written."""
    target = url(name, page_world, side)
    login(client, page_world, persona)
    before, audit = snapshot(page_world), AuditEvent.objects.count()
    response = client.post(target, {})
    assert response.status_code == expected, (target, response.get("Location"))
    assert AuditEvent.objects.count() == audit
    assert snapshot(page_world) == before
