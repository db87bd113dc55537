"""``huifang token create|revoke USERNAME`` (interfaces.md)."""

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from huifang.core.models import AuditEvent
from huifang.org.tokens import digest


def run(*args) -> list[str]:
    out = io.StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue().splitlines()


def test_create_prints_the_token_alone_on_the_last_line_and_audits(personas, client):
    lines = run("create", "agent_a")
    key = lines[-1]
    assert Token.objects.get(user=personas["agent_a"]).key == digest(key)  # only its hash kept
    event = AuditEvent.objects.get(action="token_create")
    assert event.actor_label == "command:token create"
    response = client.get("/api/v1/callback-tasks/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200


def test_create_again_replaces_the_token(personas):
    first = run("create", "agent_a")[-1]
    second = run("create", "agent_a")[-1]
    assert first != second
    assert list(Token.objects.filter(user=personas["agent_a"]).values_list("key", flat=True)) == [
        digest(second)
    ]


def test_revoke_removes_the_token_and_audits(personas):
    run("create", "agent_a")
    assert run("revoke", "agent_a")[-1] == "已吊销用户 agent_a 的 API 令牌"
    assert not Token.objects.filter(user=personas["agent_a"]).exists()
    assert AuditEvent.objects.filter(action="token_revoke").count() == 1


def test_an_unknown_user_is_refused_in_chinese(db):
    with pytest.raises(CommandError, match="用户 nobody 不存在"):
        run("create", "nobody")


def test_a_manager_cannot_make_another_users_token(personas):
    from django.core.exceptions import PermissionDenied

    from huifang.org.services import do_create_token

    with pytest.raises(PermissionDenied):
        do_create_token(personas["agent_b"], actor=personas["manager_a"])
    assert not Token.objects.exists()
