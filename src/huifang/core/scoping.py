"""Branch scoping: the single place that decides what a user may see or change.

Every scoped model declares ``scope_field``: the lookup path from it to ``org.Branch``
(``"branch"`` on a customer, ``"customer__branch"`` on a daily row). A user sees the rows
whose branch lies in the subtree of the user's own branch, and only for models their role
has the Django permission for. Views, exports, charts and API viewsets all start from
``Model.objects.restrict(user, action)``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models

ACTIONS = ("view", "add", "change", "delete")


def has_model_perm(user, model, action: str) -> bool:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")


def user_branch_path(user) -> str | None:
    branch = getattr(user, "branch", None)
    return branch.path if branch is not None else None


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        """Rows ``user`` may ``action``; none at all without the model permission."""
        if not has_model_perm(user, self.model, action):
            return self.none()
        if user.is_superuser:
            return self
        scope_field = getattr(self.model, "scope_field", None)
        if scope_field is None:
            return self
        path = user_branch_path(user)
        if path is None:
            return self.none()
        if scope_field == "self":
            return self.filter(path__startswith=path)
        return self.filter(**{f"{scope_field}__path__startswith": path})


def assert_in_scope(user, obj: models.Model, action: str = "change") -> None:
    """Refuse (inside the caller's transaction) a write that leaves ``obj`` out of scope."""
    manager = type(obj)._default_manager
    if not manager.restrict(user, action).filter(pk=obj.pk).exists():
        raise PermissionDenied("该对象不在您的权限范围内")


def branch_in_scope(user, branch) -> bool:
    if user.is_superuser:
        return True
    path = user_branch_path(user)
    return bool(path) and branch is not None and branch.path.startswith(path)
