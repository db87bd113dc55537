"""Generic views every app's pages are made of: scoped list (filter + table + export),
detail, and the job pages. App views only declare queryset, filterset, table and template.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import PageNotAnInteger
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView
from django_tables2 import A as Accessor
from django_tables2 import LazyPaginator, SingleTableMixin

from huifang.core import workbench
from huifang.core.counting import count_rows
from huifang.core.exporter import Exporter, ExportError
from huifang.core.filtersets import pinned_chips
from huifang.core.scoping import has_model_perm

EXPORT_LIMIT = 200_000
# What a list shows in place of rows when its filters are invalid (the errors are beside them).
INVALID_FILTER_TEXT = "筛选条件无效，未列出任何数据：请按筛选项旁的提示修改后重新查询"
# The furthest row a page may start at: beyond it the database's OFFSET overflows.
MAX_OFFSET = 2**62


class Paginator(LazyPaginator):
    """django-tables2's count-free paginator; a page number too large for the database's
    OFFSET is not a page (the list shows its first page) instead of a database error."""

    def validate_number(self, number):
        number = super().validate_number(number)
        if (number - 1) * self.per_page > MAX_OFFSET:
            raise PageNotAnInteger("页码过大")
        return number


class ScopedMixin:
    """Start every queryset from ``restrict(user, action)``; no model permission → 403."""

    action = "view"

    def get_base_queryset(self):
        return self.queryset if self.queryset is not None else self.model._default_manager.all()

    def get_queryset(self):
        base = self.get_base_queryset()
        if not has_model_perm(self.request.user, base.model, self.action):
            raise PermissionDenied("您没有访问此页面的权限")
        return base.restrict(self.request.user, self.action)


class ObjectListView(ScopedMixin, SingleTableMixin, FilterView):
    """A filterable, sortable, paginated list whose filtered rows export to xlsx/csv."""

    template_name = "core/list.html"
    # Pagination is the table's alone (ListView's own would run the page query twice).
    table_pagination = {"per_page": 50}
    paginator_class = Paginator
    title = ""
    export_name = "export"
    actions_template = None  # a template with the page's buttons (create, import …)
    # An invalid filter lists no rows (django-filter's strict mode): a list that dropped the
    # filter it could not read would pretend to be filtered while showing everything.
    strict = True
    exporting = False

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        style_form(filterset.form)
        return filterset

    def filter_invalid(self) -> bool:
        filterset = getattr(self, "filterset", None)
        return filterset is not None and filterset.is_bound and not filterset.is_valid()

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        if self.filter_invalid():
            table.empty_text = INVALID_FILTER_TEXT
        return table

    def get_table_kwargs(self):
        """The columns chosen under 显示列; without a choice the table's
        ``default_columns`` on the page and its ``export_columns`` in an export (each
        all columns when the table does not say). ``fixed_columns`` always stay."""
        kwargs = super().get_table_kwargs()
        table = self.table_class
        names = list(table.base_columns)
        chosen = [c for c in self.request.GET.getlist("cols") if c in table.base_columns]
        # 查询 sends the 显示列 ticks as they stand: the page's own columns, untouched, are no
        # choice, or every export after a filter would lose the columns the page hides.
        fixed = set(getattr(table, "fixed_columns", ()))
        page_default = getattr(table, "default_columns", None) or names
        if set(chosen) | fixed == set(page_default) | fixed:
            chosen = []
        default = getattr(table, "export_columns" if self.exporting else "default_columns", None)
        shown = set(chosen or (names if default is None else default))
        shown.update(getattr(table, "fixed_columns", ()))
        kwargs["exclude"] = [n for n in names if n not in shown]
        return kwargs

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("_export")
        if fmt in ("csv", "xlsx"):
            return self.export(fmt)
        if request.GET.get("_count") == "1":
            return self.exact_count()
        return super().get(request, *args, **kwargs)

    def exact_count(self):
        """The row count the user asked for (精确统计), however long it takes."""
        filterset = self.get_filterset(self.get_filterset_class())
        rows = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        return render(
            self.request, "core/_row_count.html", {"row_count": count_rows(rows, budget=None)}
        )

    def export(self, fmt: str):
        """The filtered rows with the chosen columns, through the one exporter."""
        self.exporting = True
        try:
            return self.get_exporter().response(fmt)
        except ExportError:
            messages.error(self.request, "筛选条件有误，无法导出")
            return super().get(self.request)

    def get_exporter(self) -> Exporter:
        filterset = self.get_filterset(self.get_filterset_class())
        table_kwargs = self.get_table_kwargs()
        if sort := self.request.GET.get("sort"):
            # The rows in the order the page shows them (the table ignores unknown names).
            table_kwargs = {**table_kwargs, "order_by": sort}
        return Exporter(
            self.get_table_class(),
            filterset,
            name=self.export_name,
            title=self.title or filterset.queryset.model._meta.verbose_name_plural,
            sheet=self.title or "数据",
            table_kwargs=table_kwargs,
            limit=EXPORT_LIMIT,
            filters=self.request.GET.urlencode(),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        table = context["table"]
        context["title"] = self.title or self.model._meta.verbose_name_plural
        context["actions_template"] = self.actions_template
        fixed = set(getattr(self.table_class, "fixed_columns", ()))
        context["all_columns"] = [
            (name, str(col.header), name in table.columns.names())
            for name, col in ((n, table.columns[n]) for n in table.columns.names())
            if name not in fixed
        ] + [
            (name, hidden_column_label(self.table_class, name, column), False)
            for name, column in self.table_class.base_columns.items()
            if name not in table.columns.names() and name not in fixed
        ]
        context["row_count"] = count_rows(self.object_list)
        context["pinned_filters"] = pinned_chips(getattr(self, "filterset", None), self.request.GET)
        return context


def hidden_column_label(table_class, name: str, column) -> str:
    """The header a column not on the page would have: its own verbose name, else its model
    field's (as django-tables2 heads a shown column), never the Python name (unchanged)."""
    if column.verbose_name:
        return str(column.verbose_name)
    model = getattr(table_class._meta, "model", None)
    field = Accessor(column.accessor or name).get_field(model) if model else None
    return str(getattr(field, "verbose_name", None) or name)


