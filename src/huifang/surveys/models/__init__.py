"""Questionnaires (问卷) and their versions; invitations and responses follow in
``invitations.py``."""

from huifang.surveys.models.invitations import Invitation, Response, ResponseAnswer
from huifang.surveys.models.questionnaires import (
    PublishedVersionError,
    Questionnaire,
    QuestionnaireVersion,
)

__all__ = [
    "Invitation",
    "PublishedVersionError",
    "Questionnaire",
    "QuestionnaireVersion",
    "Response",
    "ResponseAnswer",
]
