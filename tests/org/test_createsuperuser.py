"""``huifang createsuperuser`` (interfaces.md: it works) speaks Chinese and creates the user
through the user service: audited, the password rules, temporary outside a demo."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError

from huifang import cli
from huifang.core.models import AuditEvent
from huifang.org.models import User
from huifang.overrides.management.commands.createsuperuser import Command

pytestmark = pytest.mark.django_db
PASSWORD = "Huifang-super-2026"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(Command(), *args, stdout=out, stderr=out, **options)
    return out.getvalue()


def test_the_huifang_script_runs_the_projects_createsuperuser():
    command = cli.utility()(["huifang"]).fetch_command("createsuperuser")
    assert isinstance(command, Command)
    assert command.help.startswith("创建超级用户")


def test_call_command_by_name_runs_the_projects_createsuperuser(monkeypatch):
    """Not django.contrib.auth's English one: its app is listed before auth."""
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    out = io.StringIO()
    call_command("createsuperuser", "--noinput", "--username", "boss", stdout=out)
    assert get_commands()["createsuperuser"] == "huifang.overrides"
    assert out.getvalue().startswith("已创建超级用户 boss")
    assert AuditEvent.objects.filter(action="create", object_type="org.user").exists()


def test_python_m_django_runs_the_projects_createsuperuser():
    shown = subprocess.run(
        [sys.executable, "-m", "django", "help", "createsuperuser"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "huifang.settings"},
    ).stdout
    assert "创建超级用户" in shown and "--noinput" in shown


def test_noinput_creates_an_audited_superuser_and_says_so_in_chinese(monkeypatch, settings):
    settings.DEMO = False
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)

    text = run("--noinput", "--username", "boss", "--email", "boss@example.com")

    user = User.objects.get(username="boss")
    assert user.is_superuser and user.is_staff and user.check_password(PASSWORD)
    assert user.must_change_password  # like huifang user create outside a demo
    assert text.splitlines() == [
        "已创建超级用户 boss（拥有全部权限，可查看全部部门）",
        "该用户下次登录时须先修改密码（HUIFANG_DEMO 未开启）",
        "日常使用的总部合规管理员请用 huifang user create 用户名 --branch 部门代码 --role hq_admin 创建",
    ]
    event = AuditEvent.objects.get(action="create", object_type="org.user")
    assert event.actor_label == "command:createsuperuser" and event.after["is_superuser"] is True


def test_noinput_without_a_username_is_refused_in_chinese(monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    with pytest.raises(CommandError, match="--noinput 时须用 --username 给出用户名"):
        run("--noinput")
    assert not User.objects.exists()


def test_a_weak_password_from_the_environment_is_refused_and_nothing_is_created(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "123")
    with pytest.raises(CommandError) as refused:
        run("--noinput", "--username", "boss")
    assert "密码" in str(refused.value) and not User.objects.exists()


def test_the_prompts_and_their_errors_are_chinese(monkeypatch):
    prompts: list[str] = []
    answers = iter(["boss", ""])
    passwords = iter([PASSWORD, "other", PASSWORD, PASSWORD])
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or next(answers))
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or next(passwords))

    text = run(stdin=Terminal())

    assert prompts[0].startswith("用户名") and prompts[1] == "电子邮箱（可留空）："
    assert prompts[2:] == ["密码：", "密码（再次输入）：", "密码：", "密码（再次输入）："]
    assert "错误：两次输入的密码不一致" in text and "已创建超级用户 boss" in text
    assert User.objects.get(username="boss").is_superuser
