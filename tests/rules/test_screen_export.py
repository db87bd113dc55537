"""The screening's exports (``huifang screen --out``, the run page's 导出) go through the
one exporter: each writes exactly one ``export`` audit row, formula cells neutralised."""

from __future__ import annotations

import csv
import datetime
import io

from django.core.management import call_command
from django.urls import reverse

from huifang.core.models import AuditEvent
from huifang.rules import services
from huifang.rules.models import ScreeningRun

D = datetime.date


def call(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def exports():
    return AuditEvent.objects.filter(action="export")


def test_screen_out_preview_writes_one_audit_row_as_the_command(make, tmp_path):
    make(occupation="无业")
    path = tmp_path / "hits.csv"
    call("screen", "--as-of", "2025-12-31", "--branch", "0101", "--out", str(path))
    event = exports().get()
    assert event.actor_label == "command:screen"
    assert event.object_type == "rules.hit"
    assert "导出 1 行" in event.message and str(path) in event.message
    assert "基准日=2025-12-31" in event.message and "部门=0101" in event.message


def test_screen_out_with_freeze_writes_one_audit_row_about_the_run(make, tmp_path):
    make(occupation="无业")
    path = tmp_path / "hits.xlsx"
    call("screen", "--as-of", "2025-12-31", "--freeze", "--out", str(path))
    run = ScreeningRun.objects.get()
    event = exports().get()
    assert (event.object_type, event.object_id) == ("rules.screeningrun", str(run.pk))
    assert event.actor_label == "command:screen" and str(path) in event.message


def test_screen_without_out_writes_no_export_row(make):
    make(occupation="无业")
    call("screen", "--as-of", "2025-12-31")
    assert not exports().exists()


def test_screen_out_neutralises_a_formula_in_a_name(make, tmp_path):
    make(occupation="无业", name="=1+2")
    path = tmp_path / "hits.csv"
    call("screen", "--as-of", "2025-12-31", "--out", str(path))
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    assert rows[0]["投资者名称"] == "'=1+2"


def test_run_page_export_writes_one_audit_row_per_download(client_for, personas, make):
    make(occupation="无业")
    run = services.do_run_screening(D(2025, 12, 31), actor=personas["hq_admin"])
    url = reverse("rules:run_detail", args=[run.pk])
    client = client_for("manager_a")
    b"".join(client.get(url + "?_export=csv").streaming_content)
    assert client.get(url + "?_export=xlsx").status_code == 200
    events = list(exports().order_by("pk"))
    assert len(events) == 2
    assert {e.object_id for e in events} == {str(run.pk)}
    assert {e.user.username for e in events} == {"manager_a"}


def test_the_export_shows_the_birth_date_as_the_hit_pages_do(client_for, personas, make):
    """生日 and A003's 出生日期 are shown in full on the hit list and the hit's page (the
    basis of the elderly rule and its deadline; core.masking masks IDs, phones, e-mails
    and addresses): the export shows exactly what the pages show, no more, no less."""
    make(birth_date=D(1940, 5, 6), name="老年客户")
    run = services.do_run_screening(D(2025, 12, 31), rules=["A003"], actor=personas["hq_admin"])
    hit = run.hits.get()
    client = client_for("hq_admin")
    url = reverse("rules:run_detail", args=[run.pk])
    listed = client.get(url, {"cols": ["investor_code", "birth_date"]}).content.decode()
    detail = client.get(reverse("rules:hit_detail", args=[run.pk, hit.pk])).content.decode()
    assert "1940-05-06" in listed and "<td>1940-05-06</td>" in detail
    text = b"".join(client.get(url + "?_export=csv").streaming_content).decode("utf-8-sig")
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["生日"] == "1940-05-06" and row["A003 出生日期"] == "1940-05-06"
