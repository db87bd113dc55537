"""IDOR attempts on the pages: a person of branch A naming the sibling branch B's ids in
a list's filters and exports, in drill-downs, in bodies and bulk actions sees none of B's
rows and writes nothing. Each attempt has its counterpart showing that it does name
something: HQ (or B's own agent) finds B's rows with the same filter, and the same body
naming A's own objects writes.

The world and the pages' URLs are the page matrix's (``test_page_matrix``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.urls import reverse

from huifang.core.models import AuditEvent
from tests.core.test_page_matrix import BRANCH, PAGES, allowed, login, snapshot, url


@pytest.fixture(autouse=True)
def _isolated_settings():
    """Overrides conftest's: ``page_world``'s settings (and its files) hold for the
    module."""
    cache.clear()


# ---------------------------------------------------------------- lists and exports


def _code(b) -> str:
    return b["customer"].investor_code


def _customer(b) -> list[str]:
    return [_code(b), b["customer"].name]


def _task_link(b) -> str:
    return reverse("callbacks:task_detail", args=[b["task"].pk])


UNFILTERED = {"": None}


@dataclass(frozen=True)
class Leak:
    """A list (or a drill-down) and the filters naming side b's objects it is tried with
    (``""``: unfiltered); ``markers``: texts that show b's rows on it; ``export``:
    whether it exports its filtered rows (``?_export=csv``); ``seen_by``: who does see
    them (the filters name b's rows: they find them)."""

    filters: dict[str, Callable[[dict], object] | None]
    markers: Callable[[dict], list[str]] = _customer
    export: bool = True
    seen_by: str = "hq_admin"


LEAKS: dict[str, Leak] = {
    "customers:customer_list": Leak({"": None, "branch": lambda b: b["branch"].code, "q": _code}),
    "callbacks:task_list": Leak(
        {
            "": None,
            "branch": lambda b: b["branch"].pk,
            "q": _code,
            "assignee": lambda b: b["user"].username,
            "assignee_id": lambda b: b["user"].pk,
        }
    ),
    "records:record_list": Leak(
        {
            "": None,
            "branch": lambda b: b["branch"].code,
            "q": _code,
            "task": lambda b: b["task"].pk,
            "agent": lambda b: b["user"].username,
        }
    ),
    "records:agent_counts": Leak(
        {"": None, "branch": lambda b: b["branch"].code, "task": lambda b: b["task"].pk},
        markers=lambda b: [b["user"].username],
        export=False,
    ),
    "records:feedback_list": Leak({"": None, "task": lambda b: b["task"].pk}),
    "reports:measure_list": Leak(
        {"": None, "branch": lambda b: b["branch"].pk, "q": _code, "task": lambda b: b["task"].pk}
    ),
    "sms:message_list": Leak({"": None, "q": _code, "task": lambda b: b["task"].pk}),
    "calls:call_list": Leak(
        {
            "": None,
            "branch": lambda b: b["branch"].code,
            "q": _code,
            "task": lambda b: b["task"].pk,
        },
        markers=lambda b: [*_customer(b), b["call"].call_id],
    ),
    "surveys:result_detail": Leak({"": None, "branch": lambda b: b["branch"].pk}),
    "reports:compliance_check": Leak(
        {"": None, "branch": lambda b: b["branch"].pk, "q": _code},
        markers=lambda b: [_code(b), _task_link(b)],
    ),
    "rules:run_detail": Leak({"": None, "branch": lambda b: b["branch"].pk, "q": _code}),
    "reports:dashboard": Leak(
        {"": None, "branch": lambda b: b["branch"].pk},
        markers=lambda b: [b["branch"].name, b["user"].username],
        export=False,
    ),
    "callbacks:distribution": Leak(
        UNFILTERED, markers=lambda b: [b["user"].username, b["branch"].name], export=False
    ),
    "org:branch_list": Leak(UNFILTERED, markers=lambda b: [b["branch"].name]),
    "org:user_list": Leak(UNFILTERED, markers=lambda b: [b["user"].username]),
    "core:job_list": Leak(UNFILTERED, markers=lambda b: [b["job"].title]),
    "imports:record_list": Leak(UNFILTERED, markers=lambda b: [b["user"].username]),
    "automation:notification_list": Leak(
        UNFILTERED,
        markers=lambda b: [reverse("automation:notification_open", args=[b["notification"].pk])],
        export=False,
        seen_by="agent_b",
    ),
}


def _leak_url(name: str, key: str, world: dict, export: bool = False) -> tuple[str, list[str]]:
    """The list filtered by ``key`` naming side b's object, and the texts that would
    show b's rows (on the page, less the value its filter form echoes)."""
    leak, b = LEAKS[name], {**world["shared"], **world["b"]}
    value = str(leak.filters[key](b)) if key else ""
    params = [f"{key.removesuffix('_id')}={quote(value)}"] if key else []
    params += ["_export=csv"] if export else []
    markers = [m for m in leak.markers(b) if export or m != value]
    target = url(name, world)
    if params:
        target += ("&" if "?" in target else "?") + "&".join(params)
    return target, markers


def _leak_cells(*, seen: bool):
    for name, leak in LEAKS.items():
        personas = [leak.seen_by] if seen else ["manager_a", "agent_a"]
        for key in leak.filters:
            for persona in personas:
                if allowed(persona, PAGES[name].need):
                    cell = f"{name}-{key or 'all'}-{persona}"
                    yield pytest.param(name, key, persona, False, id=cell)
                    if leak.export:
                        yield pytest.param(name, key, persona, True, id=f"{cell}-csv")


def _text(response) -> str:
    body = b"".join(response) if response.streaming else response.content
    return body.decode("utf-8-sig")


@pytest.mark.parametrize(("name", "key", "persona", "export"), list(_leak_cells(seen=False)))
def test_a_list_shows_a_persona_none_of_the_other_branchs_rows(
    client, page_world, db, name, key, persona, export
):
    """Unfiltered, or filtered by b's ids: A's people see none of b's rows."""
    target, markers = _leak_url(name, key, page_world, export)
    login(client, page_world, persona)
    response = client.get(target)
    assert response.status_code in (200, 302), target  # 302: 筛选条件有误，无法导出
    text = _text(response)
    assert [m for m in markers if m in text] == [], target


@pytest.mark.parametrize(("name", "key", "persona", "export"), list(_leak_cells(seen=True)))
def test_the_same_list_shows_them_to_who_sees_the_other_branch(
    client, page_world, db, name, key, persona, export
):
    """The filters and texts above do find b's rows: HQ, who sees every branch (or b's
    agent, for b's agent's own), finds them (an export may leave a column out: one of the
    texts is enough)."""
    target, markers = _leak_url(name, key, page_world, export)
    login(client, page_world, persona)
    response = client.get(target)
    assert any(m in _text(response) for m in markers), (target, markers)


@pytest.mark.parametrize("persona", ["hq_admin", "auditor", "manager_a", "agent_a", "agent_b"])
def test_a_batch_of_both_branches_counts_only_the_personas_tasks(client, page_world, db, persona):
    """A 批次 holds a task of each branch; its figures are those of the tasks one sees."""
    login(client, page_world, persona)
    response = client.get(url("callbacks:batch_detail", page_world))
    assert response.context["total"] == sum(persona in BRANCH[side] for side in "ab")


# ---------------------------------------------------------------- bodies and bulk actions


@dataclass(frozen=True)
class Body:
    """A POST by ``persona`` to ``page`` whose body names one side's objects (read from
    them over the shared ones; ``mine``, ``mine_customer``: side a's task and customer
    whichever side is named): naming a's writes, naming b's is refused with nothing
    written (no audit row, no object changed, no job, text, invitation, call list or
    measure made)."""

    persona: str
    page: str
    data: Callable[[dict], dict]
    # Makes side a's objects such that the body changes something (e.g. a task the agent
    # does not hold yet: assigning it to its holder again writes nothing).
    prepare: Callable[[dict], None] = lambda world: None


def body(**fields) -> Callable[[dict], dict]:
    """A body whose callable values are read from the objects (side a's or b's)."""
    return lambda w: {k: v(w) if callable(v) else v for k, v in fields.items()}


TICKED = {"pk": lambda w: [w["task"].pk]}
MATCHING = {"matching": "1", "filter": lambda w: f"q={w['customer'].investor_code}"}
BULK = {"confirmed": "1", "expected": "1"}
SEND = {"confirmed": "1", "template": lambda w: w["template"].pk}
INVITE = {"confirmed": "1", "channel": "h5", "expires_days": "14"}
MEASURE = {"measure_type": lambda w: w["measure_type"].pk, "reason": "回访发现客户不了解风险"}
MINE = lambda w: [w["mine"].pk]  # noqa: E731  side a's task, whichever side is named
PERIOD = {"start": "2020-01-01", "end": "2099-12-31"}
ABSENCE = {"starts_on": "2099-02-01", "ends_on": "2099-02-03", "reason": "培训"}

BODIES = {
    "task_bulk-cancel-ticked": Body(
        "manager_a", "callbacks:task_bulk", body(**BULK, **TICKED, action="cancel", reason="重复")
    ),
    "task_bulk-cancel-matching": Body(
        "manager_a", "callbacks:task_bulk", body(**BULK, **MATCHING, action="cancel", reason="重复")
    ),
    "task_bulk-assign-to-agent": Body(
        "manager_a",
        "callbacks:task_bulk",
        body(**BULK, action="assign", pk=MINE, agent=lambda w: w["user"].pk),
        prepare=lambda world: (
            type(world["a"]["task"]).objects.filter(pk=world["a"]["task"].pk).update(assignee=None)
        ),
    ),
    "task_bulk-distribute-to-branch": Body(
        "manager_a",
        "callbacks:task_bulk",
        body(**BULK, action="distribute", pk=MINE, branch=lambda w: w["branch"].pk),
    ),
    "distribution-mode": Body(
        "manager_a",
        "callbacks:distribution",
        body(what="mode", branch=lambda w: w["branch"].pk, mode="round_robin"),
    ),
    "distribution-absence": Body(
        "manager_a",
        "callbacks:distribution",
        body(what="absence", agent=lambda w: w["user"].pk, **ABSENCE),
    ),
    "distribution-end": Body(
        "manager_a", "callbacks:distribution", body(what="end", absence=lambda w: w["absence"].pk)
    ),
    "send_bulk-ticked-manager": Body("manager_a", "sms:send_bulk", body(**SEND, **TICKED)),
    "send_bulk-ticked-agent": Body("agent_a", "sms:send_bulk", body(**SEND, **TICKED)),
    "send_bulk-matching": Body("agent_a", "sms:send_bulk", body(**SEND, **MATCHING)),
    "invite-ticked": Body("manager_a", "surveys:invite", body(**INVITE, **TICKED)),
    "invite-matching": Body("manager_a", "surveys:invite", body(**INVITE, **MATCHING)),
    "push-filter": Body("manager_a", "calls:push", body(filter=MATCHING["filter"])),
    "measure_create-customer": Body(
        "manager_a",
        "reports:measure_create",
        body(**MEASURE, customer=lambda w: w["customer"].investor_code),
    ),
    "measure_create-task": Body(
        "manager_a", "reports:measure_create", body(**MEASURE, task=lambda w: w["task"].pk)
    ),
    "measure_create-record": Body(
        "manager_a", "reports:measure_create", body(**MEASURE, record=lambda w: w["record"].pk)
    ),
    "measure_create-feedback": Body(
        "manager_a", "reports:measure_create", body(**MEASURE, feedback=lambda w: w["feedback"].pk)
    ),
    "measure_create-responsible": Body(
        "manager_a",
        "reports:measure_create",
        body(
            **MEASURE,
            customer=lambda w: w["mine_customer"].investor_code,
            responsible=lambda w: w["user"].pk,
        ),
    ),
    "evidence-customer": Body(
        "manager_a",
        "reports:evidence",
        body(kind="customer", customer=lambda w: w["customer"].investor_code),
    ),
    "evidence-branch": Body(
        "manager_a",
        "reports:evidence",
        body(kind="branch", branch=lambda w: w["branch"].pk, **PERIOD),
    ),
    "notification_read": Body(
        "agent_a", "automation:notification_read", body(ids=lambda w: [w["notification"].pk])
    ),
}


def footprint(world: dict) -> tuple:
    """What a write would change: the audit log, the world's objects, and the rows the
    actions above make (jobs, texts, invitations, call lists, measures)."""
    from huifang.channels.calls.models import CallPush
    from huifang.channels.sms.models import SmsMessage
    from huifang.core.models import Job
    from huifang.reports.models import Measure
    from huifang.surveys.models import Invitation

    counts = [m.objects.count() for m in (Job, SmsMessage, Invitation, CallPush, Measure)]
    return AuditEvent.objects.count(), counts, snapshot(world)


def _body(world: dict, case: str, side: str) -> dict:
    w = {
        **world["shared"],
        **world[side],
        "mine": world["a"]["task"],
        "mine_customer": world["a"]["customer"],
    }
    return BODIES[case].data(w)


@pytest.mark.parametrize("case", list(BODIES))
def test_a_body_naming_the_other_branchs_objects_is_refused(client, page_world, db, case):
    attempt = BODIES[case]
    login(client, page_world, attempt.persona)
    before = footprint(page_world)
    response = client.post(url(attempt.page, page_world), _body(page_world, case, "b"))
    assert response.status_code in (200, 302, 403, 404), response.status_code
    assert not response.get("Content-Disposition"), "a download"
    assert footprint(page_world) == before


@pytest.mark.parametrize("case", list(BODIES))
def test_the_same_body_naming_ones_own_objects_writes(client, page_world, db, case):
    """The bodies above are ones the page accepts: naming side a's objects, they write."""
    attempt = BODIES[case]
    attempt.prepare(page_world)
    login(client, page_world, attempt.persona)
    before = footprint(page_world)
    response = client.post(url(attempt.page, page_world), _body(page_world, case, "a"))
    assert response.status_code in (200, 302), response.status_code
    assert footprint(page_world) != before or response.get("Content-Disposition")
