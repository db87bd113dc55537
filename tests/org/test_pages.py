"""Pages of org and core by persona: permissions, scoping (404, not 403), audit rows."""

from huifang.core.models import AuditEvent
from huifang.org.models import User
from tests.conftest import PASSWORD


def test_anonymous_users_are_sent_to_login(client, db):
    response = client.get("/org/users/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_hq_admin_lists_users(client_for):
    response = client_for("hq_admin").get("/org/users/")
    assert response.status_code == 200
    assert "agent_b" in response.content.decode()


def test_agent_may_not_open_user_admin(client_for):
    assert client_for("agent_a").get("/org/users/").status_code == 403


def test_branch_list_shows_only_the_managers_subtree(client_for):
    body = client_for("manager_a").get("/org/branches/").content.decode()
    assert "北京分公司" in body
    assert "上海分公司" not in body


def test_editing_an_out_of_scope_user_is_404(client_for, personas, branches):
    admin = personas["hq_admin"]
    admin.branch = branches["a"]
    admin.save()
    response = client_for("hq_admin").get(f"/org/users/{personas['agent_b'].pk}/")
    assert response.status_code == 404


def test_creating_a_user_in_the_page_writes_one_audit_row(client_for, branches):
    client = client_for("hq_admin")
    before = AuditEvent.objects.filter(action="create", object_type="org.user").count()
    response = client.post(
        "/org/users/new/",
        {
            "username": "new_agent",
            "full_name": "新专员",
            "branch": branches["b1"].pk,
            "role": "agent",
            "password": "Another-pass-2026",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="new_agent")
    assert user.groups.get().name == "回访专员"
    events = AuditEvent.objects.filter(action="create", object_type="org.user")
    assert events.count() == before + 1
    event = events.first()
    assert event.user.username == "hq_admin"
    assert event.after["branch_id"] == branches["b1"].pk


def test_export_of_the_user_list_is_audited_and_scoped(client_for, personas, branches):
    admin = personas["hq_admin"]
    admin.branch = branches["b"]
    admin.save()
    response = client_for("hq_admin").get("/org/users/?_export=csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "agent_b" in body
    assert "agent_a" not in body
    assert AuditEvent.objects.filter(action="export", user=admin).exists()


def test_the_user_list_export_leaves_out_the_login_history_link(client_for, personas):
    """The page's 登录记录 column is a link (查看); the export had a column of 查看."""
    response = client_for("hq_admin").get("/org/users/?_export=csv")
    header = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert header.split(",") == ["用户名", "姓名", "角色", "所属部门", "手机号", "有效", "上次登录"]


def test_a_lists_pages_are_named_in_chinese_for_screen_readers(client_for, personas):
    """django-tables2's pagination says aria-label="Table navigation"; ours says 分页."""
    html = client_for("hq_admin").get("/org/users/?per_page=1").content.decode()
    assert '<nav aria-label="分页">' in html and "Table navigation" not in html
    assert 'href="?per_page=1&amp;page=2"' in html


def test_login_and_failed_login_are_audited(client, personas):
    client.post("/login/", {"username": "agent_a", "password": "wrong"})
    client.post("/login/", {"username": "agent_a", "password": PASSWORD})
    actions = list(
        AuditEvent.objects.filter(action__startswith="login").values_list("action", flat=True)
    )
    assert "login_failed" in actions
    assert "login" in actions


def test_repeated_failures_lock_the_account(client, personas, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/login/", {"username": "agent_a", "password": "wrong"})
    response = client.post("/login/", {"username": "agent_a", "password": PASSWORD})
    assert "已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_pages_carry_a_content_security_policy(client_for):
    response = client_for("hq_admin").get("/")
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_audit_log_is_for_hq_and_auditors_only(client_for):
    assert client_for("auditor").get("/system/audit/").status_code == 200
    assert client_for("agent_a").get("/system/audit/").status_code == 403


def test_a_list_page_queries_its_rows_once(client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("hq_admin")
    with CaptureQueriesContext(connection) as captured:
        client.get("/org/users/")
    page_queries = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT "org_user"') and "LIMIT 51" in q["sql"]
    ]
    assert len(page_queries) == 1


def test_the_password_field_reads_initial_on_a_new_user_and_reset_on_an_existing_one(
    client_for, personas
):
    client = client_for("hq_admin")
    new = client.get("/org/users/new/").content.decode()
    edit = client.get(f"/org/users/{personas['agent_a'].pk}/").content.decode()
    assert ">初始密码</label>" in new and "重置密码" not in new
    assert ">重置密码</label>" in edit and "初始密码" not in edit
    assert "留空表示不修改" in edit
