"""Every date and date-time picker renders a value its browser input accepts.

``<input type="date">`` shows only ``YYYY-MM-DD`` and ``type="datetime-local"`` only
``YYYY-MM-DDTHH:MM``; anything else (zh-hans' ``2026/12/03``) leaves the field blank.
The widgets are found in every form and FilterSet of the code base, not listed by hand."""

from __future__ import annotations

import datetime

import django_filters
import pytest
from django import forms
from django.utils import translation

from tests.core.code_base import filter_field, project_subclasses

DAY = datetime.date(2026, 12, 3)
MOMENT = datetime.datetime(2026, 12, 3, 9, 5, 7)
ACCEPTED = {"date": (DAY, "2026-12-03"), "datetime-local": (MOMENT, "2026-12-03T09:05")}


def _widgets(widget):
    yield widget
    for sub in getattr(widget, "widgets", []):
        yield from _widgets(sub)


def picker_widgets() -> list[tuple[str, forms.Widget]]:
    fields = [
        (f"{form.__module__}.{form.__name__}.{name}", field)
        for form in project_subclasses(forms.BaseForm)
        for name, field in form.base_fields.items()
    ] + [
        (f"{fs.__module__}.{fs.__name__}.{name}", filter_field(flt))
        for fs in project_subclasses(django_filters.FilterSet)
        for name, flt in fs.base_filters.items()
    ]
    return [
        (where, widget)
        for where, field in fields
        for widget in _widgets(field.widget)
        if getattr(widget, "input_type", "") in ACCEPTED
    ]


@pytest.mark.django_db
def test_the_code_base_has_date_pickers_to_check():
    kinds = {widget.input_type for _, widget in picker_widgets()}
    assert kinds == {"date", "datetime-local"}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_date_picker_renders_the_browser_format(language):
    wrong = []
    with translation.override(language):
        for where, widget in picker_widgets():
            value, expected = ACCEPTED[widget.input_type]
            shown = widget.format_value(value)
            if shown != expected:
                wrong.append(f"{where}: {shown!r} (expected {expected!r})")
    assert wrong == []


@pytest.mark.django_db
def test_the_new_record_form_shows_the_date_as_the_browser_needs_it():
    from huifang.callbacks.records.forms import CreateRecordForm

    with translation.override("zh-hans"):
        html = str(CreateRecordForm(initial={"called_date": DAY})["called_date"])
    assert 'type="date"' in html
    assert 'value="2026-12-03"' in html


@pytest.mark.django_db
def test_collecting_the_pickers_builds_no_field_on_a_filterset_class():
    """Built on the class, a filter's field (and its label, still unresolved) would be
    kept by every later FilterSet: export descriptions then lost their labels."""

    def built() -> set[str]:
        return {
            f"{fs.__name__}.{name}"
            for fs in project_subclasses(django_filters.FilterSet)
            for name, flt in fs.base_filters.items()
            if hasattr(flt, "_field")
        }

    before = built()
    picker_widgets()
    assert built() == before
