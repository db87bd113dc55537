"""The left navigation, following the brochure's five steps.

Apps add entries with :func:`register` from their ``AppConfig.ready`` so that an early app
never imports a later one. An entry shows only to users holding its permission.

Which entry a page lights: the entry that names the page (its own page, or one of its
``pages``); else, for a page no entry names and not declared :func:`off_menu`, the entry
whose address is the longest prefix of the page's. The prefix alone gets it wrong where an
entry's address is the root of an app whose other pages belong elsewhere: 修改参数值
(``/rules/A003/edit/``) is 回访规则参数维护's page though it sits under 回访规则管理's
``/rules/``, and 站内消息 (``/plans/messages/``, opened from the header) is no page of
回访计划's ``/plans/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from django.urls import NoReverseMatch, Resolver404, resolve, reverse


@dataclass
class NavItem:
    label: str
    url_name: str
    permission: str | None = None
    icon: str = "circle"
    # URL names (``app:name``, shell patterns allowed) of the pages that belong to this
    # entry beyond its own, wherever their address is.
    pages: tuple[str, ...] = ()

    def names(self, url_name: str) -> bool:
        return any(fnmatchcase(url_name, p) for p in (self.url_name, *self.pages))


@dataclass
class NavGroup:
    label: str
    icon: str
    order: int
    items: list[NavItem] = field(default_factory=list)


GROUPS: dict[str, NavGroup] = {
    "rules": NavGroup("回访规则", "list-check", 10),
    "screening": NavGroup("回访任务数据", "filter", 20),
    "tasks": NavGroup("回访任务管理", "checklist", 30),
    "records": NavGroup("回访记录管理", "phone-call", 40),
    "surveys": NavGroup("问卷管理", "forms", 45),
    "summary": NavGroup("汇总统计", "chart-bar", 50),
    "data": NavGroup("数据接口", "database-import", 60),
    "customers": NavGroup("客户管理", "users", 65),
    "system": NavGroup("系统管理", "settings", 90),
}


# URL names (patterns allowed) of pages outside the menu (reached from the header, like
# 站内消息): they light no entry, whatever their address.
OFF_MENU: list[str] = []


def register(group: str, item: NavItem) -> None:
    GROUPS[group].items.append(item)


def off_menu(*url_names: str) -> None:
    OFF_MENU.extend(url_names)


def _url_name(path: str) -> str:
    try:
        return resolve(path).view_name
    except Resolver404:
        return ""


def for_user(user, current_path: str = "") -> list[dict]:
    """The user's menu: the entries they hold the permission for, grouped; the one entry
    the page belongs to is active (see the module's text: 分配设置 under 回访任务 lights
    分配设置 only), and its group open."""
    if not user.is_authenticated:
        return []
    groups = []
    for group in sorted(GROUPS.values(), key=lambda g: g.order):
        items = []
        for item in group.items:
            if item.permission and not user.has_perm(item.permission):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            items.append(({"label": item.label, "url": url, "active": False}, item))
        if items:
            groups.append((group, items))
    name = _url_name(current_path) if current_path else ""
    shown = [pair for _, items in groups for pair in items]
    matches = [entry for entry, item in shown if name and item.names(name)]
    if not matches and not any(fnmatchcase(name, p) for p in OFF_MENU):
        matches = [entry for entry, _item in shown if current_path.startswith(entry["url"])]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return [
        {
            "label": group.label,
            "icon": group.icon,
            "items": [entry for entry, _item in items],
            "active": any(entry["active"] for entry, _item in items),
        }
        for group, items in groups
    ]
