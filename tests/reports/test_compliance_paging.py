"""合规核查 lists read in SQL: a check's count, each page, the 部门 and 投资者代码 filters and
the export are exactly its whole list (as the checks define it), for every persona."""

from __future__ import annotations

import csv
import datetime
import io
import math

import pytest
from django.urls import reverse

from huifang.callbacks.records.models import FailureReason
from huifang.core.scoping import subtree_ids
from huifang.reports import compliance, compliance_views
from tests.reports.conftest import TODAY
from tests.reports.test_compliance import customer, frozen_run, strict_batch

pytestmark = pytest.mark.django_db
ALL = compliance.Period()


@pytest.fixture
def planted(world, branches, make_batch, make_task, make_record):
    """Findings of every check in both 分公司: 无法联系 too early, completed without 成功,
    a strict business type (备注 and a questionnaire required: two lacking records on one
    task, so a task's records and its own finding interleave), A006 hits in two runs."""
    unanswered = FailureReason.objects.filter(counts_as_unanswered=True).first()
    make_record(make_task("a1", status="unreachable"), "failure", reason=unanswered)
    make_record(make_task("b1", status="completed"), "failure")
    strict = strict_batch(
        make_batch, required_record_fields=["remark", "duration"], questionnaire_required=True
    )
    twice = make_task("a1", batch=strict, status="completed")
    make_record(twice, "success")
    make_record(twice, "success")
    make_record(make_task("b1", batch=strict, status="completed"), "success")
    make_task("a1", batch=strict, status="completed")  # no record: only its questionnaire
    moved = customer("0400000009", branches["b1"])
    frozen_run({customer("0400000008", branches["a1"]): "A006", moved: "A006"})
    frozen_run({moved: "A001,A006"}, as_of=datetime.date(2026, 1, 30))
    world.twice = twice
    return world


def whole(check, user, branch=None, code=""):
    """The check's whole list as its page filtered it before: built, then narrowed."""
    rows = list(check.findings(user, ALL))
    if branch is not None:
        inside = set(subtree_ids(branch))
        rows = [f for f in rows if f.branch_id in inside]
    return [f for f in rows if f.investor_code.startswith(code)]


@pytest.mark.parametrize("persona", ["hq_admin", "manager_a", "agent_b"])
@pytest.mark.parametrize("where", [None, "a", "b1"])
def test_each_checks_count_and_pages_are_its_whole_list(
    planted, personas, branches, persona, where
):
    user = personas[persona]
    branch = branches[where] if where else None
    for name, cls in compliance.REGISTRY.items():
        check = cls()
        expected = whole(check, user, branch)
        found = check.findings(user, ALL, branch)
        assert len(found) == len(expected) == check.count(user, ALL, branch), name
        pages = [f for start in range(0, len(expected) + 2, 2) for f in found[start : start + 2]]
        assert pages == expected == list(found), name


def test_the_planted_world_has_findings_in_both_branches_to_page(planted, personas, branches):
    hq = personas["hq_admin"]
    for where in ("a", "b"):
        total = sum(cls().count(hq, ALL, branches[where]) for cls in compliance.REGISTRY.values())
        assert total >= 5


def test_record_missing_required_lists_by_task_its_records_before_its_questionnaire(planted):
    found = list(compliance.get("record_missing_required").findings(None, ALL))
    assert found == sorted(found, key=lambda f: (f.task_id, f.key))
    assert len(found) == 6  # three tasks without a questionnaire result, three records
    twice = planted.twice
    records = sorted(str(pk) for pk in twice.records.values_list("pk", flat=True))
    assert [f.key for f in found if f.task_id == twice.pk] == [
        *(f"record_missing_required:record-{pk}" for pk in records),
        f"record_missing_required:task-{twice.pk}",
    ]
    assert next(f.note for f in found if f.task_id == twice.pk).endswith(
        "缺少回访时长、备注（业务类型“严格回访”要求）"
    )


@pytest.mark.parametrize("code", ["04000000", "0400000009", "0_", "0%"])
def test_the_code_filter_is_a_literal_prefix(planted, personas, code):
    hq = personas["hq_admin"]
    check = compliance.get("high_risk_without_callback")
    assert list(check.findings(hq, ALL, code=code)) == whole(check, hq, code=code)
    assert check.count(hq, ALL, code=code) == len(whole(check, hq, code=code))


