"""Who may do what: the one check every ``do_…`` service makes, and DRF's permission class.

A service calls :func:`require` first: the actor must hold the Django permission and, for
the objects it touches, have them in scope (the model's ``restrict(user, action)``). Pages,
the API, commands and jobs call the same services, so none of them can skip the check;
views only decide what to show. A refusal is ``PermissionDenied`` with a Chinese message,
which ``core.errors`` turns into the Chinese 403 page (or the API's JSON 403).

Kept free of model imports: DRF imports :class:`ModelPermissions` at start-up.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import PermissionDenied
from rest_framework import permissions

DENIED = "您没有执行此操作的权限"
OUT_OF_SCOPE = "该对象不在您的权限范围内"
ACTIONS = ("view", "add", "change", "delete")
# Reading personal data unmasked (a customer's numbers and e-mail, a user's mobile).
REVEAL_PERMISSION = "customers.reveal_sensitive"


def is_system(actor) -> bool:
    """Whether ``actor`` is the system itself (a command or a job started by no one): no
    actor at all, or one that says so (``is_system``). The system may do everything."""
    return actor is None or bool(getattr(actor, "is_system", False))


def may_reveal(user) -> bool:
    """Whether ``user`` may read personal data unmasked (HQ, branch managers)."""
    return bool(user and user.is_authenticated and user.has_perm(REVEAL_PERMISSION))


def acting_user(actor):
    """The user whose permissions ``actor`` carries: the user itself, or the ``user`` of an
    actor that wraps one (a job or request acting for someone); None for the system or a
    machine that acts for nobody."""
    if is_system(actor):
        return None
    if hasattr(actor, "has_perm"):
        return actor
    return getattr(actor, "user", None)


def require(
    actor,
    permission: str | tuple[str, ...],
    obj=None,
    *,
    action: str | None = None,
    message: str = DENIED,
    out_of_scope: str = OUT_OF_SCOPE,
) -> None:
    """Refuse unless ``actor`` holds ``permission`` (``"app.codename"``, or a tuple of
    permissions all needed) and may ``action``
    every object of ``obj`` (one model instance, or a list of them) by its model's scope.
    A ``None`` or unsaved object in the list is out of everyone's scope.

    ``action`` defaults to the permission's own (``change`` for ``x.change_y``) and is
    ``change`` for a permission of its own kind (``callbacks.manage_callbacktask``).
    """
    if is_system(actor):
        return
    needed = (permission,) if isinstance(permission, str) else tuple(permission)
    user = acting_user(actor)
    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or not getattr(user, "is_active", False)
        or not user.has_perms(needed)
    ):
        raise PermissionDenied(message)
    if obj is None or user.is_superuser:  # a superuser's scope is everything
        return
    if action is None:
        prefix = needed[0].partition(".")[2].partition("_")[0]
        action = prefix if prefix in ACTIONS else "change"
    objects = list(obj) if isinstance(obj, list | tuple | set | frozenset) else [obj]
    by_model: dict[type, set] = defaultdict(set)
    for each in objects:
        if each is None or each.pk is None:  # e.g. no parent branch: nobody's scope
            raise PermissionDenied(out_of_scope)
        by_model[type(each)].add(each.pk)
    for model, pks in by_model.items():
        if model._default_manager.restrict(user, action).filter(pk__in=pks).count() != len(pks):
            raise PermissionDenied(out_of_scope)


def scoped(actor, queryset, action: str = "view"):
    """``queryset`` narrowed to what ``actor`` may ``action`` (all of it for the system)."""
    if is_system(actor):
        return queryset
    return queryset.restrict(acting_user(actor), action)


class ModelPermissions(permissions.DjangoModelPermissions):
    """Django model permissions, including ``view`` for reads (DRF leaves reads open)."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }
