"""What a questionnaire says, as data: the file format and the answers to it.

Pure functions (they read business type names, never write): :func:`parse_file` checks a
questionnaire file (interfaces.md, "Questionnaires as files") and returns it normalised,
:func:`validate_questions` does the same for a question list alone (the designer's draft,
before publishing), :func:`to_file` writes a version back in the same format, so
``parse_file(to_file(v)) == to_file(v)``, and :func:`check_answers` checks a customer's
answers against a version (interfaces.md, "App hall").
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_QUESTIONS = 200
MAX_OPTIONS = 50
MAX_ID = 50
MAX_QUESTION_TEXT = 500
MAX_OPTION_TEXT = 200
MAX_TITLE = 200
MAX_TEXT_ANSWER = 2000
MAX_NOTE = 500

FILE_KEYS = ("code", "title", "business_types", "opening", "closing", "questions")
QUESTION_KEYS = ("id", "text", "type", "required", "options")
OPTION_KEYS = ("id", "text", "abnormal", "note")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class QuestionType(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")
    YES_NO = "yes_no", _("是否")
    TEXT = "text", _("文本")
    DATE = "date", _("日期")


CHOICE_TYPES = frozenset({QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.YES_NO})
ONE_CHOICE_TYPES = frozenset({QuestionType.SINGLE, QuestionType.YES_NO})
TYPE_BY_LABEL = {str(t.label): t.value for t in QuestionType}


class ContentError(ValidationError):
    """A questionnaire file or question list that does not fit the format; ``messages``
    holds one Chinese sentence per problem, each naming its place (第 3 题 …)."""


# -- the file format -------------------------------------------------------------------------


def _text(
    value: Any, place: str, noun: str, errors: list[str], *, max_length: int, required: bool = True
) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.append(f"{place}{noun}应为文字")
        return ""
    value = value.strip()
    if required and not value:
        errors.append(f"{place}{noun}不能为空")
    elif len(value) > max_length:
        errors.append(f"{place}{noun}最多 {max_length} 字")
    return value


def _ident(value: Any, place: str, noun: str, errors: list[str]) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return _text(value, place, noun, errors, max_length=MAX_ID)


def _flag(value: Any, place: str, noun: str, errors: list[str], default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        errors.append(f"{place}{noun}应为 true 或 false")
        return default
    return value


def _unknown_keys(data: dict, known: tuple[str, ...], place: str, errors: list[str]) -> None:
    extra = [str(k) for k in data if k not in known]
    if extra:
        errors.append(f"{place}未知字段：{'、'.join(extra)}")


def _question(raw: Any, n: int, errors: list[str]) -> dict:
    place = f"第 {n} 题："
    if not isinstance(raw, dict):
        errors.append(f"{place}应为对象（id、text、type、required、options）")
        return {}
    _unknown_keys(raw, QUESTION_KEYS, place, errors)
    qid = _ident(raw.get("id"), place, "题目 id ", errors)
    text = _text(raw.get("text"), place, "题目文字", errors, max_length=MAX_QUESTION_TEXT)
    kind = raw.get("type")
    if isinstance(kind, str):
        kind = TYPE_BY_LABEL.get(kind.strip(), kind.strip())
    if kind not in QuestionType.values:
        known = "、".join(f"{t.value}（{t.label}）" for t in QuestionType)
        errors.append(f"{place}题型“{raw.get('type')}”未知，应为 {known}")
        kind = None
    required = _flag(raw.get("required"), place, "required ", errors, True)
    options_raw = raw.get("options")
    if options_raw is None:
        options_raw = []
    if not isinstance(options_raw, list):
        errors.append(f"{place}options 应为列表")
        options_raw = []
    options: list[dict] = []
    for m, option in enumerate(options_raw, start=1):
        oplace = f"{place}第 {m} 个选项"
        if not isinstance(option, dict):
            errors.append(f"{oplace}应为对象（id、text、abnormal、note）")
            continue
        _unknown_keys(option, OPTION_KEYS, oplace, errors)
        options.append(
            {
                "id": _ident(option.get("id"), oplace, " id ", errors),
                "text": _text(
                    option.get("text"), oplace, "文字", errors, max_length=MAX_OPTION_TEXT
                ),
                "abnormal": _flag(option.get("abnormal"), oplace, " abnormal ", errors, False),
                "note": _flag(option.get("note"), oplace, " note ", errors, False),
            }
        )
    if kind in CHOICE_TYPES:
        if kind == QuestionType.YES_NO and len(options_raw) != 2:
            errors.append(f"{place}是否题必须恰好有两个选项")
        elif len(options_raw) < 2:
            errors.append(f"{place}选择题至少需要两个选项")
        elif len(options_raw) > MAX_OPTIONS:
            errors.append(f"{place}选项最多 {MAX_OPTIONS} 个")
        ids = [o["id"] for o in options if o["id"]]
        if len(ids) != len(set(ids)):
            errors.append(f"{place}选项 id 重复")
    elif kind is not None and options_raw:
        errors.append(f"{place}{QuestionType(kind).label}题不能有选项")
    return {"id": qid, "text": text, "type": kind, "required": required, "options": options}


def _questions(raw: Any, errors: list[str]) -> list[dict]:
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        errors.append("questions 应为题目列表")
        return []
    if len(raw) > MAX_QUESTIONS:
        errors.append(f"题目最多 {MAX_QUESTIONS} 道")
        return []
    questions = [_question(q, n, errors) for n, q in enumerate(raw, start=1)]
    seen: dict[str, int] = {}
    for n, q in enumerate(questions, start=1):
        qid = q.get("id")
        if not qid:
            continue
        if qid in seen:
            errors.append(f"第 {n} 题：题目 id“{qid}”与第 {seen[qid]} 题重复")
        else:
            seen[qid] = n
    return questions


def validate_questions(questions: Any) -> list[dict]:
    """A question list checked and normalised (the file format's ``questions``)."""
    errors: list[str] = []
    result = _questions(questions, errors)
    if errors:
        raise ContentError(errors)
    return result


def business_type_names(names: Any, errors: list[str]) -> list[str]:
    """The names, which must all exist, in the business types' own order."""
    from huifang.callbacks.models import BusinessType

    if names is None:
        return []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        errors.append("business_types 应为业务类型名称的列表")
        return []
    names = [n.strip() for n in names]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        errors.append(f"回访业务类型重复：{'、'.join(duplicates)}")
    known = list(
        BusinessType.objects.filter(name__in=names)
        .order_by("sort_order", "name")
        .values_list("name", flat=True)
    )
    missing = [n for n in dict.fromkeys(names) if n not in known]
    if missing:
        errors.append(f"回访业务类型不存在：{'、'.join(missing)}")
    return known


def parse_file(data: Any) -> dict:
    """A questionnaire file (already decoded JSON) checked and normalised: every key
    present, strings stripped, flags filled in, types as their codes, business types in
    their own order. Raises :class:`ContentError` listing every problem."""
    errors: list[str] = []
    if not isinstance(data, dict):
        raise ContentError(["问卷文件应为 JSON 对象（code、title、questions …）"])
    _unknown_keys(data, FILE_KEYS, "", errors)
    code = _text(data.get("code"), "", "问卷编号 code ", errors, max_length=50)
    if code and not CODE_RE.match(code):
        errors.append(f"问卷编号“{code}”只能包含字母、数字、-、_ 和 .")
    result = {
        "code": code,
        "title": _text(data.get("title"), "", "问卷名称 title ", errors, max_length=MAX_TITLE),
        "business_types": business_type_names(data.get("business_types"), errors),
        "opening": _text(
            data.get("opening"), "", "开场白", errors, max_length=5000, required=False
        ),
        "closing": _text(
            data.get("closing"), "", "结束语", errors, max_length=5000, required=False
        ),
        "questions": _questions(data.get("questions"), errors),
    }
    if errors:
        raise ContentError(errors)
    return result


def to_file(version) -> dict:
    """A questionnaire version in the file format (lossless: ``parse_file`` gives it back)."""
    questionnaire = version.questionnaire
    return {
        "code": questionnaire.code,
        "title": version.title,
        "business_types": list(
            questionnaire.business_types.order_by("sort_order", "name").values_list(
                "name", flat=True
            )
        ),
        "opening": version.opening,
        "closing": version.closing,
        "questions": [
            {
                "id": q["id"],
                "text": q["text"],
                "type": q["type"],
                "required": bool(q.get("required", True)),
                "options": [
                    {
                        "id": o["id"],
                        "text": o["text"],
                        "abnormal": bool(o.get("abnormal", False)),
                        "note": bool(o.get("note", False)),
                    }
                    for o in q.get("options") or []
                ],
            }
            for q in version.questions or []
        ],
    }


# -- answers ---------------------------------------------------------------------------------


@dataclass
class AnswerCheck:
    """The outcome of :func:`check_answers`.

    ``answers``: the answers normalised, in questionnaire order (``{"question",
    "options"}`` or ``{"question", "text"}``, with ``"note"`` when one was given);
    ``errors``: Chinese message by question id (``"answers"`` / ``"#3"`` for an answer
    list or item that is not even shaped right); ``abnormal``: ids of the questions,
    in questionnaire order, whose chosen option is marked abnormal."""

    answers: list[dict] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    abnormal: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Schema:
    """A version's questions indexed for checking answers: built once per published
    version and process (:func:`schema_of`), since a published version never changes.

    ``questions``: id → question, in questionnaire order; ``options``: id → {option id →
    option}; ``numbers``: id → its number (第 n 题)."""

    questions: dict[str, dict]
    options: dict[str, dict[str, dict]]
    numbers: dict[str, int]

    @classmethod
    def of(cls, questions: list[dict] | None) -> Schema:
        questions = questions or []
        return cls(
            questions={q["id"]: q for q in questions},
            options={q["id"]: {o["id"]: o for o in q.get("options") or []} for q in questions},
            numbers={q["id"]: n for n, q in enumerate(questions, start=1)},
        )


def schema_of(version) -> Schema:
    """``version``'s :class:`Schema`. A published version's is kept on the instance (with
    the question list it was built from); a draft's, which may still change, is built
    each time."""
    questions = version.questions
    if not getattr(version, "is_published", False):
        return Schema.of(questions)
    kept = getattr(version, "_answer_schema", None)
    if kept is None or kept[0] is not questions:
        kept = (questions, Schema.of(questions))
        version._answer_schema = kept
    return kept[1]


def _check_one(
    question: dict, options: dict[str, dict], item: dict, notes_required: bool
) -> tuple[dict | None, str | None]:
    """One answer → (normalised answer or None when left blank, error or None)."""
    qid = question["id"]
    kind = question["type"]
    answer: dict = {"question": qid}
    note = item.get("note")
    if note is not None:
        if not isinstance(note, str):
            return None, "说明应为文字"
        note = note.strip()
        if len(note) > MAX_NOTE:
            return None, f"说明最多 {MAX_NOTE} 字"
    if kind in CHOICE_TYPES:
        chosen = item.get("options")
        if chosen is None:
            if "text" in item:
                return None, "该题应选择选项（options），而不是填写文字"
            chosen = []
        if isinstance(chosen, str):
            chosen = [chosen]
        if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
            return None, "options 应为选项 id 的列表"
        if not chosen:
            return None, None
        unknown = [c for c in chosen if c not in options]
        if unknown:
            return None, f"选项不存在：{'、'.join(unknown)}"
        if len(set(chosen)) != len(chosen):
            return None, "同一选项选择了多次"
        if kind in ONE_CHOICE_TYPES and len(chosen) > 1:
            return None, "单选题只能选一项"
        answer["options"] = [o for o in options if o in chosen]
        if notes_required and not note and any(options[c].get("note") for c in chosen):
            return None, "该选项需要填写说明"
    else:
        text = item.get("text")
        if text is None:
            if "options" in item:
                return None, "该题应填写文字（text），而不是选择选项"
            text = ""
        if not isinstance(text, str):
            return None, "回答应为文字"
        text = text.strip()
        if not text:
            return None, None
        if kind == QuestionType.DATE:
            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                    raise ValueError
                datetime.date.fromisoformat(text)
            except ValueError:
                return None, "日期格式应为 YYYY-MM-DD"
        elif len(text) > MAX_TEXT_ANSWER:
            return None, f"回答最多 {MAX_TEXT_ANSWER} 字"
        answer["text"] = text
    if note:
        answer["note"] = note
    return answer, None


def check_answers(
    version, answers: Any, *, notes_required: bool, schema: Schema | None = None
) -> AnswerCheck:
    """Check ``answers`` (interfaces.md, App hall: ``[{"question", "options": [ids]} |
    {"question", "text"}]``, each with an optional ``"note"``) against ``version`` (or its
    ``schema``, when the caller holds it: :func:`schema_of`).

    ``notes_required``: a chosen option marked ``note`` needs a note (the H5 page and
    offline entry show the flag; the app hall never sees it, so it is not asked there)."""
    check = AnswerCheck()
    if not isinstance(answers, list):
        check.errors["answers"] = "answers 应为答案列表"
        return check
    if schema is None:
        schema = schema_of(version)
    questions = schema.questions
    given: dict[str, dict] = {}
    for n, item in enumerate(answers, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("question"), str | int):
            check.errors[f"#{n}"] = (
                f"第 {n} 个答案格式错误：应为 {{question, options}} 或 {{question, text}}"
            )
            continue
        qid = str(item["question"])
        if qid not in questions:
            check.errors[qid] = "未知题目"
        elif qid in given:
            check.errors[qid] = "重复作答"
        else:
            given[qid] = item
    for qid, question in questions.items():
        if qid in check.errors:
            continue
        answer, error = (None, None)
        options = schema.options[qid]
        if qid in given:
            answer, error = _check_one(question, options, given[qid], notes_required)
        if error:
            check.errors[qid] = error
        elif answer is None:
            if question.get("required", True):
                check.errors[qid] = "必答题未作答"
        else:
            check.answers.append(answer)
            if any(options[c].get("abnormal") for c in answer.get("options", ())):
                check.abnormal.append(qid)
    return check