def test_the_check_page_shows_the_second_page_of_the_list(world, make_task, client_for):
    late = datetime.date(2026, 3, 1)
    for _ in range(51):
        make_task("b1", status="in_progress", deadline=late)
    url = reverse("reports:compliance_check", args=["overdue_tasks"])
    expected = list(compliance.get("overdue_tasks").findings(None, ALL))
    second = client_for("hq_admin").get(url, {"page": 2})
    assert second.context["count"] == len(expected) == 53
    assert [f.task_id for f in second.context["page"]] == [f.task_id for f in expected[50:]]
    assert "第 2 / 2 页" in second.content.decode()


def test_the_api_pages_the_findings_in_the_lists_order(planted, api_for):
    expected = list(compliance.get("record_missing_required").findings(None, ALL))
    pages = [
        api_for("hq_admin")
        .get("/api/v1/compliance/record_missing_required/", {"page": n, "page_size": 3})
        .json()
        for n in (1, 2)
    ]
    assert [page["count"] for page in pages] == [len(expected)] * 2
    assert [f["key"] for page in pages for f in page["results"]] == [f.key for f in expected]


def test_the_export_names_every_finding_whatever_the_chunk(planted, client_for, monkeypatch):
    monkeypatch.setattr(compliance_views, "WHO_CHUNK", 2)
    url = reverse("reports:compliance_check", args=["record_missing_required"])
    export = client_for("hq_admin").get(url, {"_export": "csv"})
    lines = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()[1:]
    expected = list(compliance.get("record_missing_required").findings(None, ALL))
    assert len(lines) == len(expected) == 6
    for line, finding in zip(lines, expected, strict=True):
        cells = line.split(",")
        task = planted.a_new.__class__.objects.select_related("customer", "branch").get(
            pk=finding.task_id
        )
        assert cells[1:5] == [
            task.customer.investor_code,
            task.customer.name,
            task.branch.name,
            f"#{task.pk}",  # as the page shows it
        ]


@pytest.mark.parametrize(
    ("called", "found"),
    [
        (datetime.datetime(2026, 2, 28, 16, 30, tzinfo=datetime.UTC), False),  # 03-01 00:30 北京
        (datetime.datetime(2026, 2, 28, 15, 30, tzinfo=datetime.UTC), True),  # 02-28 23:30 北京
    ],
)
def test_a_high_risk_callback_counts_from_the_beijing_day_of_the_run(
    world, branches, make_task, make_record, called, found
):
    """A006 without a callback since the run's 基准日: a record's day is its Beijing day."""
    buyer = customer("0400000041", branches["a1"])
    frozen_run({buyer: "A006"}, as_of=datetime.date(2026, 3, 1))
    record = make_record(make_task("a1", customer=buyer, codes="A006"), "failure")
    type(record).objects.filter(pk=record.pk).update(called_at=called)
    check = compliance.get("high_risk_without_callback")
    assert [f.investor_code for f in check.findings(None, ALL)] == (["0400000041"] if found else [])
    assert check.count(None, ALL) == int(found)


@pytest.fixture
def elderly(world, branches, make_task, make_record, settings):
    """``elderly(births, start, end, rule_from)``: customers of a1 born as ``births`` says
    (code → (birth date, Beijing time of their 成功 call or None)), each an A003 hit, with the
    rule in effect from ``rule_from``; the elderly check's findings and count over the
    period (both read in SQL)."""

    def plant(births: dict, start, end, rule_from: datetime.date):
        settings.ELDERLY_RULE_FROM = rule_from
        people = {c: customer(c, branches["a1"], birth_date=b) for c, (b, _) in births.items()}
        frozen_run({c: "A003" for c in people.values()})
        beijing = datetime.timezone(datetime.timedelta(hours=8))
        for code, (_, reached) in births.items():
            if reached:
                task = make_task("a1", customer=people[code], codes="A003")
                record = make_record(task, "success")
                called = reached.replace(tzinfo=beijing)
                type(record).objects.filter(pk=record.pk).update(called_at=called)
        check = compliance.get("elderly_without_callback")
        period = compliance.Period(start, end)
        return list(check.findings(None, period)), check.count(None, period)

    return plant


