"""Questionnaires (问卷) and their versions.

A questionnaire has at most one draft (草稿, editable) and any number of published versions
(已发布, numbered 1, 2, 3 … and frozen for ever: answers point at the version they
answered, so a published row refuses ``save()``/``delete()`` and its queryset refuses bulk
updates and deletes). The questions are JSON in exactly the file format of
``interfaces.md`` ("Questionnaires as files"); ``surveys.content`` validates them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huifang.callbacks.models import BusinessType
from huifang.core.fields import user_reference
from huifang.core.scoping import RestrictedQuerySet
from huifang.surveys.choices import VersionStatus


class PublishedVersionError(ValidationError):
    """A change to a published (frozen) questionnaire version."""

    def __init__(self, message: str = "已发布的问卷版本不能修改或删除，请新建草稿"):
        super().__init__(message)


class Questionnaire(models.Model):
    """A questionnaire (问卷), known by its code; its content lives in its versions."""

    code = models.CharField(
        _("问卷编号"), max_length=50, unique=True, help_text=_("例如 QN-ANNUAL，创建后不可修改")
    )
    title = models.CharField(_("问卷名称"), max_length=200)
    business_types = models.ManyToManyField(
        BusinessType, verbose_name=_("回访业务类型"), blank=True, related_name="questionnaires"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = user_reference(_("创建人"))
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)
    updated_by = user_reference(_("修改人"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("问卷")
        verbose_name_plural = _("问卷")
        ordering = ["code"]
        permissions = [("publish_questionnaire", "可发布问卷")]

    def __str__(self) -> str:
        """Its name, its code after it (selects, messages, the audit log)."""
        return f"{self.title}（{self.code}）"

    def latest_published(self) -> QuestionnaireVersion | None:
        """The highest-numbered published version, or None."""
        return self.versions.filter(status=VersionStatus.PUBLISHED).order_by("-number").first()

    def draft(self) -> QuestionnaireVersion | None:
        """The draft version (at most one), or None."""
        return self.versions.filter(status=VersionStatus.DRAFT).first()


class QuestionnaireVersionQuerySet(RestrictedQuerySet):
    def published(self) -> QuestionnaireVersionQuerySet:
        return self.filter(status=VersionStatus.PUBLISHED)

    def update(self, **kwargs):
        if self.filter(status=VersionStatus.PUBLISHED).exists():
            raise PublishedVersionError()
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=VersionStatus.PUBLISHED).exists():
            raise PublishedVersionError()
        return super().delete()


class QuestionnaireVersion(models.Model):
    """One version of a questionnaire: the draft, or a published (frozen) version."""

    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("问卷"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("版本号"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    title = models.CharField(_("问卷名称"), max_length=200)
    opening = models.TextField(_("开场白"), blank=True)
    closing = models.TextField(_("结束语"), blank=True)
    # A list in the file format: [{"id", "text", "type", "required", "options": [{"id",
    # "text", "abnormal", "note"}]}] (surveys.content).
    questions = models.JSONField(_("题目"), default=list, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = user_reference(_("发布人"))

    objects = QuestionnaireVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("问卷版本")
        verbose_name_plural = _("问卷版本")
        ordering = ["questionnaire", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "number"], name="questionnaireversion_number"
            ),
            # At most one draft per questionnaire (a partial unique index: SQLite and
            # PostgreSQL alike), so two people starting a draft together make one.
            models.UniqueConstraint(
                fields=["questionnaire"],
                condition=Q(status=VersionStatus.DRAFT),
                name="questionnaireversion_one_draft",
            ),
            # A draft has no number yet; a published version always has one.
            models.CheckConstraint(
                condition=(Q(status=VersionStatus.DRAFT, number__isnull=True))
                | (Q(status=VersionStatus.PUBLISHED, number__isnull=False)),
                name="questionnaireversion_number_status",
            ),
        ]

    def __str__(self) -> str:
        """``年度回访问卷（QN-ANNUAL）第 2 版``: the version's name, its code after it."""
        name = f"{self.title or self.questionnaire.title}（{self.questionnaire.code}）"
        if self.is_published:
            return f"{name}第 {self.number} 版"
        return f"{name}草稿"

    def save(self, *args, **kwargs):
        if self._frozen():
            raise PublishedVersionError()
        super().save(*args, **kwargs)
        self._stored_status = self.status

    def delete(self, *args, **kwargs):
        if self._frozen():
            raise PublishedVersionError()
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_status = instance.status if "status" in field_names else None
        return instance

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    def _frozen(self) -> bool:
        """Whether the stored row is published (the instance may be a stale copy)."""
        if self.pk is None:
            return False
        stored = getattr(self, "_stored_status", None)
        if stored == VersionStatus.PUBLISHED:
            return True
        return type(self)._base_manager.filter(pk=self.pk, status=VersionStatus.PUBLISHED).exists()

    def question(self, qid: str) -> dict | None:
        """The question with id ``qid`` (file format), or None."""
        for question in self.questions or []:
            if question.get("id") == qid:
                return question
        return None

    def public_questions(self) -> list[dict]:
        """The questions as a partner app sees them (interfaces.md, App hall GET): options
        only ``{id, text}``; never the ``abnormal`` / ``note`` flags."""
        return [
            {
                "id": q["id"],
                "text": q["text"],
                "type": q["type"],
                "required": bool(q.get("required", True)),
                "options": [{"id": o["id"], "text": o["text"]} for o in q.get("options") or []],
            }
            for q in self.questions or []
        ]
