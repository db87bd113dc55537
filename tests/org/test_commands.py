import pytest
from django.core.management import CommandError, call_command

from huifang.core.models import AuditEvent
from huifang.org.models import Branch, User


def test_branch_add_builds_the_tree_and_is_audited_as_the_command(db):
    call_command("branch", "add", "01", "总部")
    call_command("branch", "add", "0101", "北京分公司", "--parent", "01")
    assert Branch.objects.get(code="0101").path == "/01/0101/"
    events = AuditEvent.objects.filter(object_type="org.branch", action="create")
    assert events.count() == 2
    assert set(events.values_list("actor_label", flat=True)) == {"command:branch"}
    assert events.filter(user__isnull=True).count() == 2


def test_user_create_writes_exactly_one_audit_row(branches):
    before = AuditEvent.objects.count()
    call_command(
        "user",
        "create",
        "boss",
        "--branch",
        "01",
        "--role",
        "hq_admin",
        "--password",
        "Strong-pass-2026",
    )
    assert User.objects.get(username="boss").check_password("Strong-pass-2026")
    new = AuditEvent.objects.all()[: AuditEvent.objects.count() - before]
    assert [(e.action, e.actor_label) for e in new] == [("create", "command:user")]


def test_user_create_with_unknown_branch_fails_clearly(db):
    with pytest.raises(CommandError, match="部门代码不存在"):
        call_command(
            "user",
            "create",
            "xavier",
            "--branch",
            "99",
            "--role",
            "agent",
            "--password",
            "Strong-pass-2026",
        )
    assert not User.objects.exists()


def test_moving_a_branch_rewrites_its_subtree_paths(branches):
    call_command("branch", "add", "0101", "北京分公司", "--parent", "0102")
    assert Branch.objects.get(code="010101").path == "/01/0102/0101/010101/"
    assert Branch.objects.get(code="010101").depth == 3


def test_user_create_with_a_short_password_says_why_in_chinese(branches):
    with pytest.raises(CommandError) as raised:
        call_command(
            "user", "create", "shorty", "--branch", "01", "--role", "agent", "--password", "Ab-1"
        )
    assert str(raised.value) == "密码太短：至少 8 个字符"
    assert not User.objects.filter(username="shorty").exists()


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("", "请填写用户名"),
        ("bad name!", "用户名只能包含字母、数字和 _.@-，长度 3–150"),
        ("ab", "用户名只能包含字母、数字和 _.@-，长度 3–150"),
    ],
)
def test_user_create_refuses_a_username_the_user_page_refuses(branches, username, message):
    before = User.objects.count()
    with pytest.raises(CommandError) as raised:
        call_command(
            "user", "create", username, "--branch", "01", "--role", "agent",
            "--password", "Strong-pass-2026",
        )  # fmt: skip
    assert str(raised.value) == message
    assert User.objects.count() == before


def test_branch_add_refuses_a_blank_name(db):
    with pytest.raises(CommandError, match=r"^部门名称不能为空$"):
        call_command("branch", "add", "0199", "  ")
    assert not Branch.objects.filter(code="0199").exists()


def test_user_set_password_without_a_password_to_read_says_so(personas, monkeypatch):
    """Run from cron with nothing on stdin: a Chinese message, not getpass's EOFError."""

    def no_input(prompt=""):
        raise EOFError

    monkeypatch.setattr("getpass.getpass", no_input)
    with pytest.raises(CommandError, match="没有读到密码：请在终端中运行，或用 --password 给出"):
        call_command("user", "set-password", "agent_a")
