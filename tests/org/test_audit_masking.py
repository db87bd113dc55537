"""A user's mobile and e-mail reach the audit log masked (issue 15)."""

from __future__ import annotations

from huifang.core.models import AuditEvent
from huifang.org import services


def test_a_new_and_a_changed_user_are_audited_with_mobile_and_email_masked(personas):
    user = services.do_create_user(
        username="wang",
        password=None,
        branch=personas["agent_a"].branch,
        role=personas["agent_a"].role,
        mobile="13812345678",
        email="wangwu@qq.com",
    )
    created = AuditEvent.objects.get(
        action="create", object_type="org.user", object_id=str(user.pk)
    )
    assert (created.after["mobile"], created.after["email"]) == ("138****5678", "w****u@qq.com")
    services.do_update_user(user, mobile="18216097175")
    updated = AuditEvent.objects.get(
        action="update", object_type="org.user", object_id=str(user.pk)
    )
    assert (updated.before, updated.after) == ({"mobile": "138****5678"}, {"mobile": "182****7175"})
