"""A user shown as a person: the name (姓名), with the username on hover.

People read names; the username stays at hand (hover, exports) because two people may share
a name. Tables use :class:`huifang.core.columns.UserColumn`, templates ``{{ user|person }}``
(``{% load people %}``), filter choices :func:`person_text`; all three come from here.
"""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString


def person_html(user) -> SafeString | str:
    """``<span title="用户名：zhangsan">张三</span>``; "" for no user (e.g. a command)."""
    if user is None or user == "":
        return ""
    name = getattr(user, "full_name", "") or user.username
    return format_html('<span class="person" title="用户名：{}">{}</span>', user.username, name)


def person_text(user) -> str:
    """``张三（zhangsan）`` where no hover exists (exports, choices); "" for no user."""
    if user is None or user == "":
        return ""
    return label(getattr(user, "full_name", ""), user.username)


def label(full_name: str, username: str) -> str:
    """The text of a person from its two parts (for ``values_list`` rows)."""
    return f"{full_name}（{username}）" if full_name and full_name != username else username
