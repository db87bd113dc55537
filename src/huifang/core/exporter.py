"""The one exporter: a table and a FilterSet → an xlsx or csv file or download.

Whatever asks for an export (a list page, ``huifang export …``, ``huifang screen --out``,
the API) builds one :class:`Exporter` and calls :meth:`Exporter.write` (a file) or
:meth:`Exporter.response` (a download). The exporter

- filters with the FilterSet the page and the API use (refusing invalid filters with a
  Chinese :class:`ExportError`), within the queryset the caller scoped;
- takes the header and cells from the table's export values (``value_…`` methods,
  ``core.columns``), so cells are masked exactly as the page shows them; a table may
  instead be a *sheet*, a function ``rows → (header, cells)`` for exports whose columns
  are not a list page's (the task CLI's fast path, a screening's evidence);
- writes through ``core.export``: formula injection neutralised, datetimes at Shanghai
  time, CSV streamed, XLSX with shared strings up to ``SHARED_STRINGS_ROWS`` known rows
  and streamed from a temporary file beyond;
- writes the export's one audit row (``export``): who, what, which filter, how many rows
  and where to (a file) or in which format (a download).
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import django_tables2 as tables
from django.db import models
from django.http import FileResponse, HttpResponse, QueryDict, StreamingHttpResponse
from django.utils import timezone
from django_tables2.rows import BoundRow

from huifang.core import audit, export
from huifang.core.audit_actions import CoreAction
from huifang.core.columns import cell
from huifang.core.filtersets import describe

Sheet = Callable[[Any], tuple[list[str], Iterable[Sequence]]]
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


class ExportError(ValueError):
    """An export that cannot be made (bad filter, bad file name); the message is Chinese."""


def table_sheet(table_class: type[tables.Table], **table_kwargs) -> Sheet:
    """The export columns of a django-tables2 table as a sheet: the header the page shows
    and each cell's export value (``cell(…, export=True)``), ``export_exclude`` and the
    columns declared ``exclude_from_export`` (a page's links, its check boxes) left out."""

    def sheet(rows) -> tuple[list[str], Iterable[list]]:
        table = table_class(rows, **table_kwargs)
        excluded = getattr(table, "export_exclude", ())
        columns = [
            c for c in table.columns if c.name not in excluded and not c.column.exclude_from_export
        ]
        header = [str(c.header) for c in columns]
        return header, ([cell(row, c, export=True) for c in columns] for row in table.rows)

    return sheet


def table_cell(table: tables.Table, record, name: str):
    """The export value of ``record``'s cell in ``table``'s column ``name``: what the
    page's export writes there (the API serializes through it)."""
    return cell(BoundRow(record, table=table), table.columns[name], export=True)


def export_exclude(table_class: type[tables.Table]) -> list[str]:
    """The columns an export leaves out when nobody chose any: all but the table's
    ``export_columns`` (none when it declares no such list)."""
    chosen = getattr(table_class, "export_columns", None)
    if chosen is None:
        return []
    return [name for name in table_class.base_columns if name not in chosen]


# An URL-encoded query string (``a=1&b=%E4%B8%AD``): ASCII, no spaces, ``key=value`` pairs.
QUERY_STRING = re.compile(r"^[\w.~+%-]+=[^&\s]*(&[\w.~+%-]+=[^&\s]*)*$", re.ASCII)


def filter_text(data) -> str:
    """``{"branch": "0102", "_export": "xlsx"}`` → ``branch=0102`` (empty values and the
    page's ``_…`` parameters left out; a repeated key's values joined by ``/``)."""
    items = data.lists() if hasattr(data, "lists") else ((k, [v]) for k, v in data.items())
    return "，".join(
        f"{key}={'/'.join(str(v) for v in values)}"
        for key, values in items
        if any(str(v) for v in values) and not key.startswith("_")
    )


class Exporter:
    """One export of ``filterset``'s rows with ``table``'s columns (see the module).

    ``table`` is a django-tables2 Table class (``table_kwargs`` for its constructor) or a
    sheet. ``filterset`` is bound to the caller's data over a queryset the caller scoped
    (``restrict(user, "view")``); sources with no filter pass ``queryset`` instead (a
    queryset or any iterable the sheet understands). ``name`` is the download's file-name
    stem, ``title`` the audit row's name and the sheet's unless ``sheet`` says; the audit row is about ``subject``
    when given (a run), else about the rows' model (``model`` when the rows are no queryset). ``limit`` caps the rows written.
    """

    def __init__(
        self,
        table: type[tables.Table] | Sheet | None,
        filterset=None,
        *,
        queryset=None,
        name: str = "export",
        title: str = "数据",
        sheet: str | None = None,
        table_kwargs: dict | None = None,
        order_by: Sequence[str] | None = None,
        limit: int | None = None,
        subject: models.Model | None = None,
        model: type[models.Model] | None = None,
        filters: str | None = None,
        actor=None,
    ):
        if isinstance(table, type) and issubclass(table, tables.Table):
            self.sheet = table_sheet(table, **(table_kwargs or {}))
        else:
            self.sheet = table
        self.filterset = filterset
        self._queryset = queryset
        self.name = name
        self.title = str(title)
        self.sheet_name = _sheet_name(sheet or title)
        self.order_by = order_by
        self.limit = limit
        self.subject = subject
        self.model = model
        self.filters = filters
        self.actor = actor

    # --- the rows ---------------------------------------------------------------------

    def source(self):
        """The filtered rows (a queryset, or what the caller passed)."""
        if self.filterset is None:
            rows = self._queryset
        else:
            # Unbound (no data at all): every row, as django-filter's own ``qs`` gives.
            if self.filterset.is_bound and not self.filterset.is_valid():
                raise ExportError(f"筛选条件有误：{_errors(self.filterset)}")
            rows = self.filterset.qs
        if self.order_by and isinstance(rows, models.QuerySet):
            rows = rows.order_by(*self.order_by)
        return rows

    def expected_rows(self, rows) -> int | None:
        """How many rows an xlsx will hold, when it is cheap to know (a queryset)."""
        if not isinstance(rows, models.QuerySet):
            return None
        count = rows.count()
        return count if self.limit is None else min(count, self.limit)

    def header_and_rows(self, rows) -> tuple[list[str], Iterable[Sequence]]:
        header, cells = self.sheet(rows)
        if self.limit is not None:
            cells = _capped(cells, self.limit)
        return header, cells

    # --- a file -----------------------------------------------------------------------

    def write(self, path) -> int:
        """Write the rows to ``path`` (.csv or .xlsx by its ending), audit it, return the
        number of rows."""
        path = Path(path)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise ExportError("输出文件须以 .csv 或 .xlsx 结尾")
        rows = self.source()
        expected = self.expected_rows(rows) if fmt == "xlsx" else None
        header, cells = self.header_and_rows(rows)
        count = export.write_file(
            str(path), header, cells, expected, sheet=self.sheet_name, about=self.about()
        )
        self._audit(f"导出 {count} 行到 {path}")
        return count

    # --- a download -------------------------------------------------------------------

    def response(self, fmt: str) -> HttpResponse:
        """A download: CSV streamed as it is written; XLSX from memory with shared strings
        when the count is known and small, else written to a temporary file in constant
        memory and streamed from it. Audited before the first byte goes out."""
        if fmt not in FORMATS:
            raise ExportError("导出格式须为 csv 或 xlsx")
        rows = self.source()
        if fmt == "csv":
            header, cells = self.header_and_rows(rows)
            self._audit(f"导出 {fmt}")
            response = StreamingHttpResponse(export.csv_rows(header, cells), content_type=CSV_TYPE)
        else:
            expected = self.expected_rows(rows)
            header, cells = self.header_and_rows(rows)
            self._audit(f"导出 {fmt}")
            if expected is not None and expected <= export.SHARED_STRINGS_ROWS:
                content = export.xlsx_bytes(
                    header, cells, self.sheet_name, expected, about=self.about()
                )
                response = HttpResponse(content, content_type=XLSX_TYPE)
            else:
                handle = tempfile.TemporaryFile()
                export.write_xlsx(handle, header, cells, self.sheet_name, about=self.about())
                handle.seek(0)
                response = FileResponse(handle, content_type=XLSX_TYPE)
        return _attachment(response, self.name, fmt)

    def book_response(self, sheets: list[tuple[str, list[str], Sequence]]) -> HttpResponse:
        """A download of a page's several tables (a report's): one XLSX, a sheet per table
        ((name, header, rows) each, rows already counted and masked by the caller) and the
        导出说明 sheet; audited as every export is."""
        rows = sum(len(cells) for _, _, cells in sheets)
        self._audit(f"导出 xlsx，{len(sheets)} 个工作表，共 {rows} 行")
        buffer = io.BytesIO()
        named = [(_sheet_name(name), header, cells) for name, header, cells in sheets]
        export.write_book(buffer, named, rows, about=self.about())
        return _attachment(
            HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE), self.name, "xlsx"
        )

    def about(self) -> list[tuple[str, str]]:
        """What an XLSX says about itself on its 导出说明 sheet: what, by whom, when, with
        which filters (the row count is added as it is written)."""
        from huifang.core.actors import as_actor
        from huifang.core.audit_display import source_label
        from huifang.core.people import person_text

        who = audit.current_actor() if self.actor is None else as_actor(self.actor)
        return [
            ("导出内容", self.title),
            ("导出人", person_text(who.user) or source_label(who.label)),
            ("导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")),
            ("筛选条件", self.filters_as_shown() or "全部"),
        ]

    def filters_as_shown(self) -> str:
        """The filters as the page reads them (``处理状态：未处理；营业部：0101 北京分公司``,
        ``core.filtersets.describe``) when a bound FilterSet is at hand; else as
        :meth:`describe_filters`. The FilterSet's data is what filtered the rows, even
        when the page chose it (an agent's landing list: 我的任务, 未完成)."""
        if self.filters and not QUERY_STRING.match(self.filters):
            return self.filters
        if self.filterset is not None and self.filterset.is_bound:
            return describe(self.filterset)
        return self.describe_filters()

    # --- the audit row ----------------------------------------------------------------

    def describe_filters(self) -> str:
        """The filters as the audit row keeps them: ``branch=0102，status=new/assigned`` —
        the exact query, which names what a label may not (an agent's id) — without the
        page's own parameters (``_export``, ``_count``). A query string a page passes
        (``request.GET.urlencode()``) is read the same way; other text stays as given."""
        if self.filters is not None:
            if not QUERY_STRING.match(self.filters):
                return self.filters
            return filter_text(QueryDict(self.filters))
        if self.filterset is None or not self.filterset.is_bound:
            return ""
        return filter_text(self.filterset.data)

    def _audit(self, what: str) -> None:
        filters = self.describe_filters()
        message = f"{what}（筛选：{filters}）" if filters else what
        if self.subject is not None:
            audit.record(CoreAction.EXPORT, self.subject, message=message, actor=self.actor)
            return
        model = getattr(self.source_model(), "_meta", None)
        audit.record(
            CoreAction.EXPORT,
            object_type=model.label_lower if model else f"export.{self.name}",
            object_repr=self.title,
            message=message,
            actor=self.actor,
        )

    def source_model(self):
        if self.model is not None:
            return self.model
        if self.filterset is not None:
            return self.filterset.queryset.model
        return getattr(self._queryset, "model", None)


def _attachment(response: HttpResponse, name: str, fmt: str) -> HttpResponse:
    """``response`` as a download named ``name_<time>.fmt``."""
    stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
    filename = f"{name}_{stamp}.{fmt}"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _sheet_name(name) -> str:
    """An xlsx sheet name: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", " ", str(name))[:31] or "数据"


def _capped(rows: Iterable, limit: int):
    for count, row in enumerate(rows, start=1):
        if count > limit:
            return
        yield row


def _errors(filterset) -> str:
    return "；".join(
        f"{filterset.form.fields[name].label or name}：{'，'.join(messages)}"
        if name in filterset.form.fields
        else "，".join(messages)
        for name, messages in filterset.errors.items()
    )
