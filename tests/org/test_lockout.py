"""Lockout after failed logins holds one username from one address (issue 19, found when
probed: anyone could lock any account, hq_admin included, for 30 minutes with 5 wrong
passwords), and user administrators lift a lock on 系统管理 → 登录锁定, audited."""

from __future__ import annotations

import pytest

from huifang.core.models import AuditEvent
from tests.conftest import PASSWORD

ATTACKER, OWNER = "203.0.113.9", "198.51.100.7"


def _login(client, username: str, password: str, ip: str):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def locked_admin(client, personas, settings):
    """hq_admin locked from the attacker's address (5 wrong passwords)."""
    settings.AXES_FAILURE_LIMIT = 5
    for _ in range(5):
        _login(client, "hq_admin", "wrong", ATTACKER)
    return personas["hq_admin"]


def test_failures_from_one_address_do_not_lock_the_owner_out_elsewhere(client, locked_admin):
    response = _login(client, "hq_admin", PASSWORD, OWNER)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(locked_admin.pk)


def test_the_failing_address_stays_locked_for_that_username(client, locked_admin):
    response = _login(client, "hq_admin", PASSWORD, ATTACKER)
    assert "已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_failing_address_may_still_log_in_as_someone_else(client, locked_admin):
    assert _login(client, "agent_a", PASSWORD, ATTACKER).status_code == 302


def test_the_lockout_page_lists_the_lock(client_for, locked_admin):
    body = client_for("hq_admin").get("/org/lockouts/").content.decode()
    assert "hq_admin" in body and ATTACKER in body


def test_unlocking_lets_the_user_in_again_and_is_audited(client, client_for, locked_admin):
    admin = client_for("auditor")  # any session: the unlock is posted by an hq admin below
    admin.force_login(locked_admin)
    response = admin.post("/org/lockouts/", {"username": "hq_admin", "ip": ATTACKER})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="unlock")
    assert (event.object_id, event.user_id) == (str(locked_admin.pk), locked_admin.pk)
    assert ATTACKER in event.message
    admin.logout()
    assert _login(admin, "hq_admin", PASSWORD, ATTACKER).status_code == 302


def test_agents_cannot_open_the_lockout_page(client_for):
    assert client_for("agent_a").get("/org/lockouts/").status_code == 403


def test_an_admin_sees_and_unlocks_only_users_of_their_subtree(
    client, client_for, personas, branches, settings
):
    admin = personas["hq_admin"]
    admin.branch = branches["a"]  # an administrator of 北京分公司 only
    admin.save()
    settings.AXES_FAILURE_LIMIT = 2
    for name in ("agent_a", "agent_b", "agent_a", "agent_b"):
        _login(client, name, "wrong", ATTACKER)
    page = client_for("hq_admin")
    body = page.get("/org/lockouts/").content.decode()
    assert "agent_a" in body and "agent_b" not in body
    response = page.post("/org/lockouts/", {"username": "agent_b", "ip": ATTACKER})
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="unlock").exists()
