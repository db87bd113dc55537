"""合规核查 checks are named in Chinese wherever people read them — the list of checks, the
dashboard's counts, a finding's 管理措施 (list, export, page, form, audit log) — while the
English name stays in URLs, the command's ``--check`` and the stored finding key."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from huifang.core.audit_display import describe
from huifang.core.models import AuditEvent
from huifang.reports import compliance, services
from huifang.reports.models import MeasureType

pytestmark = pytest.mark.django_db
TITLE = compliance.REGISTRY["overdue_tasks"].title


def visible_text(html: str) -> str:
    """The page's text without its tags (and so without the URLs in its links)."""
    return re.sub(r"<[^>]*>", " ", html)


@pytest.fixture
def measure(world, personas):
    return services.do_create_measure(
        world.a_late.customer,
        MeasureType.objects.get(name="面谈"),
        "逾期未回访",
        task=world.a_late,
        finding=f"overdue_tasks:{world.a_late.pk}",
        actor=personas["hq_admin"],
    )


def test_the_list_of_checks_shows_titles_never_names(world, client_for):
    text = visible_text(client_for("hq_admin").get(reverse("reports:compliance")).content.decode())
    for name, check in compliance.REGISTRY.items():
        assert check.title in text
        assert name not in text


def test_the_dashboard_counts_checks_by_title(world, client_for):
    page = client_for("hq_admin").get(reverse("reports:dashboard_compliance")).content.decode()
    counts = visible_text(page.split('id="compliance-counts"')[1].split("</div>")[0])
    assert TITLE in counts and "overdue_tasks" not in counts


def test_a_findings_measure_names_its_check_in_the_list_and_export(measure, client_for):
    client = client_for("hq_admin")
    page = client.get(reverse("reports:measure_list"))
    (row,) = page.context["table"].rows
    assert row.get_cell("source") == f"任务 #{measure.task_id}、合规核查“{TITLE}”"
    export = client.get(reverse("reports:measure_list"), {"_export": "csv"})
    (line,) = csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")))
    assert line["来源"] == f"任务 #{measure.task_id}、合规核查“{TITLE}”"


def test_a_findings_measure_page_names_its_check(measure, client_for):
    page = client_for("hq_admin").get(reverse("reports:measure_detail", args=[measure.pk]))
    text = visible_text(page.content.decode())
    assert f"合规核查“{TITLE}”" in text and "overdue_tasks" not in text


def test_the_measure_form_from_a_finding_names_its_check(world, client_for):
    url = reverse("reports:compliance_check", args=["overdue_tasks"])
    page = client_for("hq_admin").get(url, {"q": world.a_late.customer.investor_code})
    (item,) = page.context["items"]
    form = client_for("hq_admin").get(item["create"]).content.decode()
    sources = form.split('id="measure-sources"')[1].split("</dl>")[0]
    assert TITLE in sources and "overdue_tasks" not in sources


def test_the_audit_log_names_a_measures_check(measure):
    event = AuditEvent.objects.get(object_type="reports.measure", action="measure_create")
    (change,) = [c for c in describe(event).changes if c.label == "来源合规核查"]
    assert change.after == TITLE


def test_a_finding_key_of_no_known_check_stays_as_given():
    assert compliance.finding_title("外部稽核 2026-03") == "外部稽核 2026-03"
    assert compliance.finding_title("retired_check:4") == "retired_check:4"
