"""No query string and no request body makes the server fail (issue 14).

Every list page and API list with a FilterSet, and every API endpoint that takes a body,
is found from the URL configuration (not listed by hand) and fed hypothesis-made input: a
bad filter is the list with a Chinese error on a page and a 400 on the API, a bad body a
400 with a Chinese message; never a 5xx."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import django_filters
import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.core.filtersets import FilterBackend, FilterSet
from tests.core.code_base import filter_field, project_subclasses
from tests.records import conftest as records

pytestmark = pytest.mark.django_db

HUGE = "9" * 30


@dataclass(frozen=True)
class Listing:
    url: str
    filterset: type
    api: bool

    def __str__(self) -> str:
        return self.url


def _patterns(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.callback


def _filterset_of(callback) -> tuple[type | None, bool]:
    viewset = getattr(callback, "cls", None)
    if viewset is not None:  # a DRF viewset's list
        if (getattr(callback, "actions", None) or {}).get("get") != "list":
            return None, True
        queryset = viewset.queryset
        return FilterBackend().get_filterset_class(viewset, queryset), True
    view = getattr(callback, "view_class", None)
    return getattr(view, "filterset_class", None), False


def listings() -> list[Listing]:
    """Every list URL without path parameters whose view filters through a FilterSet."""
    found = []
    for route, callback in _patterns(get_resolver()):
        filterset, api = _filterset_of(callback)
        if filterset is None or "<" in route or "(?P" in route:
            continue
        url = "/" + route.replace("^", "").replace("$", "")
        found.append(Listing(url, filterset, api))
    return found


def parameters(filterset: type) -> list[str]:
    """The query parameters a FilterSet reads (a range's ``_min``/``_max`` …)."""
    names = []
    for name, flt in filterset.base_filters.items():
        widget = filter_field(flt).widget
        if hasattr(widget, "suffixes"):
            names += [widget.suffixed(name, suffix) for suffix in widget.suffixes]
        else:
            names.append(name)
    return names


NASTY = st.sampled_from(
    [
        HUGE,
        "-" + HUGE,
        "9223372036854775808",
        "2147483648",
        "100000",
        "-1",
        "0",
        "1.5",
        "1e999999",
        "NaN",
        "Infinity",
        "0001-01-01",
        "9999-12-31",
        "2026-02-30",
        "1900-01-01",
        "",
        " ",
        "\x00",
        "a\x00b",
        "true",
        "me",
        "none",
        "open",
        "１２３",
        "' OR 1=1 --",
        "%",
        "_",
        "a" * 300,
    ]
)
VALUES = NASTY | st.integers().map(str) | st.text(max_size=20) | st.dates().map(str)


def queries(names: list[str]):
    return st.dictionaries(st.sampled_from(names), VALUES, max_size=4)


LISTINGS = listings()


def test_every_filterset_is_reached_and_built_on_the_core_base():
    declared = {fs for fs in project_subclasses(django_filters.FilterSet) if fs._meta.model}
    reached = {listing.filterset for listing in LISTINGS}
    # Auto-built ones (``filterset_fields``) come from the API backend: give them the base.
    assert all(issubclass(fs, FilterSet) for fs in declared | reached), sorted(
        fs.__name__ for fs in declared | reached if not issubclass(fs, FilterSet)
    )
    assert declared <= reached, sorted(fs.__name__ for fs in declared - reached)
    assert any(listing.api for listing in LISTINGS) and any(not x.api for x in LISTINGS)


@pytest.mark.parametrize("listing", LISTINGS, ids=str)
def test_no_query_string_makes_a_list_fail(listing, client_for):
    client = client_for("hq_admin")
    names = parameters(listing.filterset) + ([] if listing.api else ["page"])

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(query=queries(names))
    def check(query):
        response = client.get(listing.url, query)
        assert response.status_code in (200, 400), (listing.url, query, response.status_code)
        if response.status_code == 400:
            assert listing.api

    check()


# ---------------------------------------------------------------- the reported inputs


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/customers/?age_max=100000", "age"),
        (f"/api/v1/customers/?age_min={HUGE}", "age"),
        (f"/api/v1/callback-tasks/?assignee={HUGE}", "assignee"),
        (f"/api/v1/callback-records/?task={HUGE}", "task"),
        ("/api/v1/callback-records/?called_at_after=0001-01-01", "called_at"),
        (f"/api/v1/screening-hits/?run={HUGE}", "run"),
        (f"/api/v1/callback-records/?business_type={HUGE}", "business_type"),
    ],
)
def test_an_out_of_range_filter_is_a_400_in_chinese_on_the_api(client_for, url, field):
    response = client_for("hq_admin").get(url)
    assert response.status_code == 400
    message = " ".join(response.json()["errors"][field])
    assert re.search(r"[\u4e00-\u9fff]", message), message


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/customers/?age_max=100000", "小于或等于150"),
        (f"/customers/?age_min={HUGE}", "小于或等于150"),
        ("/records/?called_at_after=0001-01-01", "日期须在 1900-01-01 至 2100-12-31 之间"),
        (f"/records/?task={HUGE}", "小于或等于9223372036854775807"),
        (f"/callbacks/tasks/?assignee={HUGE}", "编号须在"),
    ],
)
def test_an_out_of_range_filter_shows_the_list_with_the_error_on_a_page(client_for, url, message):
    response = client_for("hq_admin").get(url)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_a_page_number_too_large_for_the_database_shows_the_first_page(client_for):
    response = client_for("hq_admin").get(f"/customers/?page={HUGE}")
    assert response.status_code == 200


