"""Every write of the questionnaires: create, edit the draft, publish, new draft, import.
Pages and the ``huifang survey`` command call these functions only.

A published version is frozen (the model refuses to change it); editing happens on the one
draft, and publishing turns the draft into the next numbered version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from huifang.callbacks.models import BusinessType
from huifang.core import audit
from huifang.core.actors import person_of
from huifang.core.permissions import require
from huifang.surveys import content
from huifang.surveys.audit_actions import SurveyAction
from huifang.surveys.choices import VersionStatus
from huifang.surveys.models import Questionnaire, QuestionnaireVersion

DRAFT_FIELDS = ["title", "opening", "closing", "questions"]
NO_DRAFT = "该问卷没有草稿，请先新建草稿"
# A version's content: what publishing freezes (the business types are the questionnaire's).
VERSION_FIELDS = ["title", "opening", "closing", "questions"]
UNCHANGED = "草稿与第 {number} 版相同（未修改），无需发布新版本"


def _check_code(code: str) -> str:
    code = (code or "").strip()
    if not code:
        raise ValidationError("问卷编号不能为空")
    if len(code) > 50 or not content.CODE_RE.match(code):
        raise ValidationError(f"问卷编号“{code}”只能包含字母、数字、-、_ 和 .（最多 50 个字符）")
    return code


def _check_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError("问卷名称不能为空")
    if len(title) > content.MAX_TITLE:
        raise ValidationError(f"问卷名称最多 {content.MAX_TITLE} 字")
    return title


def _type_names(questionnaire: Questionnaire) -> list[str]:
    return list(
        questionnaire.business_types.order_by("sort_order", "name").values_list("name", flat=True)
    )


def _draft_state(questionnaire: Questionnaire, draft: QuestionnaireVersion | None) -> dict:
    state = audit.snapshot(draft, DRAFT_FIELDS) if draft is not None else {}
    state["business_types"] = _type_names(questionnaire)
    return state


def _locked(questionnaire: Questionnaire) -> Questionnaire:
    """The questionnaire's row locked (PostgreSQL) for the rest of the transaction: drafts
    and version numbers of one questionnaire change one at a time."""
    return Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)


def _locked_draft(questionnaire: Questionnaire) -> QuestionnaireVersion | None:
    return (
        QuestionnaireVersion.objects.select_for_update()
        .filter(questionnaire=questionnaire, status=VersionStatus.DRAFT)
        .first()
    )


def _touch(questionnaire: Questionnaire, actor) -> None:
    questionnaire.updated_at = timezone.now()
    questionnaire.updated_by = person_of(actor)
    questionnaire.save(update_fields=["title", "updated_at", "updated_by"])


def _new_draft_row(questionnaire: Questionnaire, **fields) -> QuestionnaireVersion:
    try:
        with transaction.atomic():
            return QuestionnaireVersion.objects.create(
                questionnaire=questionnaire, status=VersionStatus.DRAFT, **fields
            )
    except IntegrityError as exc:  # someone started a draft at the same moment
        raise ValidationError("该问卷已有草稿，请刷新后编辑") from exc


def do_create_questionnaire(
    code: str, title: str, *, business_types: Iterable[BusinessType] = (), actor
) -> Questionnaire:
    """A new questionnaire with an empty draft."""
    require(actor, "surveys.add_questionnaire", message="您没有新建问卷的权限")
    code, title = _check_code(code), _check_title(title)
    if Questionnaire.objects.filter(code=code).exists():
        raise ValidationError(f"问卷编号 {code} 已存在")
    who = person_of(actor)
    with transaction.atomic():
        try:
            with transaction.atomic():
                questionnaire = Questionnaire.objects.create(
                    code=code, title=title, created_by=who, updated_by=who
                )
        except IntegrityError as exc:
            raise ValidationError(f"问卷编号 {code} 已存在") from exc
        questionnaire.business_types.set(list(business_types))
        draft = _new_draft_row(questionnaire, title=title)
        audit.record(
            SurveyAction.CREATE,
            questionnaire,
            after={"code": code, **_draft_state(questionnaire, draft)},
            message=f"新建问卷 {code}",
            actor=actor,
        )
    return questionnaire


def do_save_draft(
    questionnaire: Questionnaire,
    *,
    title: str | None = None,
    opening: str | None = None,
    closing: str | None = None,
    business_types: Iterable[BusinessType] | None = None,
    questions: list | None = None,
    actor,
) -> QuestionnaireVersion:
    """Change the draft: the fields given (None = leave as is). The questions must fit the
    file format (``content.validate_questions``); they may be none yet."""
    require(actor, "surveys.change_questionnaire", message="您没有编辑问卷的权限")
    if title is not None:
        title = _check_title(title)
    if questions is not None:
        questions = content.validate_questions(questions)
    with transaction.atomic():
        questionnaire = _locked(questionnaire)
        draft = _locked_draft(questionnaire)
        if draft is None:
            raise ValidationError(NO_DRAFT)
        before = _draft_state(questionnaire, draft)
        for name, value in (
            ("title", title),
            ("opening", (opening or "").strip() if opening is not None else None),
            ("closing", (closing or "").strip() if closing is not None else None),
            ("questions", questions),
        ):
            if value is not None:
                setattr(draft, name, value)
        draft.updated_at = timezone.now()
        draft.save()
        if business_types is not None:
            questionnaire.business_types.set(list(business_types))
        questionnaire.title = draft.title
        _touch(questionnaire, actor)
        old, new = audit.diff(before, _draft_state(questionnaire, draft))
        audit.record(
            SurveyAction.QUESTIONNAIRE_DRAFT,
            questionnaire,
            before=old,
            after=new,
            message=f"保存问卷 {questionnaire.code} 的草稿",
            actor=actor,
        )
    return draft


def _publish(questionnaire: Questionnaire, actor) -> QuestionnaireVersion:
    """Freeze the draft as the next number (inside the caller's transaction, the
    questionnaire locked)."""
    draft = _locked_draft(questionnaire)
    if draft is None:
        raise ValidationError("该问卷没有可发布的草稿")
    if not draft.questions:
        raise ValidationError("草稿还没有题目，不能发布")
    content.validate_questions(draft.questions)
    _check_title(draft.title)
    latest = same_published(questionnaire, draft)
    if latest is not None:
        raise ValidationError(UNCHANGED.format(number=latest.number))
    last = questionnaire.versions.aggregate(n=Max("number"))["n"] or 0
    draft.status = VersionStatus.PUBLISHED
    draft.number = last + 1
    draft.published_at = timezone.now()
    draft.published_by = person_of(actor)
    draft.save()
    questionnaire.title = draft.title
    _touch(questionnaire, actor)
    audit.record(
        SurveyAction.QUESTIONNAIRE_PUBLISH,
        questionnaire,
        after={"number": draft.number, "title": draft.title, "questions": len(draft.questions)},
        message=f"发布问卷 {questionnaire.code} 第 {draft.number} 版",
        actor=actor,
    )
    return draft


def same_published(
    questionnaire: Questionnaire, draft: QuestionnaireVersion
) -> QuestionnaireVersion | None:
    """The latest published version when ``draft`` has the same content, else None."""
    latest = questionnaire.latest_published()
    if latest is None:
        return None
    same = all(getattr(draft, name) == getattr(latest, name) for name in VERSION_FIELDS)
    return latest if same else None


def do_publish(questionnaire: Questionnaire, *, actor) -> QuestionnaireVersion:
    """Freeze the draft as the next version (1, 2, 3 …); refuses an empty or invalid one,
    and one whose content is the latest version's (nothing to publish)."""
    require(actor, "surveys.publish_questionnaire", message="您没有发布问卷的权限")
    with transaction.atomic():
        return _publish(_locked(questionnaire), actor)


