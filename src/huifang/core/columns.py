"""Table columns shared by every list page.

django-tables2's DateColumn and DateTimeColumn compile and render a small template for
every cell — a third of a 50-row list page's time — and export an aware datetime as ISO
text in UTC. These format in Python with Django's date-format syntax, in the local time
zone (Asia/Shanghai), and export real dates (an xlsx date cell, ISO text in CSV). They are
registered with django-tables2, so model date fields listed in a table's ``Meta.fields``
get them too.
"""

from __future__ import annotations

import datetime

import django_tables2 as tables
from django.db import models
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django_tables2 import A
from django_tables2.columns import library

from huifang.core.choices import choice_label, choice_labels  # noqa: F401  (re-exported)
from huifang.core.people import person_html, person_text
from huifang.core.speedups import cell  # noqa: F401  (exports read cells the same way)


def local(value):
    """An aware datetime in the local time zone, naive (what a spreadsheet shows)."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


class DateColumn(tables.Column):
    default_format = "Y-m-d"
    reads_raw_value = True  # see cell()

    def __init__(self, format: str | None = None, **kwargs):
        self.format = format or self.default_format
        super().__init__(**kwargs)

    @classmethod
    def from_field(cls, field, **kwargs):
        if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            return cls(**kwargs)
        return None

    def render(self, value) -> str:
        return dateformat.format(local(value), self.format)

    def value(self, value, **kwargs):
        return local(value)


class DateTimeColumn(DateColumn):
    default_format = "Y-m-d H:i:s"

    @classmethod
    def from_field(cls, field, **kwargs):
        if isinstance(field, models.DateTimeField):
            return cls(**kwargs)
        return None


class CountColumn(tables.Column):
    """A count (命中客户数, 总行数…): right-aligned with thousands separators (8,084), as
    numbers are read down a column; exports write the number itself."""

    reads_raw_value = True  # see cell()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"th": {"class": "text-end"}, "td": {"class": "text-end"}})
        super().__init__(*args, **kwargs)

    def render(self, value) -> str:
        return f"{value:,}"

    def value(self, value, **kwargs):
        return value


# A long text column (reasons, descriptions, evidence) wraps within a bounded width
# instead of stretching the row past the screen (see huifang.css).
WRAP = {"td": {"class": "cell-wrap"}}
# A name column: short names keep their width, a long one breaks onto a second line.
NAME = {"td": {"class": "cell-name"}}


class TruncatedColumn(tables.Column):
    """A long one-line text (a provider's answer, a message, a company's name) cut to
    ``width`` with an ellipsis, the whole text on hover (``title``); exports write it whole."""

    def __init__(self, *args, width: str = "12rem", **kwargs):
        self.width = width
        super().__init__(*args, **kwargs)

    def render(self, value):
        return format_html(
            '<span class="d-inline-block text-truncate align-bottom" style="max-width: {}"'
            ' title="{}">{}</span>',
            self.width,
            value,
            value,
        )

    def value(self, value, **kwargs):
        return value


library.register(DateColumn)
library.register(DateTimeColumn)


class ChoiceColumn(tables.Column):
    """A choice field shown (and exported) as its label."""

    reads_raw_value = True  # see cell()

    def __init__(self, choices, **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def render(self, value) -> str:
        return choice_label(self.choices, value)

    def value(self, value, **kwargs) -> str:
        return choice_label(self.choices, value)


class BooleanColumn(tables.BooleanColumn):
    """django-tables2's BooleanColumn, exported as words: its own writes ``True`` /
    ``False`` into a spreadsheet. The export says what the page says (``yesno="启用,停用"``
    → 启用/停用), and 是/否 where the page shows the default ✔/✘. Registered, so model
    boolean fields listed in a table's ``Meta.fields`` get it too."""

    SYMBOLS = ("✔", "✘")

    def value(self, record, value, bound_column) -> str:
        truth = self._get_bool_value(record, value, bound_column)
        words = ("是", "否") if tuple(self.yesno) == self.SYMBOLS else self.yesno
        return words[0 if truth else 1]


library.register(BooleanColumn)


def permitted_link(viewname: str, permission: str, arg: str = "pk"):
    """A ``linkify`` for a link to a write action (an edit page): a link for users holding
    ``permission``, the plain value for everyone else (who would only meet a 403)."""

    def url(record, table):
        user = getattr(getattr(table, "request", None), "user", None)
        if user is None or not user.has_perm(permission):
            return None
        return reverse(viewname, args=[A(arg).resolve(record)])

    return url


SYSTEM = "系统"


class UserColumn(tables.Column):
    """A user shown as a person (``huifang.core.people``): the name, the username on
    hover; exported as 姓名（用户名）. Sorted by name. The list's queryset should
    ``select_related`` the user."""

    reads_raw_value = True  # see cell()

    def __init__(self, accessor: str, *, system: bool = False, **kwargs):
        """``system``: no user means the system did it (a seeded rule, a plan, a command,
        an automatic feedback): 系统 on the page and in exports alike."""
        kwargs.setdefault("default", SYSTEM if system else "")
        kwargs.setdefault("order_by", (f"{accessor}__full_name", f"{accessor}__username"))
        super().__init__(accessor=accessor, **kwargs)
        # What an export writes for no user (core.speedups.cell); a page placeholder such
        # as — is not data, 系统 is.
        self.export_default = SYSTEM if system else None

    def render(self, value):
        return person_html(value)

    def value(self, value, **kwargs) -> str:
        return person_text(value)