def test_a_filter_in_range_still_filters(client_for, personas):
    response = client_for("hq_admin").get("/api/v1/customers/?age_min=0&age_max=150")
    assert response.status_code == 200


# ---------------------------------------------------------------- request bodies


def body_endpoints() -> list[tuple[str, re.Pattern, list[str]]]:
    """Every API route that takes a body: (name, path regex, the serializer's fields)."""
    found = []
    for route, callback in _patterns(get_resolver()):
        actions = getattr(callback, "actions", None) or {}
        writes = {m for m in actions if m in ("post", "put", "patch")}
        if not writes or "(?P<format>" in route:
            continue
        viewset = callback.cls
        names = set()
        for method in writes:
            handler = getattr(viewset, actions[method])
            serializer = getattr(handler, "kwargs", {}).get("serializer_class")
            serializer = serializer or viewset.serializer_class
            if serializer is not None:  # an action reading its body itself: no field names
                names |= set(serializer().fields)
        path = route.replace("^", "").replace("$", "")
        found.append((path, re.compile(path), sorted(names)))
    return found


BODY_ENDPOINTS = body_endpoints()
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | NASTY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
RAW_BODIES = st.sampled_from(
    [
        b"null",
        b"[]",
        b"1",
        b'"x"',
        b"{",
        b"{'a': 1}",
        b'{"a": NaN}',
        b"\xff\xfe",
        b"[" * 50_000 + b"]" * 50_000,
        b'{"rows": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        b'{"rows": [' + b"[" * 40 + b"]" * 40 + b"]}",
        b"",
    ]
)


@pytest.fixture
def open_task(branches):
    """A task to name in record bodies (the records tests' builder)."""
    kind = records.business_type.__wrapped__(None)
    return records.make_task.__wrapped__(branches, kind, None)()


def test_the_api_has_bodies_to_check():
    assert BODY_ENDPOINTS, "no API endpoint takes a body?"


@pytest.mark.parametrize(
    ("route", "pattern", "fields"), BODY_ENDPOINTS, ids=[e[0] for e in BODY_ENDPOINTS]
)
def test_no_body_makes_an_endpoint_fail(route, pattern, fields, client_for, open_task):
    client = client_for("hq_admin")
    task = open_task
    keyed = st.fixed_dictionaries(
        {},
        optional={name: JSON_VALUES | st.just(task.pk) for name in fields}
        | {"rows": st.lists(st.dictionaries(st.text(max_size=8), JSON_VALUES), max_size=3)},
    )
    bodies = (
        RAW_BODIES
        | keyed.map(lambda b: json.dumps(b).encode())
        | JSON_VALUES.map(lambda b: json.dumps(b).encode())
    )

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(path=st.from_regex(pattern, fullmatch=True), body=bodies)
    def check(path, body):
        response = client.post(f"/{path}", body, content_type="application/json")
        assert response.status_code < 500, (path, body[:200], response.status_code)
        if response.status_code == 400:
            text = json.dumps(response.json(), ensure_ascii=False)
            assert re.search(r"[\u4e00-\u9fff]", text), text

    check()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"null", "请求体必须是一个 JSON 对象"),
        (b"[" * 50_000 + b"]" * 50_000, "JSON 嵌套层数过多"),
        (b"{", "JSON 格式错误"),
    ],
)
def test_a_bad_import_body_is_a_400_in_chinese(client_for, body, message):
    response = client_for("hq_admin").post(
        "/api/v1/imports/customers/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert message in response.json()["message"]