def do_new_draft(questionnaire: Questionnaire, *, actor) -> QuestionnaireVersion:
    """A draft copied from the latest published version (empty when there is none);
    refused when a draft exists already."""
    require(actor, "surveys.change_questionnaire", message="您没有编辑问卷的权限")
    with transaction.atomic():
        questionnaire = _locked(questionnaire)
        if _locked_draft(questionnaire) is not None:
            raise ValidationError("该问卷已有草稿，请直接编辑草稿")
        source = questionnaire.latest_published()
        if source is None:
            draft = _new_draft_row(questionnaire, title=questionnaire.title)
        else:
            draft = _new_draft_row(
                questionnaire,
                title=source.title,
                opening=source.opening,
                closing=source.closing,
                questions=source.questions,
            )
        audit.record(
            SurveyAction.QUESTIONNAIRE_NEW_DRAFT,
            questionnaire,
            after={"from_number": source.number if source else None},
            message=(
                f"由第 {source.number} 版新建问卷 {questionnaire.code} 的草稿"
                if source
                else f"新建问卷 {questionnaire.code} 的空白草稿"
            ),
            actor=actor,
        )
    return draft


@dataclass(frozen=True)
class ImportResult:
    questionnaire: Questionnaire
    version: QuestionnaireVersion
    created: bool  # a new questionnaire (else a new draft of an existing one)
    # Asked to publish a file the latest version already holds: ``version`` is that one,
    # and nothing was published.
    unchanged: bool = False

    @property
    def published(self) -> bool:
        return self.version.is_published


