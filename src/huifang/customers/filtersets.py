"""The one customer FilterSet shared by the list page, its export and the API.

Every filter maps to an indexed column of ``Customer`` (see ``Customer.Meta.indexes``) so
that a list over ~1M customers stays a range scan: the age range becomes a ``birth_date``
range, the branch a ``path`` prefix of the branch tree.
"""

from __future__ import annotations

import datetime
import re
from functools import partial

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.choices import CallableChoiceIterator

from huifang.core.fieldcrypt import blind_index
from huifang.core.filtersets import FilterSet
from huifang.core.masking import MAINLAND_MOBILE
from huifang.customers import choices
from huifang.customers.models import Customer
from huifang.org.models import Branch

# Occupation and income source are free questionnaire answers; their dropdowns list the
# values present in the data, capped so a messy source cannot make the page huge.
DISTINCT_CHOICES_LIMIT = 200

YES_NO = [("true", "是"), ("false", "否")]


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The date ``years`` years before ``day``; 29 February falls back to 28 February, so a
    person born on 29 February counts as one year older from 1 March in common years."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def birth_date_range(
    age_min: int | None, age_max: int | None, today: datetime.date
) -> dict[str, datetime.date]:
    """Lookups on ``birth_date`` selecting people aged ``age_min``..``age_max`` (whole years,
    both included) on ``today``."""
    lookups: dict[str, datetime.date] = {}
    if age_min is not None:
        # Aged at least N: the N-th birthday is today or earlier.
        lookups["birth_date__lte"] = years_before(today, age_min)
    if age_max is not None:
        # Aged at most N: the (N+1)-th birthday is still ahead.
        lookups["birth_date__gt"] = years_before(today, age_max + 1)
    return lookups


def code_prefix_lookups(digits: str) -> dict[str, str]:
    """Codes starting with ``digits`` as a range on the code's index plus the exact prefix
    test. LIKE cannot use the index on SQLite (case-insensitive) nor on PostgreSQL under a
    non-C collation; the range can. The upper bound is the next number of the same width
    ("1009" → "1010"), which sorts right under any collation that orders digits."""
    lookups = {"investor_code__gte": digits, "investor_code__startswith": digits}
    if set(digits) != {"9"}:
        lookups["investor_code__lt"] = str(int(digits) + 1).zfill(len(digits))
    return lookups


def distinct_values(field: str) -> list[tuple[str, str]]:
    """Non-empty values of ``field`` present in the data, as select choices.

    Deliberately not branch-scoped: these are the questionnaire's answer vocabulary, not
    personal data, and the unscoped DISTINCT is an index-only scan while a scoped one
    would join every customer to its branch on each page load.
    """
    values = (
        Customer.objects.exclude(**{field: ""})
        .order_by(field)
        .values_list(field, flat=True)
        .distinct()[:DISTINCT_CHOICES_LIMIT]
    )
    return [("", "全部")] + [(v, v) for v in values]


class RangeInputs(django_filters.widgets.RangeWidget):
    """From–to inputs side by side in one input group (``…_min`` / ``…_max``)."""

    template_name = "customers/customer_filter_range.html"


class DateRangeInputs(django_filters.widgets.DateRangeWidget):
    """From–to date inputs side by side (``…_after`` / ``…_before``)."""

    template_name = "customers/customer_filter_range.html"


def _select(choices=()) -> forms.Select:
    return forms.Select(attrs={"class": "form-select"}, choices=choices)


# A whole document number (an ID card's 15 or 18 characters, a passport's …): searched
# exactly through its blind index, as typed and upper-cased (ID cards store an upper X).
ID_NUMBER = re.compile(r"[0-9A-Za-z]{6,64}", re.A)


class CustomerFilterSet(FilterSet):
    q = django_filters.CharFilter(
        label="投资者代码、名称、手机号、证件号码或电子邮箱",
        method="search",
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "placeholder": "代码前缀、名称，或完整的手机号/证件号码/电子邮箱",
            }
        ),
    )
    branch = django_filters.ModelChoiceFilter(
        label="部门",
        queryset=Branch.objects.none(),
        to_field_name="code",  # a natural key in URLs and the API: ?branch=0101
        method="in_branch",
        widget=_select(),
    )
    customer_type = django_filters.ChoiceFilter(
        label="客户类型", choices=choices.CustomerType.choices, widget=_select()
    )
    status = django_filters.ChoiceFilter(
        label="客户状态", choices=choices.Status.choices, widget=_select()
    )
    dormant = django_filters.BooleanFilter(
        label="休眠", widget=_select(choices=[("", "全部"), *YES_NO])
    )
    risk_level = django_filters.ChoiceFilter(
        label="风险承受能力", choices=choices.RiskLevel.choices, widget=_select()
    )
    investor_class = django_filters.ChoiceFilter(
        label="投资者分类", choices=choices.InvestorClass.choices, widget=_select()
    )
    # Exact match on any value (the API may ask for one beyond the dropdown's cap); the
    # page shows the values present in the data as a dropdown, queried only when rendered.
    occupation = django_filters.CharFilter(
        label="职业",
        widget=_select(choices=CallableChoiceIterator(partial(distinct_values, "occupation"))),
    )
    income_source = django_filters.CharFilter(
        label="收入来源",
        widget=_select(choices=CallableChoiceIterator(partial(distinct_values, "income_source"))),
    )
    age = django_filters.RangeFilter(
        label="年龄（周岁，起止）",
        method="in_age_range",
        widget=RangeInputs(
            attrs={"class": "form-control", "type": "number", "min": "0", "max": "150"}
        ),
    )
    open_date = django_filters.DateFromToRangeFilter(
        label="开户日期（起止）",
        widget=DateRangeInputs(attrs={"type": "date", "class": "form-control"}),
    )

    class Meta:
        model = Customer
        fields = [
            "q",
            "branch",
            "customer_type",
            "status",
            "dormant",
            "risk_level",
            "investor_class",
            "occupation",
            "income_source",
            "age",
            "open_date",
        ]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["branch"].queryset = Branch.objects.restrict(
                request.user, "view"
            ).order_by("path")

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Digits are a code prefix (an index range); anything else also matches names. A
        whole mobile number or ID number also finds its customer exactly, through the blind
        index (both are stored encrypted), and so does a whole e-mail address (as typed or
        in lower case)."""
        value = value.strip()
        if not value:
            return queryset
        exact = Q()
        if MAINLAND_MOBILE.fullmatch(value):
            exact = Q(mobile_bidx=blind_index(value))
        elif ID_NUMBER.fullmatch(value):
            exact = Q(id_number_bidx__in={blind_index(value), blind_index(value.upper())})
        elif "@" in value:
            exact = Q(email_bidx__in={blind_index(value), blind_index(value.lower())})
        if value.isascii() and value.isdigit():
            return queryset.filter(Q(**code_prefix_lookups(value)) | exact)
        return queryset.filter(
            Q(investor_code__startswith=value) | Q(name__startswith=value) | exact
        )

    def in_branch(self, queryset: QuerySet, name: str, value: Branch | None) -> QuerySet:
        """A branch means its whole subtree (a 分公司 includes its 营业部)."""
        if value is None:
            return queryset
        return queryset.filter(branch__path__startswith=value.path)

    def in_age_range(self, queryset: QuerySet, name: str, value: slice | None) -> QuerySet:
        if not value:
            return queryset
        low = int(value.start) if value.start is not None else None
        high = int(value.stop) if value.stop is not None else None
        return queryset.filter(**birth_date_range(low, high, timezone.localdate()))
