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
from django.db.models.lookups import In

from huifang.core.actors import Actor

ACTIONS = ("view", "add", "change", "delete")


def has_model_perm(user, model, action: str) -> bool:
    """Whether ``user`` may ``action`` ``model``. ``user`` may be an actor
    (:class:`~huifang.core.actors.Actor`): its person's permissions, or yes for a machine
    (a command, a job or a partner, trusted at its entry point)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if isinstance(user, Actor):
        if user.user is None:
            return user.is_machine
        user = user.user
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")


def user_branch_path(user) -> str | None:
    branch = getattr(user, "branch", None)
    return branch.path if branch is not None else None


def _is_sole_root(branch) -> bool:
    """Whether ``branch`` is the root of the only tree: its subtree is every branch.

    Cached on the branch instance (one tiny indexed query per request at most)."""
    cached = getattr(branch, "_scope_sole_root", None)
    if cached is None:
        cached = (
            branch.parent_id is None
            and not type(branch)
            ._default_manager.filter(parent__isnull=True)
            .exclude(pk=branch.pk)
            .exists()
        )
        branch._scope_sole_root = cached
    return cached


def _scope_path_nullable(model, scope_field: str) -> bool:
    """Whether any foreign key on ``scope_field``'s path may be NULL (such rows have no
    branch and are out of everyone's scope)."""
    for name in scope_field.split("__"):
        field = model._meta.get_field(name)
        if field.null:
            return True
        model = field.related_model
    return False


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view", *, perm_model=None):
        """Rows ``user`` may ``action``; none at all without the model permission (of
        ``perm_model`` when given: a table of counters answers for the rows it counts).

        The subtree test is ``<scope_field> IN (ids of the branches under the user's
        path)``: the scoped table keeps its own indexes (``branch, called_at`` …) instead of
        joining to ``org_branch`` and testing ``path`` on every row. A user at the root of
        the only tree sees every branch, so no branch condition is added at all.
        An actor (:class:`~huifang.core.actors.Actor`) is its person; a machine sees all.
        """
        if isinstance(user, Actor):
            if user.user is None:
                return self.all() if user.is_machine else self.none()
            user = user.user
        if not has_model_perm(user, perm_model or self.model, action):
            return self.none()
        if user.is_superuser:
            return self
        scope_field = getattr(self.model, "scope_field", None)
        if scope_field is None:
            return self
        branch = getattr(user, "branch", None)
        if branch is None:
            return self.none()
        if scope_field == "self":
            if _is_sole_root(branch):
                return self
            return self.filter(path__startswith=branch.path)
        if _is_sole_root(branch):
            if _scope_path_nullable(self.model, scope_field):
                return self.filter(**{f"{scope_field}__isnull": False})
            return self
        return in_subtree(self, scope_field, branch)


def subtree_ids(branch) -> list[int]:
    """Ids of ``branch`` and every branch under it (cached on the instance)."""
    cached = getattr(branch, "_scope_subtree_ids", None)
    if cached is None:
        manager = type(branch)._default_manager
        cached = list(
            manager.filter(path__startswith=branch.path).order_by().values_list("pk", flat=True)
        )
        branch._scope_subtree_ids = cached
    return cached


def in_subtree(queryset: models.QuerySet, field: str, branch) -> models.QuerySet:
    """Rows of ``queryset`` whose ``field`` (a lookup path ending in a Branch foreign key)
    lies in ``branch``'s subtree, without joining to the branch table.

    One branch: an equality, so an index (branch, sort key) serves the page in order. Several
    (a 分公司 or a wider subtree, usually a large share of the rows): the column is wrapped
    (``branch_id + 0``) so that the database reads the page in its sort index's order and
    tests each row against the short id list, instead of fetching every row of the subtree
    through the branch index and sorting them all (what SQLite otherwise chooses).
    """
    ids = subtree_ids(branch)
    if len(ids) == 1:
        return queryset.filter(**{field: ids[0]})
    if "__" in field:
        return queryset.filter(**{f"{field}__in": ids})
    column = models.ExpressionWrapper(
        models.F(f"{field}_id") + 0, output_field=models.BigIntegerField()
    )
    return queryset.filter(In(column, ids))


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


def get_for(user, queryset: models.QuerySet, action: str, *, message: str, **lookup):
    """The object ``lookup`` finds in ``queryset`` that ``user`` may ``action``; refused
    (PermissionDenied, a 403 saying ``message``) when the user may only view it; Http404
    when the user may not even see it — an object of another branch is never revealed."""
    from django.http import Http404

    try:
        return queryset.restrict(user, action).get(**lookup)
    except queryset.model.DoesNotExist:
        pass
    if action != "view" and queryset.restrict(user, "view").filter(**lookup).exists():
        raise PermissionDenied(message)
    raise Http404(f"没有找到该{queryset.model._meta.verbose_name}")
