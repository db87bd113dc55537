"""Password rules hold wherever a password is set (issue 19, found when probed: a password
equal to the username was accepted, and ``huifang user set-password`` validated nothing)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from huifang.org import services
from huifang.org.models import Role, User
from tests.conftest import PASSWORD


def test_the_service_refuses_a_password_equal_to_the_username(personas):
    agent = personas["agent_a"]
    with pytest.raises(ValidationError) as refused:
        services.do_set_password(agent, "agent_a", actor=personas["hq_admin"])
    assert "用户名" in " ".join(refused.value.messages)
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)


def test_a_long_password_containing_the_username_is_refused(personas):
    with pytest.raises(ValidationError, match="密码不能包含用户名"):
        services.do_set_password(personas["agent_a"], "Xq9-AGENT_A-long-2026", actor=None)


def test_creating_a_user_checks_the_password_against_the_new_username(branches):
    with pytest.raises(ValidationError, match="密码不能包含用户名"):
        services.do_create_user(
            username="zhangsan",
            password="zhangsan-Strong-2026",
            branch=branches["a1"],
            role=Role.AGENT,
        )
    assert not User.objects.filter(username="zhangsan").exists()


def test_the_set_password_command_refuses_the_username_in_chinese(personas):
    with pytest.raises(CommandError, match="用户名"):
        call_command("user", "set-password", "agent_a", "--password", "agent_a")
    assert User.objects.get(username="agent_a").check_password(PASSWORD)


def test_the_set_password_command_refuses_a_short_common_password(personas):
    with pytest.raises(CommandError, match="密码"):
        call_command("user", "set-password", "agent_a", "--password", "12345678")


def test_the_set_password_command_accepts_a_good_password(personas):
    call_command("user", "set-password", "agent_a", "--password", "Lotus-harbor-2026")
    assert User.objects.get(username="agent_a").check_password("Lotus-harbor-2026")


def test_the_user_page_refuses_a_password_equal_to_the_username(client_for, branches):
    response = client_for("hq_admin").post(
        "/org/users/new/",
        {
            "username": "lisi",
            "full_name": "李四",
            "branch": branches["a1"].pk,
            "role": Role.AGENT,
            "is_active": "on",
            "password": "lisi",
        },
    )
    assert response.status_code == 200
    assert "密码不能包含用户名" in response.content.decode()
    assert not User.objects.filter(username="lisi").exists()


def test_changing_ones_own_password_refuses_the_username(client_for, personas):
    response = client_for("agent_a").post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "agent_a-Harbor-2026",
            "new_password2": "agent_a-Harbor-2026",
        },
    )
    assert response.status_code == 200
    assert "密码不能包含用户名" in response.content.decode()
    assert User.objects.get(username="agent_a").check_password(PASSWORD)
