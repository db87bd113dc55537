"""Enumerations of the questionnaires. Stored values are short and stable; labels are what
pages, exports and the CLI show."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionStatus(models.TextChoices):
    """A questionnaire version is a draft (editable, at most one) until it is published
    (frozen for ever, numbered 1, 2, 3 …)."""

    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
