"""An invalid filter on a list page (a choice that is no option: ``?status=bogus``) lists no
rows and says why, beside the error next to the filter; its export is refused in Chinese.
A list that dropped the filter it could not read showed every row in scope as if filtered."""

from __future__ import annotations

import django_filters
import pytest
from django.urls import resolve

from huifang.core.views import INVALID_FILTER_TEXT, ObjectListView
from tests.core.test_bad_input import LISTINGS
from tests.records import conftest as records

pytestmark = pytest.mark.django_db

BOGUS = "不存在的选项"


def _choice_parameter(filterset) -> str | None:
    """A filter of ``filterset`` that takes one of its options (no method of its own that
    might read any text)."""
    for name, flt in filterset.base_filters.items():
        if isinstance(flt, django_filters.ChoiceFilter | django_filters.ModelChoiceFilter):
            return name
    return None


CHOICE_PAGES = [
    (listing.url, name)
    for listing in LISTINGS
    if not listing.api and (name := _choice_parameter(listing.filterset))
]

EXPORT_PAGES = [
    (url, name)
    for url, name in CHOICE_PAGES
    if issubclass(getattr(resolve(url).func, "view_class", object), ObjectListView)
]


def test_there_are_pages_with_choice_filters():
    urls = {url for url, _ in CHOICE_PAGES}
    assert "/callbacks/tasks/" in urls and len(urls) > 10


@pytest.fixture
def task(branches, personas):
    kind = records.business_type.__wrapped__(None)
    return records.make_task.__wrapped__(branches, kind, personas)()


def test_an_invalid_status_lists_no_task_and_says_the_filter_is_invalid(task, client_for):
    response = client_for("hq_admin").get("/callbacks/tasks/", {"status": BOGUS})
    page = response.content.decode()
    assert response.status_code == 200
    assert INVALID_FILTER_TEXT in page
    assert f"/callbacks/tasks/{task.pk}/" not in page
    assert response.context["table"].rows.data.data.count() == 0


def test_a_valid_status_still_lists_the_task(task, client_for):
    response = client_for("hq_admin").get("/callbacks/tasks/", {"status": task.status})
    page = response.content.decode()
    assert INVALID_FILTER_TEXT not in page
    assert f"/callbacks/tasks/{task.pk}/" in page


@pytest.mark.parametrize(("url", "name"), CHOICE_PAGES, ids=[u for u, _ in CHOICE_PAGES])
def test_every_list_shows_no_rows_for_an_invalid_choice(url, name, client_for):
    response = client_for("hq_admin").get(url, {name: BOGUS})
    assert response.status_code == 200, url
    assert INVALID_FILTER_TEXT in response.content.decode(), url


@pytest.mark.parametrize(("url", "name"), EXPORT_PAGES, ids=[u for u, _ in EXPORT_PAGES])
def test_every_export_refuses_an_invalid_choice_in_chinese(url, name, client_for):
    response = client_for("hq_admin").get(url, {name: BOGUS, "_export": "xlsx"})
    assert response.status_code == 200, url
    assert "attachment" not in response.get("Content-Disposition", ""), url
    page = response.content.decode()
    assert "筛选条件有误，无法导出" in page, url
    assert INVALID_FILTER_TEXT in page, url
