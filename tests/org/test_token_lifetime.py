"""API tokens end (issue 19, found when probed: tokens never expired and survived a
password change): a password change removes the token, and a token older than
HUIFANG_API_TOKEN_DAYS is refused."""

from __future__ import annotations

import datetime

from django.utils import timezone
from rest_framework.authtoken.models import Token

from huifang.core.models import AuditEvent
from huifang.org import services
from huifang.org.tokens import digest
from tests.conftest import PASSWORD


def _get(client, token: str):
    return client.get("/api/v1/branches/", HTTP_AUTHORIZATION=f"Token {token}")


def test_a_password_reset_by_an_admin_ends_the_users_token(client, personas):
    agent = personas["agent_a"]
    key = services.do_create_token(agent, actor=agent)
    services.do_set_password(agent, "Lotus-harbor-2026", actor=personas["hq_admin"])
    assert _get(client, key).status_code == 401  # refused as no credentials
    assert not Token.objects.filter(user=agent).exists()
    event = AuditEvent.objects.filter(action="token_revoke", object_id=str(agent.pk)).get()
    assert "密码已修改" in event.message


def test_changing_ones_own_password_in_the_page_ends_ones_token(client, client_for, personas):
    agent = personas["agent_a"]
    key = services.do_create_token(agent, actor=agent)
    page = client_for("agent_a")
    response = page.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Lotus-harbor-2026",
            "new_password2": "Lotus-harbor-2026",
        },
    )
    assert response.status_code == 302
    assert page.get("/").status_code == 200  # still signed in
    page.logout()
    assert _get(client, key).status_code == 401  # refused as no credentials
    assert AuditEvent.objects.filter(action="password", object_id=str(agent.pk)).exists()


def test_a_token_within_its_days_works(client, personas, settings):
    settings.API_TOKEN_DAYS = 90
    key = services.do_create_token(personas["agent_b"], actor=None)
    Token.objects.filter(key=digest(key)).update(
        created=timezone.now() - datetime.timedelta(days=89)
    )
    assert _get(client, key).status_code == 200


def test_a_token_past_its_days_is_refused_in_chinese(client, personas, settings):
    settings.API_TOKEN_DAYS = 90
    key = services.do_create_token(personas["agent_b"], actor=None)
    Token.objects.filter(key=digest(key)).update(
        created=timezone.now() - datetime.timedelta(days=91)
    )
    response = _get(client, key)
    assert response.status_code == 401
    assert "API 令牌已过期" in response.json()["message"]


def test_the_token_page_shows_when_the_token_ends(client_for, personas):
    services.do_create_token(personas["agent_a"], actor=None)
    assert "有效期至" in client_for("agent_a").get("/org/token/").content.decode()


def test_the_database_keeps_only_the_tokens_hash(personas):
    key = services.do_create_token(personas["agent_b"], actor=None)
    stored = Token.objects.get(user=personas["agent_b"]).key
    assert stored == digest(key) and key not in stored


def test_a_stored_hash_is_no_token(client, personas):
    services.do_create_token(personas["agent_b"], actor=None)
    stolen = Token.objects.get(user=personas["agent_b"]).key  # from a copy of the database
    assert _get(client, stolen).status_code in (401, 403)
