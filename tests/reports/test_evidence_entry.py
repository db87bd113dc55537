"""证据包 from its entry points: ``huifang evidence`` (output, Chinese errors for bad input),
the page (prefilled from the 360 and batch pages, direct download, background job, form
errors, refusal) and the buttons leading there."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from huifang.core.models import AuditEvent, Job
from huifang.reports.evidence import views
from huifang.reports.evidence.scope import NO_SCOPE
from tests.reports import evidence_world


@pytest.fixture
def w(branches, personas):
    return evidence_world.build(branches, personas)


def run(*args) -> str:
    out = io.StringIO()
    call_command("evidence", *args, stdout=out)
    return out.getvalue()


# -- the command -------------------------------------------------------------------------------


def test_the_command_writes_the_workbook_and_the_zip_beside_it(w, tmp_path):
    out = tmp_path / "ca.xlsx"
    printed = run("--customer", w.ca.investor_code, "--out", str(out))
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames[0] == "封面"
    assert str(out) in printed
    assert f"附件包：{tmp_path / 'ca.zip'}" in printed
    assert zipfile.is_zipfile(tmp_path / "ca.zip")


def test_the_command_is_audited_as_the_command(w, tmp_path):
    run("--batch", w.batch.number, "--out", str(tmp_path / "b.xlsx"))
    event = AuditEvent.objects.get(action="evidence")
    assert event.actor_label == "command:evidence"
    assert event.user is None
    assert (event.object_type, event.object_id) == ("callbacks.batch", str(w.batch.pk))


def test_the_command_takes_a_branch_and_a_period(w, tmp_path):
    out = tmp_path / "branch.xlsx"
    printed = run(
        "--branch", "0101", "--from", "2020-01-01", "--to", "2099-12-31", "--out", str(out)
    )
    assert "部门 0101 北京分公司" in printed
    assert out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], NO_SCOPE),
        (["--customer", "9999999999"], "投资者代码“9999999999”不存在"),
        (["--batch", "1"], "批次号“1”不存在"),
        (
            ["--branch", "9999", "--from", "2026-01-01", "--to", "2026-01-31"],
            "部门代码“9999”不存在",
        ),
        (["--branch", "0101"], "按部门生成证据包须指定起始日期和结束日期"),
        (
            ["--branch", "0101", "--from", "2026-02-01", "--to", "2026-01-01"],
            "起始日期不能晚于结束日期",
        ),
        (["--branch", "0101", "--from", "1.2.2026", "--to", "2026-01-01"], "不是有效日期"),
        (["--customer", "0700000001", "--from", "2026-01-01"], "起止日期只用于按部门生成证据包"),
        (["--customer", "X", "--batch", "1"], "只能指定其中一项"),
    ],
)
def test_bad_input_is_a_chinese_command_error(w, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args, "--out", str(tmp_path / "e.xlsx"))
    assert not AuditEvent.objects.filter(action="evidence").exists()


def test_the_output_must_be_an_xlsx_in_an_existing_folder(w, tmp_path):
    with pytest.raises(CommandError, match=r"\.xlsx"):
        run("--customer", w.ca.investor_code, "--out", str(tmp_path / "e.csv"))
    with pytest.raises(CommandError, match="目录不存在"):
        run("--customer", w.ca.investor_code, "--out", str(tmp_path / "no" / "e.xlsx"))


# -- the page ----------------------------------------------------------------------------------


def test_the_page_is_prefilled_from_the_link(w, client_for):
    page = client_for("hq_admin").get(reverse("reports:evidence") + f"?batch={w.batch.number}")
    form = page.context["form"]
    assert form.initial["kind"] == "batch"
    assert form.initial["batch"] == w.batch.number


def test_a_small_scope_downloads_at_once(w, client_for):
    answer = client_for("auditor").post(
        reverse("reports:evidence"), {"kind": "customer", "customer": w.ca.investor_code}
    )
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/zip"
    assert ".zip" in answer["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        assert "manifest.csv" in archive.namelist()
    assert AuditEvent.objects.filter(action="evidence", user__username="auditor").count() == 1


def test_a_big_scope_runs_as_a_job_whose_file_is_downloaded(w, client_for, run_jobs, monkeypatch):
    monkeypatch.setattr(views, "DIRECT_LIMIT", 1)
    client = client_for("hq_admin")
    with run_jobs():
        answer = client.post(
            reverse("reports:evidence"), {"kind": "batch", "batch": w.batch.number}
        )
    job = Job.objects.get(kind="reports.evidence")
    assert answer.url == reverse("core:job_detail", args=[job.pk])
    assert job.status == "succeeded", job.error
    assert job.result_file.endswith(".zip")
    download = client.get(reverse("core:job_download", args=[job.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert any(name.endswith(".xlsx") for name in archive.namelist())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "customer", "customer": "9999999999"}, "投资者代码“9999999999”不存在"),
        ({"kind": "batch", "batch": ""}, NO_SCOPE),
        ({"kind": "branch", "start": "2026-01-01", "end": "2026-01-31"}, NO_SCOPE),
        (
            {"kind": "branch", "branch": "BRANCH", "start": "2026-02-01", "end": "2026-01-01"},
            "起始日期不能晚于结束日期",
        ),
    ],
)
def test_bad_input_is_a_form_error(w, branches, client_for, data, message):
    if data.get("branch") == "BRANCH":
        data = {**data, "branch": branches["a1"].pk}
    answer = client_for("hq_admin").post(reverse("reports:evidence"), data)
    assert answer.status_code == 200
    assert message in answer.content.decode()


def test_another_branchs_customer_is_a_form_error_for_a_branch_user(w, client_for):
    answer = client_for("manager_a").post(
        reverse("reports:evidence"), {"kind": "customer", "customer": w.cb.investor_code}
    )
    assert answer.status_code == 200
    assert "不在您的权限范围内" in answer.content.decode()
    assert not AuditEvent.objects.filter(action="evidence").exists()


def test_an_agent_is_refused_the_page(w, client_for):
    assert client_for("agent_a").get(reverse("reports:evidence")).status_code == 403


def test_the_customer_page_and_the_batch_page_lead_there(w, client_for):
    client = client_for("hq_admin")
    customer = client.get(
        reverse("customers:customer_detail", args=[w.ca.investor_code])
    ).content.decode()
    batch = client.get(reverse("callbacks:batch_detail", args=[w.batch.pk])).content.decode()
    assert f"{reverse('reports:evidence')}?customer={w.ca.investor_code}" in customer
    assert f"{reverse('reports:evidence')}?batch={w.batch.number}" in batch


def test_the_buttons_are_hidden_without_the_permission(w, client_for):
    page = client_for("agent_a").get(
        reverse("customers:customer_detail", args=[w.ca.investor_code])
    )
    assert "生成证据包" not in page.content.decode()
