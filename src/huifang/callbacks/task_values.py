"""Values about tasks that later apps know and earlier ones ask for by name, e.g. the SMS
variable 问卷链接 (the task's open H5 questionnaire link, which only surveys knows).

Like the task page's sections (:mod:`huifang.callbacks.task_sections`), a later app
registers a provider from its ``AppConfig.ready``::

    register_value("问卷链接", h5_links)

A provider takes many task ids at once (a bulk SMS send asks for 5,000 at a time) and
returns ``{task_id: text}`` for the tasks it has a value for; it may raise
``ValidationError`` (Chinese) when it cannot give any, say for a missing setting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

TaskValueProvider = Callable[[Sequence[int]], dict[int, str]]

_VALUES: dict[str, TaskValueProvider] = {}


def register_value(name: str, provider: TaskValueProvider) -> None:
    """Add (or, for an existing ``name``, replace) the provider of ``name``."""
    _VALUES[name] = provider


def provided(names: Sequence[str]) -> list[str]:
    """The ones of ``names`` some app provides."""
    return [name for name in names if name in _VALUES]


def values_for(name: str, task_ids: Sequence[int]) -> dict[int, str]:
    """``{task_id: value}`` of ``name`` for those of ``task_ids`` that have one."""
    provider = _VALUES.get(name)
    return provider(task_ids) if provider is not None and task_ids else {}
