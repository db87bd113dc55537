"""``/api/v1/branches/`` writes: HQ creates and changes branches through ``do_save_branch``
(audited on the api channel); others 403; bad bodies 400 with Chinese errors by field."""

from __future__ import annotations

import pytest

from huifang.core.models import AuditEvent
from huifang.org.models import Branch

pytestmark = pytest.mark.django_db

URL = "/api/v1/branches/"


def post(client, body):
    return client.post(URL, body, content_type="application/json")


def patch(client, code, body):
    return client.patch(f"{URL}{code}/", body, content_type="application/json")


def test_the_list_takes_the_pages_filter(client_for):
    answer = client_for("hq_admin").get(URL, {"q": "0102"})
    assert [b["code"] for b in answer.json()["results"]] == ["0102", "010201"]


def test_hq_creates_a_branch(client_for, personas):
    answer = post(
        client_for("hq_admin"), {"code": "010102", "name": "期货朝阳营业部", "parent": "0101"}
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json() == {
        "code": "010102",
        "name": "期货朝阳营业部",
        "parent_code": "0101",
        "depth": 2,
        "is_active": True,
    }
    branch = Branch.objects.get(code="010102")
    assert branch.path == "/01/0101/010102/"
    row = AuditEvent.objects.get(object_type="org.branch", object_id=str(branch.pk))
    assert (row.action, row.actor_label, row.user) == ("create", "api", personas["hq_admin"])


def test_a_manager_may_not_create_a_branch(client_for):
    answer = post(client_for("manager_a"), {"code": "010102", "name": "x", "parent": "0101"})
    assert answer.status_code == 403
    assert not Branch.objects.filter(code="010102").exists()


def test_an_existing_code_is_400(client_for):
    answer = post(client_for("hq_admin"), {"code": "0101", "name": "改名", "parent": "01"})
    assert answer.status_code == 400
    assert answer.json()["errors"]["code"] == ["部门代码 0101 已存在"]
    assert Branch.objects.get(code="0101").name == "北京分公司"


def test_an_unknown_parent_is_400(client_for):
    answer = post(client_for("hq_admin"), {"code": "010102", "name": "x", "parent": "9999"})
    assert answer.status_code == 400
    assert "parent" in answer.json()["errors"]
    assert not Branch.objects.filter(code="010102").exists()


def test_hq_renames_and_moves_a_branch_with_its_subtree(client_for):
    client = client_for("hq_admin")
    answer = patch(client, "0102", {"name": "华东分公司", "parent": "0101"})
    assert answer.status_code == 200, answer.json()
    assert answer.json()["parent_code"] == "0101"
    assert Branch.objects.get(code="0102").name == "华东分公司"
    moved = Branch.objects.get(code="010201")
    assert (moved.path, moved.depth) == ("/01/0101/0102/010201/", 3)
    row = AuditEvent.objects.get(action="update", object_type="org.branch")
    assert row.actor_label == "api" and row.after["name"] == "华东分公司"


def test_a_branch_under_its_own_subtree_is_400(client_for):
    answer = patch(client_for("hq_admin"), "0101", {"parent": "010101"})
    assert answer.status_code == 400
    assert "不能挂在自己或下级部门之下" in answer.json()["errors"]["non_field_errors"][0]
    assert Branch.objects.get(code="0101").parent.code == "01"


def test_a_manager_may_not_change_a_branch(client_for):
    answer = patch(client_for("manager_a"), "010101", {"name": "改名"})
    assert answer.status_code == 403
    assert Branch.objects.get(code="010101").name == "期货北京营业部"


def test_an_unknown_branch_is_404(client_for):
    assert patch(client_for("hq_admin"), "9999", {"name": "x"}).status_code == 404


def test_a_branch_outside_the_callers_subtree_is_404(client_for, branches):
    from huifang.org.services import do_create_user

    north = do_create_user(
        username="hq_north", password=None, branch=branches["a"], role="hq_admin"
    )
    client = client_for("hq_admin")
    client.force_login(north)
    assert patch(client, "0102", {"name": "改名"}).status_code == 404
    assert Branch.objects.get(code="0102").name == "上海分公司"