def do_import_file(data, *, publish: bool = False, actor) -> ImportResult:
    """A questionnaire file (interfaces.md): creates the questionnaire, or replaces the
    content of its draft (starting one when there is none); with ``publish`` the draft is
    then frozen as the next version — unless the latest version has the same content: then
    nothing is published and the result names that version (``unchanged``), so importing
    the same file twice publishes once. An invalid file raises
    :class:`content.ContentError` and writes nothing."""
    parsed = content.parse_file(data)
    existing = Questionnaire.objects.filter(code=parsed["code"]).first()
    needed = ["surveys.change_questionnaire" if existing else "surveys.add_questionnaire"]
    if publish:
        needed.append("surveys.publish_questionnaire")
    require(actor, tuple(needed), message="您没有导入或发布问卷的权限")
    if publish and not parsed["questions"]:
        raise ValidationError("问卷文件没有题目，不能发布")
    types = list(BusinessType.objects.filter(name__in=parsed["business_types"]))
    who = person_of(actor)
    fields = {name: parsed[name] for name in DRAFT_FIELDS}
    with transaction.atomic():
        if existing is None:
            try:
                with transaction.atomic():
                    questionnaire = Questionnaire.objects.create(
                        code=parsed["code"], title=parsed["title"], created_by=who, updated_by=who
                    )
            except IntegrityError as exc:
                raise ValidationError(f"问卷编号 {parsed['code']} 已存在，请重新导入") from exc
            before = {}
        else:
            questionnaire = _locked(existing)
            before = _draft_state(questionnaire, _locked_draft(questionnaire))
        draft = _locked_draft(questionnaire)
        if draft is None:
            draft = _new_draft_row(questionnaire, **fields)
        else:
            for name, value in fields.items():
                setattr(draft, name, value)
            draft.updated_at = timezone.now()
            draft.save()
        questionnaire.business_types.set(types)
        questionnaire.title = draft.title
        _touch(questionnaire, actor)
        old, new = audit.diff(before, _draft_state(questionnaire, draft))
        audit.record(
            SurveyAction.QUESTIONNAIRE_IMPORT,
            questionnaire,
            before=old,
            after=new,
            message=f"导入问卷 {questionnaire.code}（{len(draft.questions)} 题）",
            actor=actor,
        )
        version = draft
        unchanged = same_published(questionnaire, draft) if publish else None
        if unchanged is not None:
            version = unchanged
        elif publish:
            version = _publish(questionnaire, actor)
    return ImportResult(questionnaire, version, existing is None, unchanged is not None)


def export_version(questionnaire: Questionnaire) -> QuestionnaireVersion | None:
    """The version ``huifang survey export`` writes: the latest published, else the draft."""
    return questionnaire.latest_published() or questionnaire.draft()


# Sending (问卷下发) and the write-back live in their own modules; re-exported here so that
# callers find every survey service in one place.
from huifang.surveys.sending import do_invite, do_record_event  # noqa: E402, F401
from huifang.surveys.writeback import do_submit_response  # noqa: E402, F401
