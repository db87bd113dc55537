"""Questionnaires (问卷) and their versions; invitations and responses follow in
``invitations.py``."""

from huifang.surveys.models.questionnaires import (
    PublishedVersionError,
    Questionnaire,
    QuestionnaireVersion,
)

__all__ = ["PublishedVersionError", "Questionnaire", "QuestionnaireVersion"]
