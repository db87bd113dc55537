"""Page-rendering speed-ups that lean on library internals, all in one place.

Each replaces per-cell (or per-option) work of django-tables2 or Django's form templates
with the same result computed once or in Python. Measured on the task list (50 rows, a
firm's ~120 branches and ~200 agents in the filter form; in-process CPU time, median of 60,
``tests/callbacks/measure_table_patches.py``), the page takes ~97 ms with all of them,
~163 ms with none, and switching one off costs:

==============================  ==========================================  ========
speed-up                        what it avoids                              per page
==============================  ==========================================  ========
:func:`table_row`               the template engine per cell                ~26 ms
:func:`select_html`             a template include per ``<option>``         ~24 ms
:func:`cache_cell_signatures`   ``inspect.signature`` per cell              ~11 ms
:func:`cell`                    a field lookup and ``get_FOO_display``      ~10 ms
==============================  ==========================================  ========

``cell`` also serves every xlsx/csv export, where it is paid per cell of 100k rows.
All rely on internals of the versions in :data:`TESTED_WITH`:
``tests/core/test_speedups_contract.py`` fails when an upgrade changes any of them, and
checks that each gives what the stock path gives.
"""

from __future__ import annotations

import functools
import types

import django_tables2 as tables
from django.template.base import render_value_in_context
from django.templatetags.l10n import localize, unlocalize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django_tables2 import A

# The library versions whose internals this module was written against (pyproject pins them).
TESTED_WITH = {"django_tables2": "3.0.1", "django": "5.2"}


# ------------------------------------------------------------------ render signatures


def cache_cell_signatures() -> None:
    """Compute each render function's signature once instead of once per cell.

    django-tables2 calls ``utils.signature`` (``inspect.signature``) for every cell it
    renders, to pass a render method only the arguments it names. The signature of a
    function never changes, so it is looked up per function (a bound method by its
    function, whatever the table instance)."""
    from django_tables2 import utils

    original = utils.signature
    if getattr(original, "cached", False):
        return

    @functools.lru_cache(maxsize=4096)
    def of_function(fn, bound: bool):
        return original(types.MethodType(fn, object()) if bound else fn)

    def signature(fn):
        func = getattr(fn, "__func__", None)
        try:
            return of_function(func, True) if func is not None else of_function(fn, False)
        except TypeError:  # an unhashable callable: no cache
            return original(fn)

    signature.cached = True
    signature.original = original
    signature.cache_info = of_function.cache_info
    utils.signature = signature


# ------------------------------------------------------------------ cells


def cell(row, bound_column, *, export: bool = False):
    """What ``row.get_cell(name)`` (``get_cell_value`` with ``export``) gives, without
    finding the column by name and without django-tables2's per-cell field lookup: for
    every cell it resolves the accessor's model field to see whether it has choices, and if
    so renders ``get_FOO_display()`` (the whole choice list translated, per cell). Here
    that is decided once per column and model; columns that label raw values themselves
    (``reads_raw_value = True``, ``core.columns``) always read the raw value, so the
    result is the same. Pages (:func:`table_row`) and exports share it."""
    render = row._call_value if export else row._call_render
    default = (
        getattr(bound_column.column, "export_default", None) if export else bound_column.default
    )
    if _reads_raw(bound_column, row.record):
        try:
            value = A(bound_column.accessor).resolve(row.record)
        except Exception:  # the stock path makes of it what it does (usually the default)
            pass
        else:
            if value in bound_column.column.empty_values:
                return default
            return render(bound_column, value)
    return row._get_and_render_with(bound_column, render_func=render, default=default)


def _reads_raw(bound_column, record) -> bool:
    """Whether the cell's value is the accessor's plain value: not a choice field that
    django-tables2 would show through ``get_FOO_display()`` (and not a many-to-many)."""
    from django.db import models

    column = bound_column.column
    if getattr(column, "reads_raw_value", False):
        return True
    if isinstance(column, tables.ManyToManyColumn):
        return False
    known = bound_column.__dict__.setdefault("_huifang_reads_raw", {})
    kind = type(record)
    if kind not in known:
        field = None
        if isinstance(record, models.Model):
            try:
                field = A(bound_column.accessor).get_field(record)
            except Exception:
                field = None
        known[kind] = not getattr(field, "choices", None)
    return known[kind]


# ------------------------------------------------------------------ rows


def table_row(context, row) -> str:
    """One row as ``django_tables2/table.html``'s ``table.tbody.row`` block writes it
    (``core/table.html`` overrides that block with ``{% table_row row %}``).

    The stock block renders each cell through the template engine: a loop iteration, a
    lookup of ``column.attrs.td.as_html`` and an ``{% if column.localize %}`` test per cell.
    This makes the same calls (each cell through the row's own render path, the column's td
    attributes with the row's record set, the same localisation and escaping) without the
    per-cell template machinery, so the HTML is the same. The visible columns, and the td
    attributes' HTML of a column whose attributes hold no callables, are found once per
    table (``BoundRow.items()`` finds each column again by name, and django-tables2
    rebuilds the th, td and tf attributes for every cell)."""
    parts = [f"<tr {row.attrs.as_html()}>"]
    record = row.record
    for column, td in _columns(row.table):
        value = cell(row, column)
        # What BoundRow.items() sets: callable attrs are given the record and the value.
        column.current_value, column.current_record = value, record
        if column.localize is None:
            text = render_value_in_context(value, context)
        elif column.localize:
            text = conditional_escape(localize(value))
        else:
            text = conditional_escape(unlocalize(value))
        if td is None:
            td = column.attrs["td"].as_html()
        parts.append(f"<td {td}>{text}</td>")
    parts.append("</tr>")
    return mark_safe("".join(parts))


def _columns(table) -> list[tuple[object, str | None]]:
    """The table's visible bound columns, each with its td attributes' HTML when that is the
    same for every row (None: computed per cell)."""
    cached = getattr(table, "_huifang_row_columns", None)
    if cached is None:
        cached = []
        for column in table.columns:
            merged = {**table.attrs, **column.column.attrs}
            source = merged.get("td", merged.get("cell", {}))
            cached.append((column, column.attrs["td"].as_html() if _static(source) else None))
        table._huifang_row_columns = cached
    return cached


def _static(attrs: dict) -> bool:
    """No callable anywhere in ``attrs`` (nested dicts included): the same for every row."""
    return all(
        _static(value) if isinstance(value, dict) else isinstance(value, str) or value is None
        for value in attrs.values()
    )


# ------------------------------------------------------------------ selects

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def attrs_html(attrs: dict) -> str:
    """``django/forms/widgets/attrs.html``: False omitted, True bare, values escaped."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def select_html(widget: dict) -> str | None:
    """A ``<select>`` character for character as Django's ``select.html`` and
    ``select_option.html`` write it (a filter form with ~120 branches and a few hundred
    agents spent ~40 ms on one include per option); None when an option uses another
    template, which the caller then renders the stock way."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{attrs_html(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            if option["template_name"] != OPTION:
                return None
            parts.append(
                f'\n  <option value="{escape(option["value"])}"{attrs_html(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"  # the template's last line
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)
