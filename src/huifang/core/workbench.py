"""The home page as each role's workbench (工作台): panels the apps register.

core cannot know tasks, runs or imports (arrows point one way), so every app registers the
panels it owns from its ``AppConfig.ready``, as it does its navigation entries. Every
number on a panel is a :class:`Figure`: a count and the link to the list filtered to
exactly those rows. Small tables are counted through that list's FilterSet on the same
scoped queryset (:class:`Counter`), so number and list are one filter; large ones (tasks)
with one aggregate per panel written for an index, held to the list's count by tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.urls import reverse

# The role a user without one gets on the home page: a superuser works like HQ.
SUPERUSER_ROLE = "hq_admin"


@dataclass(frozen=True)
class Figure:
    """A number on the workbench and the filtered list that shows exactly those rows."""

    label: str
    count: int
    url: str
    tone: str = ""  # Tabler colour of a number that needs attention: "danger", "warning"


@dataclass(frozen=True)
class Panel:
    """A card of the home page: ``build(request)`` returns its template context, or None
    when it has nothing to show."""

    key: str
    template: str
    roles: frozenset[str]  # plain role values ("agent"), not enum members
    build: Callable[[HttpRequest], dict | None]
    permission: str | None = None
    order: int = 100


PANELS: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    PANELS[panel.key] = panel  # by key: a second ready() (tests) does not add it twice


def role_of(user) -> str:
    role = getattr(user, "role", "") or ""
    if not role and user.is_superuser:
        return SUPERUSER_ROLE
    return role


def panels_for(request: HttpRequest) -> list[dict]:
    """The panels of the user's role that they hold the permission for, built in order."""
    user = request.user
    if not user.is_authenticated:
        return []
    role = role_of(user)
    shown = []
    for panel in sorted(PANELS.values(), key=lambda p: (p.order, p.key)):
        if role not in panel.roles:
            continue
        if panel.permission and not user.has_perm(panel.permission):
            continue
        context = panel.build(request)
        if context is not None:
            shown.append({"key": panel.key, "template": panel.template, **context})
    return shown


def filtered(
    request: HttpRequest, filterset_class, queryset: QuerySet, params: Mapping[str, str]
) -> QuerySet:
    """The rows the list page shows for ``params``: its FilterSet over the user's scope."""
    data = QueryDict(mutable=True)
    data.update(params)
    filterset = filterset_class(
        data=data, queryset=queryset.restrict(request.user, "view"), request=request
    )
    if not filterset.is_valid():
        raise ValueError(f"workbench filter {dict(params)!r}: {filterset.errors.as_json()}")
    return filterset.qs


def list_url(url_name: str, params: Mapping[str, str]) -> str:
    return f"{reverse(url_name)}?{urlencode(params)}"


@dataclass
class Counter:
    """Figures of one list, each counted through its FilterSet:
    ``imports.figure("导入失败", {"status": "failed"}, tone="danger")``."""

    request: HttpRequest
    url_name: str
    filterset_class: type
    queryset: QuerySet

    def rows(self, params: Mapping[str, str]) -> QuerySet:
        return filtered(self.request, self.filterset_class, self.queryset, params)

    def figure(self, label: str, params: Mapping[str, str], *, tone: str = "") -> Figure:
        """``params`` may carry list-only keys (``sort``) that the FilterSet ignores."""
        count = self.rows(params).count()
        return Figure(label, count, list_url(self.url_name, params), tone if count else "")
