"""Id lists go to SQL in pieces of one named size."""

from __future__ import annotations

import pathlib
import re

import huifang
from huifang.core.chunks import IN_LIST_SIZE, in_chunks


def test_chunks_keep_order_and_stay_under_the_size():
    ids = list(range(2 * IN_LIST_SIZE + 1))
    pieces = list(in_chunks(ids))
    assert [len(p) for p in pieces] == [IN_LIST_SIZE, IN_LIST_SIZE, 1]
    assert [i for p in pieces for i in p] == ids


def test_no_module_cuts_id_lists_by_a_literal_size():
    source = pathlib.Path(huifang.__file__).parent
    literal = re.compile(r"range\(0, len\([^)]*\), 900\)|start \+ 900")
    found = [p.name for p in source.rglob("*.py") if literal.search(p.read_text("utf-8"))]
    assert found == []
