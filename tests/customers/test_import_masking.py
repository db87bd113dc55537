"""An import's row report shows personal data masked as the rest of the product masks it
(``core.masking``, through the column spec's ``mask``), on every path: the record page,
the downloadable xlsx, the job's log and result, the API's answer and ``huifang import``;
other values stay in clear, so that the file can be fixed."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from huifang.core.models import Job
from huifang.customers.importers import import_rows, specs
from huifang.customers.models import Customer, ImportRecord
from tests.customers.conftest import CUSTOMER_HEADER, CUSTOMER_ROWS, csv_bytes

BAD_ID = "110105194912310021"  # a 身份证 number whose check digit is wrong
BAD_ID_SHOWN = "110***********0021"
BAD_MOBILE = "1381234567"  # ten digits
BAD_MOBILE_SHOWN = "138*****67"
SHORT_ID = "11010"  # too short for any mask to keep a head and a tail
BAD_BRANCH = "999999"  # not personal data: in clear
CLEAR = (BAD_ID, BAD_MOBILE, SHORT_ID)


def _bad_rows():
    rows = [list(r) for r in CUSTOMER_ROWS]
    rows[0][5] = BAD_ID
    rows[0][11] = BAD_MOBILE
    rows[1][4], rows[1][5] = "身份证", SHORT_ID
    rows[2][9] = BAD_BRANCH
    return rows


def _assert_masked(text: str) -> None:
    for value in CLEAR:
        assert value not in text
    assert BAD_ID_SHOWN in text and BAD_MOBILE_SHOWN in text and "*****" in text
    assert BAD_BRANCH in text


# -- the masks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("id_number", BAD_ID, BAD_ID_SHOWN),
        ("mobile", BAD_MOBILE, BAD_MOBILE_SHOWN),
        ("phone", "010-8888666", "010******66"),
        ("address", "北京市朝阳区建国路88号", "北京市朝阳区****"),
        ("email", "zhangsan@qq.com", "zh****an@qq.com"),
    ],
)
def test_a_personal_value_is_masked_as_the_product_masks_it(key, value, shown):
    assert specs.CUSTOMERS.by_key[key].masked(value) == shown


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("id_number", SHORT_ID),  # mask_id stars it all itself
        ("id_number", "E1234567"),  # mask_id would keep 7 of its 8 characters
        ("mobile", "138123"),  # mask_phone would keep 5 of 6
        ("email", "ab@x.cn"),  # mask_email would keep all but one character
        ("mobile", "138****5678"),  # already stars: nothing more would be hidden
    ],
)
def test_a_value_too_short_or_malformed_for_its_mask_is_hidden_whole(key, value):
    assert specs.CUSTOMERS.by_key[key].masked(value) == "*" * len(value)


def test_values_of_other_columns_are_shown_as_they_are():
    for key in ("investor_code", "name", "branch_code", "open_date", "birth_date"):
        assert specs.CUSTOMERS.by_key[key].masked("00000101") == "00000101"
    assert specs.DAILY.by_key["equity"].masked("1,000.00") == "1,000.00"


# -- the paths -------------------------------------------------------------------------------


def test_the_stored_row_report_is_masked(branches):
    rows = [dict(zip(CUSTOMER_HEADER, r, strict=True)) for r in _bad_rows()]
    record = import_rows("customers", rows).record
    record.refresh_from_db()
    _assert_masked(json.dumps(record.errors, ensure_ascii=False))
    assert [e[:3] for e in record.errors] == [
        [1, "证件号码", BAD_ID_SHOWN],
        [1, "手机号", BAD_MOBILE_SHOWN],
        [2, "证件号码", "*****"],
        [3, "部门代码", BAD_BRANCH],
    ]


def _upload(client, rows):
    upload = SimpleUploadedFile("客户.csv", csv_bytes(CUSTOMER_HEADER, rows, "gbk"))
    return client.post("/data/import/", {"dataset": "customers", "file": upload})


@pytest.fixture
def refused_upload(client_for, run_jobs):
    """A file with bad personal values imported through the upload page's job."""
    client = client_for("hq_admin")
    token = _upload(client, _bad_rows()).context["form"].initial["token"]
    with run_jobs():
        client.post("/data/import/confirm/", {"token": token})
    record = ImportRecord.objects.get()
    assert record.status == "rejected" and not Customer.objects.exists()
    return client, record


