"""Values of the record list's columns that a later app fills (the brochure's 发送短信
comes from the SMS channel, which records may not import): ``register_value("sms", fn)``
from the app's ``AppConfig.ready``, ``fn(records) -> {task id: text}`` for a page of rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable

Source = Callable[[list], dict]
_SOURCES: dict[str, Source] = {}


def register_value(key: str, source: Source) -> None:
    _SOURCES[key] = source


def values(key: str, records: Iterable) -> dict:
    """``{task id: text}`` for ``records`` (empty when no app registered ``key``)."""
    source = _SOURCES.get(key)
    return source(list(records)) if source else {}
