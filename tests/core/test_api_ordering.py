"""Every list's ordering is documented in the OpenAPI schema, and truly (issue 20): each
list operation's description names its ordering and paging, and the list answers in that
order (compared with the model's rows ordered as documented)."""

from __future__ import annotations

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from huifang.api_urls import router
from huifang.core.api_autoschema import list_ordering

LISTS = [
    (prefix, viewset)
    for prefix, viewset, _ in router.registry
    if "list" in dir(viewset) and getattr(viewset, "queryset", None) is not None
]
IDS = [prefix for prefix, _ in LISTS]


@pytest.fixture(scope="module")
def document() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize(("prefix", "viewset"), LISTS, ids=IDS)
def test_every_list_documents_its_ordering_and_paging(document, prefix, viewset):
    description = document["paths"][f"/api/v1/{prefix}/"]["get"]["description"]
    assert "排序：" in description and "分页" in description
    for field in list_ordering(viewset()):
        assert field.lstrip("-") in description


@pytest.fixture
def world(personas, branches):
    return build_world(personas, branches)


def build_world(personas, branches) -> dict:
    """The API world and five more customers screened and batched in two branches, so
    every big list has several rows."""
    from huifang.callbacks.models import BusinessType
    from huifang.callbacks.services import do_create_batch
    from tests.api_world import build
    from tests.callbacks.conftest import make_customer, make_run

    world = build(personas, branches)
    more = [make_customer(branches[key]) for key in ("a1", "b1", "a1", "b1", "a1")]
    run = make_run({customer: ["A001", "A003"][: 1 + n % 2] for n, customer in enumerate(more)})
    do_create_batch(run, BusinessType.objects.get(name="专项回访"), actor=personas["hq_admin"])
    return world


def _items(client, url: str) -> list[dict]:
    response = client.get(url, {"page_size": 1000})
    assert response.status_code == 200, response.content[:300]
    data = response.json()
    return data["results"] if isinstance(data, dict) else data


@pytest.mark.parametrize(("prefix", "viewset"), LISTS, ids=IDS)
def test_every_list_answers_in_its_documented_order(client_for, world, prefix, viewset):
    url = f"/api/v1/{prefix}/"
    items = _items(client_for("hq_admin"), url)
    view = resolve(url).func.cls()
    lookup = view.lookup_field
    key = view.lookup_url_kwarg or ("id" if lookup == "pk" else lookup)
    keys = [item[key] for item in items]
    ordering = list_ordering(view)
    model = viewset.queryset.model
    expected = list(
        model.objects.filter(**{f"{lookup}__in": keys})
        .order_by(*ordering)
        .values_list(lookup, flat=True)
    )
    assert keys == expected


def _page_filtersets() -> set:
    from django.urls import URLResolver, get_resolver

    found = set()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif not prefix.startswith("api"):
                view = getattr(pattern.callback, "view_class", None)
                if getattr(view, "filterset_class", None) is not None:
                    found.add(view.filterset_class)

    walk(get_resolver().url_patterns)
    return found


# FilterSets of lists whose page shows no filter form (or builds it in a function view):
# declared FilterSets all the same, never ``filterset_fields``.
NO_PAGE_FORM = {
    "AbsenceFilterSet",  # 请假 on the distribution page
    "PlanRunFilterSet",  # a plan page's 执行记录
    "InvitationFilterSet",  # the results page's ResultFilterSet + version/task/status
    "ResponseFilterSet",  # the same
}


@pytest.mark.parametrize(("prefix", "viewset"), LISTS, ids=IDS)
def test_every_list_filters_with_its_pages_filterset(prefix, viewset):
    """No ad-hoc ``filterset_fields``: the page's FilterSet, or one its page's subclasses
    (the 后台任务 and 审计日志 pages choose by Chinese names where the API takes codes)."""
    assert not getattr(viewset, "filterset_fields", None)
    filterset = getattr(viewset, "filterset_class", None)
    if filterset is None:  # your evidence packages, newest first: no filter, as the page
        assert prefix == "evidence-packages"
        return
    pages = _page_filtersets()
    assert (
        filterset in pages
        or any(issubclass(page, filterset) for page in pages)
        or filterset.__name__ in NO_PAGE_FORM
    ), filterset