BIRTHS = {  # 投资者代码: (birthday, the first record reaching them, Beijing time, or None)
    # 70 on 2026-01-31, due 2026-02-28: reached at 23:30 that day.
    "0400000051": (datetime.date(1956, 1, 31), datetime.datetime(2026, 2, 28, 23, 30)),
    # 70 on 2026-01-15, due 2026-02-28: reached at 00:30 the day after, late.
    "0400000052": (datetime.date(1956, 1, 15), datetime.datetime(2026, 3, 1, 0, 30)),
    # 70 on 2026-02-10, due 2026-03-31: not due yet (today is 2026-03-16).
    "0400000053": (datetime.date(1956, 2, 10), None),
    # 70 on 2025-12-20, due 2026-01-31 (the next year's): never reached.
    "0400000054": (datetime.date(1955, 12, 20), None),
    # 70 on 2022-03-01 (29 February in a common year), due 2022-04-30: reached in April.
    "0400000055": (datetime.date(1952, 2, 29), datetime.datetime(2022, 4, 20, 10, 0)),
    # 70 on 2018-03-01, due 2018-04-30: reached in May, late.
    "0400000056": (datetime.date(1948, 2, 29), datetime.datetime(2018, 5, 1, 10, 0)),
}


@pytest.mark.parametrize(
    ("start", "end", "late"),
    [
        (None, None, {"0400000052", "0400000054", "0400000056"}),
        (datetime.date(2026, 1, 1), datetime.date(2026, 1, 30), set()),
        (datetime.date(2026, 1, 1), datetime.date(2026, 1, 31), {"0400000054"}),
        (datetime.date(2026, 2, 1), None, {"0400000052"}),
        (datetime.date(2018, 4, 30), datetime.date(2018, 4, 30), {"0400000056"}),
        (None, datetime.date(2018, 4, 29), set()),
    ],
)
def test_the_elderly_count_is_its_list_at_the_due_months_edges(elderly, start, end, late):
    """Counted in SQL by months: the due day (a month's end), 29 February, December, the
    record's Beijing day and a period ending inside a month give the list's figure."""
    # every due day here after the rule took effect
    findings, count = elderly(BIRTHS, start, end, rule_from=datetime.date(2010, 1, 1))
    assert {f.investor_code for f in findings} == late
    assert count == len(late)


@pytest.mark.parametrize("persona", ["hq_admin", "manager_a", "agent_b"])
@pytest.mark.parametrize("where", [None, "a", "b1"])
def test_edited_after_completion_counts_its_later_versions_only(
    world, personas, branches, persona, where
):
    """Read from the versions after the first: a version 1 after the task closed (as
    registered) is no finding, a later one is, in each persona's scope and 部门."""
    from huifang.callbacks.records.models import RecordVersion

    later = datetime.timedelta(days=1)
    for task, version in ((world.a_done, 1), (world.a_done, 2), (world.b_done, 2)):
        record = task.records.order_by("pk").last()
        task.__class__.objects.filter(pk=task.pk).update(closed_at=record.called_at)
        RecordVersion.objects.create(
            record=record,
            version=version,
            data={},
            changes={"remark": ["", "补记"]},
            changed_at=record.called_at + later,
            changed_by=personas["agent_a"],
        )
    check = compliance.get("edited_after_completion")
    user, branch = personas[persona], branches[where] if where else None
    expected = whole(check, user, branch)
    assert check.count(user, ALL, branch) == len(expected)
    assert list(check.findings(user, ALL, branch)) == expected
    assert {f.task_id for f in whole(check, None)} == {world.a_done.pk, world.b_done.pk}


def test_every_check_defines_one_way_to_find_its_findings():
    """A check reads ``rows`` with its ``reader``, builds ``listed`` in Python, or has
    ``findings`` of its own: the base class's hooks are abstract and no registered check
    falls back to them."""
    from huifang.reports import compliance

    for name, cls in compliance.REGISTRY.items():
        if cls.findings is not compliance.Check.findings:
            continue
        with_rows = cls.rows is not compliance.Check.rows
        own = cls.reader if with_rows else cls.listed
        base = compliance.Check.reader if with_rows else compliance.Check.listed
        assert own is not base, name


