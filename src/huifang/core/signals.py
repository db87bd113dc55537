"""Logins, logouts and failed logins go to the audit log."""

import time

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from huifang.core import audit
from huifang.core.audit_actions import CoreAction


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        # The absolute session lifetime counts from here (core.middleware).
        from huifang.core.middleware import LOGIN_AT

        request.session[LOGIN_AT] = int(time.time())
    audit.record(CoreAction.LOGIN, user, actor=user, message="登录成功")


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(CoreAction.LOGOUT, user, actor=user, message="退出登录")


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit.record(
        CoreAction.LOGIN_FAILED,
        object_type="org.user",
        object_id="",
        object_repr=username,
        message=f"登录失败：{username}",
    )
