"""Sections later apps add to a task's pages (the task page, the record form and the
task's records page): an app to the right of callbacks (短信, 外呼 …) cannot be imported
here, so it registers a provider from its ``AppConfig.ready``::

    register_section("sms", sms_section, order=10)

A provider is called with ``(request, task)`` for a task the user may see and returns a
:class:`~huifang.customers.customer360.Section` (title, template, context) or None to
hide itself; it restricts its own querysets.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from huifang.customers.customer360 import Section

Provider = Callable[[HttpRequest, object], Section | None]
_SECTIONS: dict[str, tuple[int, Provider]] = {}


def register_section(key: str, provider: Provider, order: int = 100) -> None:
    _SECTIONS[key] = (order, provider)


def sections_for(request: HttpRequest, task) -> list[Section]:
    chosen = []
    for _key, (_order, provider) in sorted(_SECTIONS.items(), key=lambda i: (i[1][0], i[0])):
        section = provider(request, task)
        if section is not None:
            chosen.append(section)
    return chosen
