"""汇总统计's 导出 (one workbook, a sheet per table, the page's filters and numbers) and its
回访人 table adding up to the record list (the records without an agent in their own rows,
the agents beyond the 50 named in one 其他 row, and a 合计)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from huifang.core.models import AuditEvent
from tests.reports.conftest import TODAY, at
from tests.xlsx import about

pytestmark = pytest.mark.django_db


@pytest.fixture
def self_service(world):
    """Two 客户自助 records (an H5 questionnaire answered, one 掌厅 not) and an 外呼 result,
    none with an agent."""
    from huifang.callbacks.records.models import CallbackRecord, FailureReason

    reason = FailureReason.objects.filter(is_active=True).order_by("pk").first()
    made = []
    for task, method, status in (
        (world.a_new, "h5", "success"),
        (world.a_late, "app_hall", "failure"),
        (world.b_late, "outbound", "failure"),
    ):
        made.append(
            CallbackRecord.objects.create(
                task=task,
                branch=task.branch,
                customer=task.customer,
                business_type=task.business_type,
                status=status,
                failure_reason=reason if status == "failure" else None,
                method=method,
                called_at=at(TODAY),
                agent=None,
            )
        )
    return made


def record_count(client, params: dict) -> int:
    response = client.get(reverse("records:record_list"), params)
    assert response.status_code == 200
    return response.context["row_count"].value


@pytest.mark.parametrize("persona", ["hq_admin", "manager_a"])
def test_agent_table_adds_up_to_the_record_list(client_for, self_service, persona):
    client = client_for(persona)
    response = client.get(reverse("reports:dashboard"))
    rows = response.context["agent_rows"]
    total = response.context["agent_total"]
    names = [r.name for r in rows]
    assert "客户自助（H5问卷）" in names
    assert "客户自助（掌厅问卷）" in names
    assert sum(r.attempts.value for r in rows) == total.attempts.value
    assert sum(r.successes.value for r in rows) == total.successes.value
    assert total.attempts.value == record_count(client, {})
    assert total.successes.value == record_count(client, {"status": "success"})
    assert "合计" in response.content.decode()


def test_records_without_an_agent_link_to_exactly_them(client_for, self_service):
    client = client_for("hq_admin")
    rows = client.get(reverse("reports:dashboard")).context["agent_rows"]
    nobody = {r.name: r for r in rows if not r.person}
    assert set(nobody) == {"客户自助（H5问卷）", "客户自助（掌厅问卷）", "无回访人（外呼）"}
    for row in nobody.values():
        url = row.attempts.url
        assert client.get(url).context["row_count"].value == row.attempts.value == 1


@pytest.fixture
def crowd(world, branches):
    """53 agents of 期货北京营业部 (bulk-created), one record each (a 成功 every third), and
    the first three a second one: more agents than the table names."""
    from huifang.callbacks.records.models import CallbackRecord, FailureReason
    from huifang.org.models import Role, User

    reason = FailureReason.objects.filter(is_active=True).order_by("pk").first()
    people = User.objects.bulk_create(
        User(
            username=f"crowd{n:02d}",
            full_name=f"回访专员{n:02d}",
            branch=branches["a1"],
            role=Role.AGENT,
            password="!",
        )
        for n in range(53)
    )
    task = world.a_new

    def record(n: int, agent) -> CallbackRecord:
        success = n % 3 == 0
        return CallbackRecord(
            task=task,
            branch=task.branch,
            customer=task.customer,
            business_type=task.business_type,
            status="success" if success else "failure",
            failure_reason=None if success else reason,
            method="phone",
            called_at=at(TODAY),
            agent=agent,
        )

    CallbackRecord.objects.bulk_create(
        [record(n, agent) for n, agent in enumerate(people)]
        + [record(n + 1, agent) for n, agent in enumerate(people[:3])]
    )
    return people


@pytest.mark.parametrize("persona", ["hq_admin", "manager_a"])
def test_beyond_the_named_agents_one_row_sums_the_others(client_for, personas, crowd, persona):
    from huifang.callbacks.records.models import CallbackRecord
    from huifang.reports.figures import AGENT_ROWS

    client = client_for(persona)
    response = client.get(reverse("reports:dashboard"))
    rows, total = response.context["agent_rows"], response.context["agent_total"]
    named = [r for r in rows if r.person and r.attempts.url]
    seen = CallbackRecord.objects.restrict(personas[persona], "view")
    agents = seen.exclude(agent=None).values("agent").distinct().count()
    assert len(named) == AGENT_ROWS
    assert [r.name for r in rows if r.person and not r.attempts.url] == [
        f"其他 {agents - AGENT_ROWS} 名回访人"
    ]
    assert sum(r.attempts.value for r in rows) == total.attempts.value == record_count(client, {})
    assert sum(r.successes.value for r in rows) == total.successes.value
    assert total.successes.value == record_count(client, {"status": "success"})
    assert 'id="agent-others"' in response.content.decode()


def test_the_exports_agent_sheet_has_the_others_row_too(client_for, crowd):
    client = client_for("hq_admin")
    page = client.get(reverse("reports:dashboard")).context
    book = sheets(client.get(reverse("reports:dashboard_export")).content)
    agents = [*page["agent_rows"], page["agent_total"]]
    assert book["回访人"][1:] == [(a.name, a.attempts.value, a.successes.value) for a in agents]
    assert any(name.startswith("其他 ") for name, _, _ in book["回访人"][1:])
    assert sum(row[1] for row in book["回访人"][1:-1]) == book["回访人"][-1][1]


def sheets(content: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def test_the_export_has_a_sheet_per_table_with_the_pages_numbers(client_for, self_service, world):
    client = client_for("hq_admin")
    params = {"batch": world.batch.number, "date_from": "2026-03-01", "date_to": "2026-03-31"}
    page = client.get(reverse("reports:dashboard"), params).context
    response = client.get(reverse("reports:dashboard_export"), params)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    book = sheets(response.content)
    assert list(book)[:6] == ["合计", "按部门", "按回访业务类型", "按命中规则", "按批次", "回访人"]
    for name, rows in (
        ("合计", [page["total"]]),
        ("按部门", page["branch_rows"]),
        ("按回访业务类型", page["type_rows"]),
        ("按命中规则", page["rule_rows"]),
        ("按批次", page["batch_rows"]),
    ):
        assert [r[0] for r in book[name][1:]] == [r.label for r in rows], name
        assert [list(r[1:8]) for r in book[name][1:]] == [
            [c.value for c in r.cells] for r in rows
        ], name
        assert [list(r[8:]) for r in book[name][1:]] == [r.rates for r in rows], name
    agents = [*page["agent_rows"], page["agent_total"]]
    assert book["回访人"][1:] == [(a.name, a.attempts.value, a.successes.value) for a in agents]
    said = about(response.content)
    assert said["导出人"].startswith("hq_admin")
    assert said["导出时间"]
    assert f"批次号：{world.batch.number}" in said["筛选条件"]
    assert "统计期间：2026-03-01 至 2026-03-31" in said["筛选条件"]


def test_the_export_is_audited(client_for, world):
    client_for("hq_admin").get(reverse("reports:dashboard_export"))
    event = AuditEvent.objects.filter(action="export").latest("id")
    assert event.object_repr == "汇总统计（回访进度）"


def test_the_page_offers_the_export_with_its_filters(client_for, world):
    client = client_for("manager_a")
    body = client.get(reverse("reports:dashboard"), {"batch": world.batch.number}).content
    assert f'href="/reports/export/?batch={world.batch.number}"' in body.decode()


def test_a_bad_filter_is_a_chinese_message_not_a_file(client_for, world):
    response = client_for("hq_admin").get(reverse("reports:dashboard_export"), {"batch": "999"})
    assert response.status_code == 302
