"""However active, a session ends HUIFANG_SESSION_MAX_HOURS after its login."""

from __future__ import annotations

import time

import pytest

from huifang.core.middleware import LOGIN_AT

pytestmark = pytest.mark.django_db


def login_started(client, hours_ago: float) -> None:
    session = client.session
    session[LOGIN_AT] = int(time.time() - hours_ago * 3600)
    session.save()


def test_a_login_starts_the_clock(client_for):
    client = client_for("agent_a")
    assert abs(client.session[LOGIN_AT] - time.time()) < 60


def test_a_session_within_its_lifetime_stays(client_for, settings):
    settings.SESSION_MAX_HOURS = 12
    client = client_for("agent_a")
    login_started(client, 11)
    assert client.get("/").status_code == 200


def test_a_session_past_its_lifetime_goes_to_the_login_page_saying_why(client_for, settings):
    settings.SESSION_MAX_HOURS = 12
    client = client_for("agent_a")
    login_started(client, 13)
    response = client.get("/callbacks/tasks/", follow=True)
    assert response.redirect_chain[0][0].startswith("/login/")
    assert "登录已超过 12 小时" in response.content.decode()
    assert client.get("/").status_code == 302  # logged out for good


def test_an_api_call_past_the_lifetime_is_anonymous(client_for, settings):
    settings.SESSION_MAX_HOURS = 12
    client = client_for("agent_a")
    login_started(client, 13)
    assert client.get("/api/v1/callback-tasks/").status_code in (401, 403)
