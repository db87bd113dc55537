"""Password rules beyond Django's validators (``AUTH_PASSWORD_VALIDATORS``), and the one
call every place that sets a password makes: the services (pages, ``huifang user``, the
demo) through :func:`check_password_rules`."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import MinimumLengthValidator, validate_password
from django.core.exceptions import ValidationError

# A new password may not be any of the user's last HISTORY passwords.
HISTORY = 5


class NoUsernameValidator:
    """The password may not contain the username (any case), however long the rest is:
    Django's similarity check lets ``zhangsan-Huifang-2026`` through."""

    def validate(self, password: str, user=None) -> None:
        username = (getattr(user, "username", "") or "").strip().lower()
        if len(username) >= 3 and username in password.lower():
            raise ValidationError("密码不能包含用户名", code="password_contains_username")

    def get_help_text(self) -> str:
        return "密码不能包含用户名"


class ChineseMinimumLengthValidator(MinimumLengthValidator):
    """Django's length rule in Chinese: Django 5.2 changed its message, and its zh_Hans
    catalogue still carries the old one, so the pages and ``huifang user`` said it in
    English."""

    def get_error_message(self) -> str:
        return f"密码太短：至少 {self.min_length} 个字符"

    def get_help_text(self) -> str:
        return f"密码至少 {self.min_length} 个字符"


def check_password_rules(password: str, user) -> None:
    """Every configured validator on ``password`` for ``user`` (its username, name and
    e-mail set), and none of the user's last :data:`HISTORY` passwords; ValidationError
    with all the Chinese reasons."""
    validate_password(password, user)
    if user.pk is None:
        return
    recent = user.password_history.order_by("-created_at", "-id").values_list(
        "password", flat=True
    )[:HISTORY]
    if any(check_password(password, hashed) for hashed in recent):
        raise ValidationError(f"不能与最近 {HISTORY} 次使用过的密码相同", code="password_reused")


def remember(user) -> None:
    """Keep ``user``'s (just set, saved) password in its history, dropping the oldest."""
    from huifang.org.models import PasswordHistory

    PasswordHistory.objects.create(user=user, password=user.password)
    keep = user.password_history.order_by("-created_at", "-id").values_list("pk", flat=True)[
        :HISTORY
    ]
    user.password_history.exclude(pk__in=list(keep)).delete()
