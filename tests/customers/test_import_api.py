"""POST /api/v1/imports/<dataset>/: counts, or 400 with the row report."""

from huifang.customers.models import Customer, ImportRecord
from tests.customers.conftest import CUSTOMER_HEADER, CUSTOMER_ROWS, csv_bytes


def _rows():
    return [dict(zip(CUSTOMER_HEADER, r, strict=True)) for r in CUSTOMER_ROWS]


def test_api_imports_json_rows(client_for):
    client = client_for("hq_admin")
    response = client.post(
        "/api/v1/imports/customers/", {"rows": _rows()}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["ok"], body["created"], body["rejected"]) == (True, 3, 0)
    assert ImportRecord.objects.get(pk=body["record"]).source == "api"


def test_api_returns_400_with_the_row_report(client_for):
    rows = _rows()
    rows[1]["手机号"] = "12345"
    response = client_for("hq_admin").post(
        "/api/v1/imports/customers/", {"rows": rows}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"row": 2, "column": "手机号", "value": "12345", "reason": "手机号须为11位大陆手机号码"}
    ]
    assert not Customer.objects.exists()


def test_api_accepts_a_multipart_file(client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("客户.csv", csv_bytes(CUSTOMER_HEADER, CUSTOMER_ROWS, "gbk"))
    response = client_for("hq_admin").post(
        "/api/v1/imports/customers/", {"file": upload, "skip_invalid": "false"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 3
    assert ImportRecord.objects.get().file_path.startswith("imports/")


def test_api_needs_the_import_permission(client_for):
    response = client_for("manager_a").post(
        "/api/v1/imports/customers/", {"rows": _rows()}, content_type="application/json"
    )
    assert response.status_code == 403


def test_api_scopes_rows_to_the_users_branch(personas, client):
    from huifang.org.models import Role
    from huifang.org.services import do_create_user

    user = do_create_user(
        username="importer_b", password=None, branch=personas["agent_b"].branch, role=Role.HQ_ADMIN
    )
    client.force_login(user)
    response = client.post(
        "/api/v1/imports/customers/", {"rows": _rows()}, content_type="application/json"
    )
    assert response.status_code == 400
    assert {e["reason"] for e in response.json()["errors"]} == {"该部门不在您的权限范围内"}


def test_api_without_rows_is_a_400(client_for):
    response = client_for("hq_admin").post(
        "/api/v1/imports/daily/", {"skip_invalid": True}, content_type="application/json"
    )
    assert response.status_code == 400


def test_api_rows_with_a_nul_character_are_a_400_in_chinese(client_for):
    response = client_for("hq_admin").post(
        "/api/v1/imports/branches/",
        {"rows": [{"\x00": None}]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "空字符（NUL）" in response.content.decode()


def test_api_lists_import_records(client_for):
    client = client_for("hq_admin")
    client.post("/api/v1/imports/customers/", {"rows": _rows()}, content_type="application/json")
    response = client.get("/api/v1/imports/")
    assert response.status_code == 200
    assert response.json()["results"][0]["created"] == 3
