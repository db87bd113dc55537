"""The shared ``login`` fixture signs a persona in through the real form."""

import pytest

pytestmark = [
    pytest.mark.browser,
    # serialized_rollback: restore the migrations' data (built-in rules …) for the tests after;
    # a plain flush re-creates the role groups, which the next restore then duplicates.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_persona_signs_in_and_sees_the_navigation(personas, login):
    page = login("agent_a")
    assert page.locator("#nav").count() == 1
