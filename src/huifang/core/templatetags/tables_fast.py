"""``{% table_row row %}``: one django-tables2 row rendered in Python.

The stock template renders each cell through the template engine: a loop iteration, a
lookup of ``column.attrs.td.as_html`` and an ``{% if column.localize %}`` test per cell —
two thirds of a 50-row list page's time. This tag makes the same calls (each cell through
the row's own render path, the column's td attributes with the row's record set, the same
localisation and escaping) without the per-cell template machinery, so the HTML is the same.

Two things are done once per table instead of once per cell: the list of visible columns
(``BoundRow.items()`` finds each column again by name, scanning all of them) and, for a
column whose td attributes hold no callables, their HTML (django-tables2 rebuilds the
column's th, td and tf attributes for every cell). Cells come from ``core.columns.cell``.
"""

from __future__ import annotations

from django import template
from django.template.base import render_value_in_context
from django.templatetags.l10n import localize, unlocalize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from huifang.core.columns import cell as table_cell

register = template.Library()


@register.simple_tag(takes_context=True)
def table_row(context, row) -> str:
    parts = [f"<tr {row.attrs.as_html()}>"]
    record = row.record
    for column, td in _columns(row.table):
        cell = table_cell(row, column)
        # What BoundRow.items() sets: callable attrs are given the record and the value.
        column.current_value, column.current_record = cell, record
        if column.localize is None:
            text = render_value_in_context(cell, context)
        elif column.localize:
            text = conditional_escape(localize(cell))
        else:
            text = conditional_escape(unlocalize(cell))
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
