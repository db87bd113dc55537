"""Typed parameters of a background job: one frozen dataclass per job kind.

The job row stores its parameters as JSON (django-tasks' database backend hands the worker
only the job id), so a job's parameters go through :meth:`JobParams.to_dict` on the way in
and :meth:`JobParams.from_dict` on the way out. ``from_dict`` checks every field against
its annotation and refuses unknown or missing keys, so a handler never guesses.

Supported field types: ``str``, ``int``, ``bool``, ``datetime.date`` (stored as ISO text),
``list[...]`` and ``dict[str, ...]`` of these or of JSON values, and ``X | None``.
"""

from __future__ import annotations

import dataclasses
import datetime
import types
import typing
from collections.abc import Mapping
from typing import Any, Self


class JobParams:
    """Base of a job's parameters. Subclass as ``@dataclass(frozen=True)``."""

    def to_dict(self) -> dict:
        return {f.name: _dump(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The parameters stored in ``data``; ValueError naming the field if they do not fit."""
        if not isinstance(data, Mapping):
            raise ValueError(f"{cls.__name__}: parameters must be an object, not {data!r}")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise ValueError(f"{cls.__name__}: unknown parameters {', '.join(unknown)}")
        hints = typing.get_type_hints(cls)
        values = {}
        for name, field in fields.items():
            if name in data:
                values[name] = _load(hints[name], data[name], f"{cls.__name__}.{name}")
            elif field.default is dataclasses.MISSING and (
                field.default_factory is dataclasses.MISSING
            ):
                raise ValueError(f"{cls.__name__}: missing parameter {name}")
        return cls(**values)


def _dump(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value


def _load(hint, value, where: str):
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _load(inner, value, where)
    if hint is Any:
        return value
    if hint is datetime.date:
        try:
            return datetime.date.fromisoformat(value)
        except (TypeError, ValueError):
            raise ValueError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None
    if origin is list:
        if not isinstance(value, list):
            raise ValueError(f"{where}: {value!r} is not a list")
        item = args[0] if args else Any
        return [_load(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise ValueError(f"{where}: {value!r} is not an object with text keys")
        item = args[1] if len(args) == 2 else Any
        return {k: _load(item, v, f"{where}.{k}") for k, v in value.items()}
    if hint is list:
        return _load(list[Any], value, where)
    if hint is dict:
        return _load(dict[str, Any], value, where)
    # bool is an int: an int field must not take True, nor a bool field 1.
    if hint in (str, int, bool) and type(value) is hint:
        return value
    raise ValueError(f"{where}: {value!r} is not {getattr(hint, '__name__', hint)}")
