"""Sections of the task page (回访任务) that later apps fill in (问卷, 短信 and 外呼 add theirs).

callbacks may not import the apps to its right, so they register a provider here from
their ``AppConfig.ready``, as customer-360 sections are registered
(``customers.customer360``)::

    register_section("calls", calls_section, order=10)

A provider is called with ``(request, task)`` for a task the user may see and returns a
:class:`~huifang.customers.customer360.Section` (title, template, context) or None to
hide itself; it restricts its own querysets. The section's template gets its context
plus ``task`` and ``request``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from django.http import HttpRequest

from huifang.callbacks.models import CallbackTask
from huifang.customers.customer360 import Section

TaskSectionProvider = Callable[[HttpRequest, CallbackTask], Section | None]


class _Entry(NamedTuple):
    order: int
    provider: TaskSectionProvider


_SECTIONS: dict[str, _Entry] = {}


def register_section(key: str, provider: TaskSectionProvider, order: int = 100) -> None:
    """Add (or, for an existing ``key``, replace) a section of the task page."""
    _SECTIONS[key] = _Entry(order, provider)


def sections_for(request: HttpRequest, task: CallbackTask) -> list[Section]:
    """The registered sections in display order, without the ones that chose to hide."""
    chosen = []
    for _key, entry in sorted(_SECTIONS.items(), key=lambda item: (item[1].order, item[0])):
        section = entry.provider(request, task)
        if section is not None:
            chosen.append(section)
    return chosen
