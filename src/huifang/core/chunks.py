"""Long id lists cut into pieces one SQL statement can take (``pk__in=…``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# SQLite builds older than 3.32 allow 999 parameters per statement; 900 ids leave room for
# the statement's own (the new values of an UPDATE, a status list).
IN_LIST_SIZE = 900


def in_chunks(items: Sequence[T], size: int = IN_LIST_SIZE) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``, in order."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
