"""客户管理 pages: the customer list and the customer 360 page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from huifang.core.permissions import may_reveal
from huifang.core.views import ObjectDetailView, ObjectListView
from huifang.customers import customer360, services
from huifang.customers.filtersets import CustomerFilterSet
from huifang.customers.models import Customer
from huifang.customers.tables import CustomerTable, normalized_label


class CustomerListView(ObjectListView):
    model = Customer
    queryset = Customer.objects.select_related("branch")
    filterset_class = CustomerFilterSet
    table_class = CustomerTable
    title = "客户列表"
    export_name = "customers"


class CustomerDetailView(ObjectDetailView):
    """The customer 360 page. GET shows personal data masked; a POST by a user holding
    ``customers.reveal_sensitive`` shows the same page unmasked (ID, phones, e-mail), once,
    and is audited."""

    model = Customer
    queryset = Customer.objects.select_related("branch")
    template_name = "customers/customer_detail.html"
    slug_field = "investor_code"
    slug_url_kwarg = "investor_code"
    context_object_name = "customer"
    revealed = False

    def post(self, request, *args, **kwargs):
        if not may_reveal(request.user):  # before the lookup: no scope probing
            raise PermissionDenied("您没有查看完整信息的权限")
        self.object = self.get_object()
        services.do_reveal(self.object, actor=request.user)
        self.revealed = True
        return self.render_to_response(self.get_context_data(object=self.object))

    def selected_year(self, years: list[int]) -> int:
        raw = self.request.POST.get("year") or self.request.GET.get("year")
        if raw and raw.isdigit() and 1900 <= int(raw) <= 2999:
            return int(raw)
        return customer360.default_year(years)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customer: Customer = self.object
        years = customer360.available_years(customer)
        year = self.selected_year(years)
        today = timezone.localdate()
        context.update(
            title=f"客户全景 · {customer.investor_code} {customer.name}",
            revealed=self.revealed,
            can_reveal=may_reveal(self.request.user),
            sensitive=services.personal_data(customer, revealed=self.revealed),
            age=customer.age_on(today),
            risk_label=customer.risk_label,
            normalized_label=normalized_label(customer.normalized),
            year=year,
            years=sorted(set(years) | {year, today.year}, reverse=True),
            totals=customer360.year_totals(customer, year),
            chart=customer360.daily_series(customer, year),
            products=customer360.products(customer),
            sections=customer360.sections_for(self.request, customer, year),
        )
        return context
