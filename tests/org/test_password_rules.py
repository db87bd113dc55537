"""Passwords an administrator chose are changed at the first login; no reuse of the last
five; an optional maximum age (HUIFANG_PASSWORD_DAYS)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from huifang.org import services
from huifang.org.models import Role, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
CHOSEN = "Chosen-by-admin-2026"


def logged_in(username: str, password: str) -> Client:
    """Through the login page, as a person signs in (axes needs the request)."""
    client = Client()
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:300]
    return client


def test_a_user_an_administrator_created_changes_the_password_first(client_for, branches):
    client_for("hq_admin").post(
        "/org/users/new/",
        {
            "username": "new_agent",
            "full_name": "新专员",
            "branch": branches["a1"].pk,
            "role": "agent",
            "password": CHOSEN,
            "is_active": "on",
        },
    )
    client = logged_in("new_agent", CHOSEN)
    response = client.get("/callbacks/tasks/", follow=True)
    assert response.redirect_chain[-1][0] == "/password/"
    assert "您的密码由管理员设置" in response.content.decode()
    client.post(
        "/password/",
        {"old_password": CHOSEN, "new_password1": PASSWORD + "x", "new_password2": PASSWORD + "x"},
    )
    assert client.get("/callbacks/tasks/").status_code == 200
    assert User.objects.get(username="new_agent").must_change_password is False


def test_an_administrator_resetting_a_password_makes_it_temporary(personas):
    agent = personas["agent_a"]
    services.do_set_password(agent, CHOSEN, actor=personas["hq_admin"])
    agent.refresh_from_db()
    assert agent.must_change_password is True
    services.do_set_password(agent, PASSWORD + "-mine", actor=agent)
    agent.refresh_from_db()
    assert agent.must_change_password is False


def test_none_of_the_last_five_passwords_comes_back(personas):
    agent = personas["agent_a"]  # its first password is PASSWORD
    for n in range(4):
        services.do_set_password(agent, f"Rotating-pass-{n}-2026", actor=agent)
    with pytest.raises(ValidationError, match="最近 5 次"):
        services.do_set_password(agent, PASSWORD, actor=agent)
    services.do_set_password(agent, "Rotating-pass-4-2026", actor=agent)
    services.do_set_password(agent, PASSWORD, actor=agent)  # now six changes ago: allowed


def test_the_password_page_says_a_reused_password_is_refused(personas):
    client = logged_in("agent_a", PASSWORD)
    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert response.status_code == 200 and "最近 5 次" in response.content.decode()


def test_a_password_older_than_the_setting_must_be_changed(personas, settings):
    settings.PASSWORD_DAYS = 90
    User.objects.filter(pk=personas["agent_a"].pk).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=91)
    )
    response = logged_in("agent_a", PASSWORD).get("/", follow=True)
    assert "已使用超过 90 天" in response.content.decode()


def test_the_api_is_not_sent_to_the_password_page(personas):
    agent = personas["agent_a"]
    User.objects.filter(pk=agent.pk).update(must_change_password=True)
    key = services.do_create_token(agent, actor=None)
    response = Client().get("/api/v1/branches/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert Role.AGENT == agent.role


def test_the_password_page_says_a_short_password_is_refused_in_chinese(personas):
    client = logged_in("agent_a", PASSWORD)
    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": "Ab-1", "new_password2": "Ab-1"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "密码太短：至少 8 个字符" in page and "too short" not in page