def test_the_record_page_shows_the_report_masked(refused_upload):
    client, record = refused_upload
    page = client.get(f"/data/imports/{record.pk}/").content.decode()
    _assert_masked(page)
    assert "身份证号码校验位不正确" in page


def test_the_downloaded_error_report_is_masked(refused_upload):
    client, record = refused_upload
    report = client.get(f"/data/imports/{record.pk}/report/")
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    cells = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert cells == [
        [2, "证件号码", BAD_ID_SHOWN, "身份证号码校验位不正确"],
        [2, "手机号", BAD_MOBILE_SHOWN, "手机号须为11位大陆手机号码"],
        [3, "证件号码", "*****", "身份证号码格式不正确（应为18位）"],
        [4, "部门代码", BAD_BRANCH, "部门代码不存在"],
    ]


def test_a_report_rebuilt_from_the_record_is_masked(refused_upload, settings):
    client, record = refused_upload
    (settings.MEDIA_ROOT / record.report_file).unlink()
    report = client.get(f"/data/imports/{record.pk}/report/")
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    _assert_masked(json.dumps([[c.value for c in row] for row in sheet.iter_rows()]))


def test_the_jobs_log_and_result_are_masked(refused_upload):
    job = Job.objects.get()
    _assert_masked(json.dumps(job.result, ensure_ascii=False))
    for value in CLEAR:
        assert value not in job.log and value not in job.error


def test_the_upload_preview_shows_personal_data_masked(client_for):
    rows = [list(r) for r in CUSTOMER_ROWS]
    page = _upload(client_for("hq_admin"), rows).content.decode()
    assert "11010519491231002X" not in page and "110***********002X" in page
    assert "13812345678" not in page and "138****5678" in page
    assert "E12345678" not in page  # a passport number too short for mask_id to hide enough
    assert "00000101" in page and "张三" in page


def test_the_apis_answer_is_masked(client_for):
    rows = [dict(zip(CUSTOMER_HEADER, r, strict=True)) for r in _bad_rows()]
    response = client_for("hq_admin").post(
        "/api/v1/imports/customers/", {"rows": rows}, content_type="application/json"
    )
    assert response.status_code == 400
    _assert_masked(response.content.decode())
    assert response.json()["errors"]["rows"][0] == (
        f"第 1 行 证件号码（{BAD_ID_SHOWN}）：身份证号码校验位不正确"
    )


def test_the_commands_report_is_masked(branches, imp_write_csv, capsys):
    with pytest.raises(CommandError):
        call_command("import", "customers", str(imp_write_csv(CUSTOMER_HEADER, _bad_rows())))
    captured = capsys.readouterr()
    _assert_masked(captured.err)
    assert f"2\t证件号码\t{BAD_ID_SHOWN}\t身份证号码校验位不正确" in captured.err
    for value in CLEAR:
        assert value not in captured.out


def test_the_cells_of_an_overlong_csv_row_are_not_shown(branches, imp_write_csv):
    """An unquoted comma shifts a row's cells: any of those beyond the header may be a
    personal-data column's, so a customers file's are hidden."""
    path = imp_write_csv(CUSTOMER_HEADER, [[*CUSTOMER_ROWS[0], "北京市朝阳区建国路88号"]])
    from huifang.customers.importers import import_file

    result = import_file("customers", path)
    (error,) = result.errors
    assert "多于表头" in error.reason
    assert error.value == "*" * len("北京市朝阳区建国路88号")


def test_the_drop_folders_report_beside_a_refused_file_is_masked(branches, settings, tmp_path):
    from huifang.automation import intake
    from huifang.core import audit

    settings.INTAKE_DIR = tmp_path / "intake"
    settings.INTAKE_SETTLE_SECONDS = 0
    path = settings.INTAKE_DIR / "customers" / "客户.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(csv_bytes(CUSTOMER_HEADER, _bad_rows()))
    with audit.acting(label="job:自动导入"):
        [run] = intake.run_pass()
    sheet = load_workbook(run.report_path).active
    _assert_masked(json.dumps(list(sheet.values), ensure_ascii=False))
