"""The upload page: preview, background job with progress, record detail, error report."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from huifang.customers.models import Customer, ImportRecord
from tests.customers.conftest import CUSTOMER_HEADER, CUSTOMER_ROWS, csv_bytes


def _upload(client, rows, skip_invalid=False):
    data = {
        "dataset": "customers",
        "file": SimpleUploadedFile("客户.csv", csv_bytes(CUSTOMER_HEADER, rows, "gbk")),
    }
    if skip_invalid:
        data["skip_invalid"] = "on"
    return client.post("/data/import/", data)


def test_upload_previews_then_imports_in_a_job(client_for, run_jobs, settings):
    client = client_for("hq_admin")
    preview = _upload(client, CUSTOMER_ROWS)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "确认导入" in html and "张三" in html
    token = preview.context["form"].initial["token"]
    with run_jobs():
        progress = client.post("/data/import/confirm/", {"token": token})
    assert progress.status_code == 200
    record = ImportRecord.objects.get()
    assert (record.status, record.created, record.source) == ("applied", 3, f"job:{record.job_id}")
    assert record.file_path.startswith("imports/")
    assert (settings.MEDIA_ROOT / record.file_path).exists()
    assert Customer.objects.count() == 3
    detail = client.get(f"/data/imports/{record.pk}/")
    assert detail.status_code == 200
    assert "已导入" in detail.content.decode()
    # 来源 in words, on the page and in the list's export
    assert f"后台任务 {record.job_id}" in detail.content.decode()
    assert f"job:{record.job_id}" not in detail.content.decode()
    export = client.get("/data/imports/", {"_export": "csv", "cols": ["id", "source"]})
    assert f"后台任务 {record.job_id}" in b"".join(export.streaming_content).decode("utf-8-sig")


def test_rejected_upload_offers_the_xlsx_report(client_for, run_jobs):
    client = client_for("hq_admin")
    rows = [list(r) for r in CUSTOMER_ROWS]
    rows[0][5] = "110105194912310021"
    token = _upload(client, rows).context["form"].initial["token"]
    with run_jobs():
        client.post("/data/import/confirm/", {"token": token})
    record = ImportRecord.objects.get()
    assert record.status == "rejected"
    assert not Customer.objects.exists()
    page = client.get(f"/data/imports/{record.pk}/").content.decode()
    assert "身份证号码校验位不正确" in page
    report = client.get(f"/data/imports/{record.pk}/report/")
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    assert [c.value for c in sheet[1]] == ["行号", "列", "值", "原因"]
    assert [c.value for c in sheet[2]] == [
        2,
        "证件号码",
        "110***********0021",  # masked as everywhere (core.masking.mask_id)
        "身份证号码校验位不正确",
    ]


def test_upload_page_needs_the_permission(client_for):
    assert client_for("agent_a").get("/data/import/").status_code == 403


def test_record_list_and_scope(client_for, imp_customers):
    assert client_for("hq_admin").get("/data/imports/").status_code == 200
    # the fixture's import ran without a user: only head office sees it
    assert (
        client_for("manager_a").get(f"/data/imports/{imp_customers.record.pk}/").status_code == 404
    )


def test_confirm_twice_does_not_import_twice(client_for, run_jobs):
    client = client_for("hq_admin")
    token = _upload(client, CUSTOMER_ROWS).context["form"].initial["token"]
    with run_jobs():
        client.post("/data/import/confirm/", {"token": token})
    again = client.post("/data/import/confirm/", {"token": token})
    assert again.status_code == 302
    assert ImportRecord.objects.count() == 1


def test_blank_template_download(client_for):
    response = client_for("hq_admin").get("/data/import/template/daily/")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "交易日期"


def test_the_templates_code_columns_are_formatted_as_text(client_for):
    """Typed into the template, 00000101 stays text: Excel keeps its leading zeros."""
    response = client_for("hq_admin").get("/data/import/template/customers/")
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    formats = {
        title: sheet.column_dimensions[get_column_letter(i)].number_format
        for i, title in enumerate(header, start=1)
    }
    assert formats["投资者代码"] == formats["部门代码"] == formats["证件号码"] == "@"
    assert formats["手机号"] == formats["经纪人编号"] == "@"
    assert formats["投资者名称"] == "General"
