"""Sections later apps add to the task page (回访任务详情), below its own cards.

Like the customer 360 page's sections (``customers.customer360``): callbacks cannot import
the apps to its right, so they register a provider from their ``AppConfig.ready``::

    from huifang.callbacks.task_sections import register_task_section

    def responses(request, task):
        return Section("问卷", "surveys/_task_section.html", {...})

    register_task_section("surveys", responses, order=10)

A provider gets ``(request, task)`` for a task the user may see and returns a
:class:`~huifang.customers.customer360.Section` or ``None`` to hide itself; it restricts
its own querysets. The section's template is rendered with its own context plus ``task``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from huifang.callbacks.models import CallbackTask
from huifang.customers.customer360 import Section

TaskSectionProvider = Callable[[HttpRequest, CallbackTask], Section | None]

_SECTIONS: dict[str, tuple[int, TaskSectionProvider]] = {}


def register_task_section(key: str, provider: TaskSectionProvider, order: int = 100) -> None:
    """Add (or, for an existing ``key``, replace) a section of the task page."""
    _SECTIONS[key] = (order, provider)


def rendered_sections(request: HttpRequest, task: CallbackTask) -> list[tuple[str, SafeString]]:
    """``(title, html)`` of each section that chose to show, in display order."""
    shown = []
    for _key, (_order, provider) in sorted(_SECTIONS.items(), key=lambda i: (i[1][0], i[0])):
        section = provider(request, task)
        if section is not None:
            html = render_to_string(section.template, {"task": task, **section.context}, request)
            shown.append((section.title, html))
    return shown
