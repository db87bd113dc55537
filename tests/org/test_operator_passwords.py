"""A password chosen at the command line (``huifang user create|set-password``) is changed
at the first login, unless the installation is a demo (HUIFANG_DEMO)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from huifang.org.models import User

pytestmark = pytest.mark.django_db
CHOSEN = "Chosen-by-operator-2026"


def create(username: str = "boss") -> str:
    out = io.StringIO()
    arguments = ["create", username, "--branch", "01", "--role", "hq_admin", "--password", CHOSEN]
    call_command("user", *arguments, stdout=out)
    return out.getvalue()


def test_a_user_created_at_the_command_line_changes_the_password_at_the_first_login(
    branches, settings
):
    settings.DEMO = False
    output = create()
    assert User.objects.get(username="boss").must_change_password is True
    assert "下次登录时须先修改密码" in output
    client = Client()
    client.post("/login/", {"username": "boss", "password": CHOSEN})
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/password/"


def test_a_demo_installation_keeps_the_command_line_password(branches, settings):
    settings.DEMO = True
    output = create()
    assert User.objects.get(username="boss").must_change_password is False
    assert "修改密码" not in output


@pytest.mark.parametrize(("demo", "temporary"), [(False, True), (True, False)])
def test_a_password_reset_at_the_command_line_follows_the_demo_setting(
    personas, settings, demo, temporary
):
    settings.DEMO = demo
    call_command("user", "set-password", "agent_a", "--password", CHOSEN, stdout=io.StringIO())
    assert User.objects.get(username="agent_a").must_change_password is temporary


def test_users_the_code_creates_without_an_operator_keep_their_password(personas, settings):
    settings.DEMO = False
    assert not User.objects.filter(must_change_password=True).exists()
