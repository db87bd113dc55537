"""Browser date pickers whose value the browser accepts.

``<input type="date">`` takes only ``YYYY-MM-DD`` and ``<input type="datetime-local">`` only
``YYYY-MM-DDTHH:MM``; Django's zh-hans formats would render ``2026/12/03`` and the browser
would show an empty field. Every form's date and date-time picker uses these two.
"""

from __future__ import annotations

import django_filters
from django import forms

DATE_FORMAT = "%Y-%m-%d"
DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
# What a datetime-local input sends (with or without seconds), plus typed text.
DATETIME_LOCAL_INPUTS = [
    DATETIME_LOCAL_FORMAT,
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None):
        super().__init__(attrs=attrs, format=DATE_FORMAT)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None):
        super().__init__(attrs=attrs, format=DATETIME_LOCAL_FORMAT)


class DateTimeRangeWidget(django_filters.widgets.DateRangeWidget):
    """A FilterSet's from–to date-time range (``…_after`` / ``…_before``) as two
    datetime-local pickers that take seconds (a link may name a moment to the second)."""

    def __init__(self, attrs: dict | None = None):
        attrs = {"step": "1", **(attrs or {})}
        # RangeWidget's own __init__ would make the parts plain text inputs.
        widgets = (DateTimeLocalInput, DateTimeLocalInput)
        super(django_filters.widgets.RangeWidget, self).__init__(widgets, attrs)