def test_every_check_reads_its_findings_a_page_at_a_time(planted, personas):
    """Each check's list is the rows of one query: a page is one LIMIT query of its rows,
    not a list built in Python and sliced (the elderly and high-risk checks built theirs)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for name, cls in compliance.REGISTRY.items():
        found = cls().findings(personas["hq_admin"], ALL)
        assert isinstance(found, compliance.QueryFindings), name
        with CaptureQueriesContext(connection) as page:
            found[0:2]
        assert "LIMIT 2" in page.captured_queries[-1]["sql"], name


PAGED = ("elderly_without_callback", "high_risk_without_callback")


@pytest.fixture
def crowded(world, branches, make_task, make_record, settings):
    """More than a page (50) of both checks' findings in 分公司 A and a few in B: 70-year-olds
    (due years ago) never reached, reached late or on time; A006 buyers in two runs, some
    called since, one whose earlier run's hit was in B before they moved to A."""
    settings.ELDERLY_RULE_FROM = datetime.date(2010, 1, 1)  # their due days after it
    elderly, risky = {}, {}
    for n in range(80):
        where = "b1" if n % 12 == 0 else "a1"
        old = customer(f"05{n:08d}", branches[where], birth_date=datetime.date(1950, 1, 1 + n % 28))
        elderly[old] = "A003"
        if n % 5 == 1:  # reached after the due day: a finding with its day
            make_record(make_task(where, customer=old, codes="A003"), day=datetime.date(2021, 1, 1))
        elif n % 7 == 2:  # reached in time: no finding
            make_record(make_task(where, customer=old, codes="A003"), day=datetime.date(2020, 1, 2))
        buyer = customer(f"06{n:08d}", branches[where])
        risky[buyer] = "A006"
        if n % 9 == 4:  # called since the run's 基准日: no finding
            make_record(make_task(where, customer=buyer, codes="A006"), day=TODAY)
    frozen_run(elderly)
    moved = customer("0699999999", branches["b1"])
    frozen_run({**risky, moved: "A006"})
    moved.branch = branches["a1"]
    moved.save(update_fields=["branch"])
    frozen_run({**risky, moved: "A006"}, as_of=datetime.date(2026, 3, 1))
    return world


@pytest.mark.parametrize("persona", ["hq_admin", "manager_a"])
@pytest.mark.parametrize("name", PAGED)
def test_a_checks_pages_are_its_export_sliced(crowded, client_for, persona, name):
    """The page's count is the export's length; page 1 and the last page are the export's
    rows at their places."""
    client = client_for(persona)
    url = reverse("reports:compliance_check", args=[name])
    export = client.get(url, {"_export": "csv"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    rows = [(r[1], r[4], r[5]) for r in list(csv.reader(io.StringIO(text)))[1:]]
    first = client.get(url)
    assert first.context["count"] == len(rows) > 50
    last_number = math.ceil(len(rows) / 50)
    last = client.get(url, {"page": last_number})

    def shown(response):
        return [
            (f.investor_code, f"#{f.task_id}" if f.task_id else "", f.note)
            for f in response.context["page"]
        ]

    assert shown(first) == rows[:50]
    assert shown(last) == rows[50 * (last_number - 1) :]


@pytest.mark.parametrize(
    ("start", "end", "late"),
    [
        (None, None, {"0400000056", "0400000057"}),
        (datetime.date(2018, 1, 1), datetime.date(2018, 12, 31), set()),
        (datetime.date(2024, 6, 1), datetime.date(2024, 6, 30), {"0400000056", "0400000057"}),
        (datetime.date(2024, 7, 1), None, set()),
    ],
)
def test_no_elderly_customer_is_due_before_the_exchanges_rule_took_effect(
    elderly, start, end, late
):
    """The rule took effect on 2024-05-10: a customer already 70 then is due by 2024-06-30
    (was: by the end of the month after their 70th birthday, years before the rule)."""
    births = {  # 70 in 2018 (reached in 2018: counts), in 2023 (reached July 2024: late)
        "0400000055": (datetime.date(1948, 3, 5), datetime.datetime(2018, 5, 1, 10, 0)),
        "0400000056": (datetime.date(1948, 2, 29), None),
        "0400000057": (datetime.date(1953, 7, 1), datetime.datetime(2024, 7, 1, 10, 0)),
        "0400000058": (datetime.date(1953, 8, 1), datetime.datetime(2024, 6, 30, 23, 0)),
    }
    findings, count = elderly(births, start, end, rule_from=datetime.date(2024, 5, 10))
    assert {f.investor_code for f in findings} == late
    assert count == len(late)
    assert all("应于 2024-06-30 前完成" in f.note for f in findings)
