"""``/api/v1/users/``: read as the user page is (org.view_user, scoped), written by user
administrators (HQ) only; the user page's filters; create and
change through ``do_create_user`` / ``do_update_user`` with the page form's rules; never a
password or a token in an answer."""

from __future__ import annotations

import pytest

from huifang.core.models import AuditEvent
from huifang.org.models import User

pytestmark = pytest.mark.django_db

URL = "/api/v1/users/"
NEW = {
    "username": "agent_c",
    "full_name": "王五",
    "branch": "010101",
    "role": "agent",
    "mobile": "13800000000",
    "password": "Huifang-2026-init",
}


def post(client, body):
    return client.post(URL, body, content_type="application/json")


def patch(client, pk, body):
    return client.patch(f"{URL}{pk}/", body, content_type="application/json")


def test_hq_lists_users_with_the_pages_filters(client_for):
    answer = client_for("hq_admin").get(URL, {"role": "agent"})
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [u["username"] for u in results] == ["agent_a", "agent_b"]
    assert results[0]["branch_code"] == "010101" and results[0]["role_label"] == "回访专员"
    assert not {"password", "token", "auth_token"} & set(results[0])


def test_an_agent_is_refused(client_for):
    answer = client_for("agent_a").get(URL)
    assert (answer.status_code, answer.json()["message"]) == (403, "您没有查看用户的权限")


@pytest.mark.parametrize("persona", ["manager_a", "auditor"])
def test_whoever_reads_the_user_page_reads_the_same_users(client_for, persona):
    """The page lets a branch manager (their branches' users) and the auditor (everyone)
    read 用户管理; the API answered them 403."""
    client = client_for(persona)
    page = client.get("/org/users/")
    expected = [row.record.pk for row in page.context["table"].paginated_rows]
    answer = client.get(URL)
    assert answer.status_code == 200
    assert [u["id"] for u in answer.json()["results"]] == expected


def test_a_manager_reads_only_their_branches_users(client_for):
    answer = client_for("manager_a").get(URL)
    assert [u["username"] for u in answer.json()["results"]] == ["agent_a", "manager_a"]


def test_hq_creates_a_user(client_for, personas):
    answer = post(client_for("hq_admin"), NEW)
    assert answer.status_code == 201, answer.json()
    assert "password" not in answer.json() and "Huifang-2026-init" not in answer.content.decode()
    user = User.objects.get(username="agent_c")
    assert user.branch.code == "010101" and user.role == "agent"
    assert user.check_password("Huifang-2026-init") and user.must_change_password
    assert user.groups.get().name
    row = AuditEvent.objects.get(action="create", object_type="org.user", object_id=str(user.pk))
    assert (row.actor_label, row.user) == ("api", personas["hq_admin"])


def test_a_manager_may_not_create_a_user(client_for):
    assert post(client_for("manager_a"), NEW).status_code == 403
    assert not User.objects.filter(username="agent_c").exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"username": "agent_a"}, "username", "该用户名已存在"),
        ({"password": "123"}, "password", None),
        ({"branch": "9999"}, "branch", None),
        ({"mobile": "12345"}, "mobile", "请输入 11 位手机号"),
    ],
)
def test_a_bad_body_is_400_by_field(client_for, change, field, message):
    answer = post(client_for("hq_admin"), {**NEW, **change})
    assert answer.status_code == 400
    errors = answer.json()["errors"][field]
    assert errors and (message is None or errors == [message])
    assert not User.objects.filter(full_name="王五").exists()


def test_hq_changes_a_user_and_resets_the_password(client_for, personas):
    target = personas["agent_b"]
    answer = patch(
        client_for("hq_admin"),
        target.pk,
        {"role": "branch_manager", "password": "Huifang-2026-reset"},
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["role"] == "branch_manager"
    assert "Huifang-2026-reset" not in answer.content.decode()
    target.refresh_from_db()
    assert target.role == "branch_manager" and target.full_name == "agent_b"
    assert target.check_password("Huifang-2026-reset")
    row = AuditEvent.objects.get(action="update", object_type="org.user", object_id=str(target.pk))
    assert row.actor_label == "api" and row.after == {"role": "branch_manager"}


def test_deactivating_oneself_is_400(client_for, personas):
    me = personas["hq_admin"]
    answer = patch(client_for("hq_admin"), me.pk, {"is_active": False})
    assert answer.status_code == 400
    assert answer.json()["errors"]["non_field_errors"] == ["不能停用自己的账号"]
    me.refresh_from_db()
    assert me.is_active


def test_a_manager_may_not_change_a_user(client_for, personas):
    target = personas["agent_a"]
    assert patch(client_for("manager_a"), target.pk, {"full_name": "改"}).status_code == 403
    target.refresh_from_db()
    assert target.full_name == "agent_a"


def test_an_unknown_user_is_404(client_for):
    assert patch(client_for("hq_admin"), 999999, {"full_name": "x"}).status_code == 404


def test_a_user_outside_the_administrators_subtree_is_404(client_for, personas, branches):
    from huifang.org.services import do_create_user

    north = do_create_user(
        username="hq_north", password=None, branch=branches["a"], role="hq_admin"
    )
    client = client_for("hq_admin")
    client.force_login(north)
    assert client.get(f"{URL}{personas['agent_b'].pk}/").status_code == 404
    assert patch(client, personas["agent_b"].pk, {"full_name": "改"}).status_code == 404
    personas["agent_b"].refresh_from_db()
    assert personas["agent_b"].full_name == "agent_b"
