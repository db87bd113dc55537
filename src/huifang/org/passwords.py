"""Password rules beyond Django's validators (``AUTH_PASSWORD_VALIDATORS``), and the one
call every place that sets a password makes: the services (pages, ``huifang user``, the
demo) through :func:`check_password_rules`."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


class NoUsernameValidator:
    """The password may not contain the username (any case), however long the rest is:
    Django's similarity check lets ``zhangsan-Huifang-2026`` through."""

    def validate(self, password: str, user=None) -> None:
        username = (getattr(user, "username", "") or "").strip().lower()
        if len(username) >= 3 and username in password.lower():
            raise ValidationError("密码不能包含用户名", code="password_contains_username")

    def get_help_text(self) -> str:
        return "密码不能包含用户名"


def check_password_rules(password: str, user) -> None:
    """Every configured validator on ``password`` for ``user`` (its username, name and
    e-mail set); ValidationError with all the Chinese reasons."""
    validate_password(password, user)