def style_form(form) -> None:
    """Give every widget Tabler's (Bootstrap's) class, whatever form it came from, at the
    one size Tabler gives selects and buttons: a small text box beside a full-size select
    put a filter bar's labels and boxes out of line."""
    for field in form.fields.values():
        widgets = getattr(field.widget, "widgets", [field.widget])
        for widget in widgets:
            kind = getattr(widget, "input_type", "")
            css = {"checkbox": "form-check-input", "select": "form-select"}.get(kind)
            if css is None:
                css = (
                    "form-select"
                    if widget.__class__.__name__.endswith("Select")
                    else "form-control"
                )
            existing = widget.attrs.get("class", "")
            if css not in existing.split():
                widget.attrs["class"] = f"{existing} {css}".strip()


class ObjectDetailView(ScopedMixin, DetailView):
    """An object the user may not see is a 404, exactly like one that does not exist."""

    template_name = "core/detail.html"

    def get_object(self, queryset=None):
        queryset = self.get_queryset() if queryset is None else queryset
        return get_object_or_404(queryset, **{self.slug_field: self.kwargs[self.slug_url_kwarg]})

    slug_field = "pk"
    slug_url_kwarg = "pk"


class HomeView(TemplateView):
    """Each role's workbench: the panels apps register in ``core.workbench``."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["panels"] = workbench.panels_for(self.request)
        return context


@login_not_required  # load balancers and monitors ask without a session
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def not_found(message: str = "未找到"):
    raise Http404(message)


def render_message(request, title: str, text: str, status: int = 200):
    return render(request, "core/message.html", {"title": title, "text": text}, status=status)
