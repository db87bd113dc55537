"""登录记录: a user's logins, logouts and failed logins (by the username typed), newest
first, for those who may see the user."""

from __future__ import annotations

import pytest

from huifang.core import audit
from huifang.core.audit_actions import CoreAction

pytestmark = pytest.mark.django_db


def test_the_history_lists_the_users_logins_and_failures_only(client_for, personas):
    agent, other = personas["agent_a"], personas["agent_b"]
    audit.record(CoreAction.LOGIN, agent, actor=agent, message="登录成功")
    audit.record(CoreAction.LOGIN, other, actor=other, message="登录成功")
    audit.record(
        CoreAction.LOGIN_FAILED,
        object_type="org.user",
        object_id="",
        object_repr=agent.username,
        message=f"登录失败：{agent.username}",
    )
    page = client_for("hq_admin").get(f"/org/users/{agent.pk}/logins/").content.decode()
    assert page.count('data-action="') == 2
    assert page.index('data-action="login_failed"') < page.index('data-action="login"')


def test_an_auditor_reads_it_and_an_agent_may_not(client_for, personas):
    pk = personas["agent_a"].pk
    assert client_for("auditor").get(f"/org/users/{pk}/logins/").status_code == 200
    assert client_for("agent_a").get(f"/org/users/{pk}/logins/").status_code == 403


def test_the_user_list_links_each_users_history(client_for, personas):
    page = client_for("hq_admin").get("/org/users/").content.decode()
    assert f"/org/users/{personas['agent_a'].pk}/logins/" in page
