"""Choices (Django ``TextChoices``/``IntegerChoices``) as people read and write them.

A stored value is short and stable (``success``); its label is what users read and type
(``成功``). Pages and exports label values through :func:`choice_label`; whatever reads a
value a person typed (the API, a command's option, a filter) accepts the stored value or
its label through :func:`parse_choice`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from django.utils import translation


@functools.lru_cache(maxsize=256)
def _labels(choices, language: str | None) -> dict:
    return {value: str(label) for value, label in choices.choices}


def choice_labels(choices) -> dict:
    """``value → label`` of a Choices class, built once per language (read-only: shared).

    A model's ``get_FOO_display()`` rebuilds the dict of every choice, translating each
    label, on every call: per cell of a list page that adds up."""
    return _labels(choices, translation.get_language())


def choice_label(choices, value) -> str:
    """The label of ``value`` (an unknown value as itself, nothing as "")."""
    if value is None or value == "":
        return ""
    return choice_labels(choices).get(value, str(value))


def parse_choice(choices, text: str, *, noun: str, extra: Mapping[str, str] | None = None):
    """The stored value ``text`` names: the value itself or its Chinese label (spaces around
    ignored). ``extra`` adds words of the caller's own (``未完成`` → ``open``), listed after
    the choices' labels. Anything else is a ValueError saying what ``noun`` may be."""
    text = (text or "").strip()
    for value, label in choices.choices:
        if text in (str(value), str(label)):
            return value
    extra = extra or {}
    if text in extra:
        return extra[text]
    allowed = [str(label) for _, label in choices.choices]
    allowed += [word for word in extra if word not in extra.values()]
    raise ValueError(f"未知的{noun}“{text}”，可选：{'、'.join(allowed)}")
