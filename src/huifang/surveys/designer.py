"""The designer's edits of a draft's question list, as pure functions on the list (the
page then saves the result with ``services.do_save_draft``, which validates it)."""

from __future__ import annotations

import copy


class EditError(ValueError):
    """An edit that does not apply (a question that is no longer there …)."""


def _index(questions: list[dict], qid: str) -> int:
    for n, question in enumerate(questions):
        if question.get("id") == qid:
            return n
    raise EditError("题目不存在，可能已被他人修改，请刷新后重试")


def new_question_id(questions: list[dict]) -> str:
    taken = {q.get("id") for q in questions}
    n = len(questions) + 1
    while f"q{n}" in taken:
        n += 1
    return f"q{n}"


def put(questions: list[dict], question: dict, *, replacing: str | None = None) -> list[dict]:
    """The list with ``question`` added at the end, or in place of question ``replacing``."""
    result = copy.deepcopy(questions)
    if replacing is None:
        result.append(question)
    else:
        result[_index(result, replacing)] = question
    return result


def delete(questions: list[dict], qid: str) -> list[dict]:
    result = copy.deepcopy(questions)
    del result[_index(result, qid)]
    return result


def move(questions: list[dict], qid: str, delta: int) -> list[dict]:
    """The list with question ``qid`` moved ``delta`` places (-1 up, +1 down); at either
    end it stays where it is."""
    result = copy.deepcopy(questions)
    n = _index(result, qid)
    m = n + delta
    if 0 <= m < len(result):
        result[n], result[m] = result[m], result[n]
    return result
