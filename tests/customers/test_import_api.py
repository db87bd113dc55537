"""POST /api/v1/imports/<dataset>/: counts, or 400 in the API's one error shape with the
counts and the row report beside it."""

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


BAD_MOBILE = "1381234567"  # ten digits: refused, and personal data all the same
SHOWN = "138*****67"  # as core.masking.mask_phone shows it


def _refused(client):
    rows = _rows()
    rows[1]["手机号"] = BAD_MOBILE
    return client.post(
        "/api/v1/imports/customers/", {"rows": rows}, content_type="application/json"
    )


def test_api_returns_400_with_the_row_report(client_for):
    response = _refused(client_for("hq_admin"))
    assert response.status_code == 400
    assert response.json()["report"] == [
        {"row": 2, "column": "手机号", "value": SHOWN, "reason": "手机号须为11位大陆手机号码"}
    ]
    assert BAD_MOBILE not in response.content.decode()
    assert response.json()["error_count"] == 1
    assert not Customer.objects.exists()


def test_the_400_has_the_apis_error_shape_with_errors_under_rows(client_for):
    body = _refused(client_for("hq_admin")).json()
    assert body["code"] == "invalid" and "什么也没有写入" in body["message"]
    assert body["errors"] == {"rows": [f"第 2 行 手机号（{SHOWN}）：手机号须为11位大陆手机号码"]}
    assert (body["ok"], body["rejected"]) == (False, 1)


def test_a_refused_file_has_its_errors_under_file(client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    rows = [list(r) for r in CUSTOMER_ROWS]
    rows[1][11] = BAD_MOBILE
    upload = SimpleUploadedFile("客户.csv", csv_bytes(CUSTOMER_HEADER, rows, "utf-8"))
    body = client_for("hq_admin").post("/api/v1/imports/customers/", {"file": upload}).json()
    assert body["errors"] == {"file": [f"第 3 行 手机号（{SHOWN}）：手机号须为11位大陆手机号码"]}


def test_rows_skipped_are_reported_on_the_200(client_for):
    rows = _rows()
    rows[1]["手机号"] = "12345"
    response = client_for("hq_admin").post(
        "/api/v1/imports/customers/",
        {"rows": rows, "skip_invalid": True},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["rejected"], "errors" in body) == (2, 1, False)
    assert [e["row"] for e in body["report"]] == [2]


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
    assert {e["reason"] for e in response.json()["report"]} == {"该部门不在您的权限范围内"}


def test_api_without_rows_is_a_400_by_field(client_for):
    response = client_for("hq_admin").post(
        "/api/v1/imports/daily/", {"skip_invalid": True}, content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"code", "message", "errors"}
    assert "rows" in response.json()["errors"]


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


def test_errors_name_the_first_problems_then_how_many_more(client_for, monkeypatch):
    from huifang.customers import import_answers

    monkeypatch.setattr(import_answers, "LISTED", 1)
    rows = _rows()
    rows[0]["手机号"] = rows[1]["手机号"] = "12345"
    body = (
        client_for("hq_admin")
        .post("/api/v1/imports/customers/", {"rows": rows}, content_type="application/json")
        .json()
    )
    listed = body["errors"]["rows"]
    assert listed[0].startswith("第 1 行 手机号") and listed[1].startswith("另有 1 处问题")
    assert len(body["report"]) == 2


def test_an_object_lacking_a_key_other_objects_have_refuses_the_batch(client_for):
    """A key left out of one object (but sent in others) would clear that record's field
    as an empty cell does: the batch is refused instead, naming the row and the key."""
    client = client_for("hq_admin")
    rows = _rows()
    rows[1]["手机号"] = "13900000002"
    client.post("/api/v1/imports/customers/", {"rows": rows}, content_type="application/json")
    rows = _rows()[:2]
    rows[0]["投资者名称"] = "张三丰"
    del rows[1]["手机号"]
    response = client.post(
        "/api/v1/imports/customers/", {"rows": rows}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "rows": [
            "rows 第 2 个元素缺少“手机号”（其他元素有此字段）：同一批的元素须有相同的字段，"
            "要清空请传 null 或空字符串，要保留原值请在所有元素中都省略该字段"
        ]
    }
    assert Customer.objects.get(investor_code="00000102").mobile == "13900000002"
    assert Customer.objects.get(investor_code="00000101").name == "张三"


def test_daily_objects_may_leave_out_their_zero_amounts(imp_customers, client_for):
    """An absent daily amount is 0 (data-interface.md) whether its key is left out of
    every object or of some: nothing stored is kept, so nothing is altered."""
    base = {"交易日期": "2025-03-03", "上日权益": "100.00"}
    rows = [
        {**base, "投资者代码": "00000101", "入金": "5.00", "当日权益": "105.00"},
        {**base, "投资者代码": "00000102", "当日权益": "100.00"},
    ]
    response = client_for("hq_admin").post(
        "/api/v1/imports/daily/", {"rows": rows}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 2
