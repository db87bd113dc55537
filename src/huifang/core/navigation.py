"""The left navigation, following the brochure's five steps.

Apps add entries with :func:`register` from their ``AppConfig.ready`` so that an early app
never imports a later one. An entry shows only to users holding its permission.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse


@dataclass
class NavItem:
    label: str
    url_name: str
    permission: str | None = None
    icon: str = "circle"


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


def register(group: str, item: NavItem) -> None:
    GROUPS[group].items.append(item)


def for_user(user, current_path: str = "") -> list[dict]:
    """The user's menu: the entries they hold the permission for, grouped; the one entry
    whose address is the longest prefix of ``current_path`` is active (分配设置 under
    回访任务 lights 分配设置 only), and its group open."""
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
            items.append({"label": item.label, "url": url, "active": False})
        if items:
            groups.append((group, items))
    matches = [i for _, items in groups for i in items if current_path.startswith(i["url"])]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return [
        {
            "label": group.label,
            "icon": group.icon,
            "items": items,
            "active": any(i["active"] for i in items),
        }
        for group, items in groups
    ]
