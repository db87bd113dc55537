"""The page matrix's world, built once for each module that asks for it; ``fill`` for the
API's tests over the schema's paths."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test.utils import override_settings

from tests.conftest import isolated_settings, make_branches, make_personas


@pytest.fixture(scope="module")
def page_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """``tests.page_world``'s objects and the personas, inside a transaction rolled back
    after the module's last test (each test runs in a savepoint of it). Conftest's test
    settings hold for the whole module, with the world's files; a module using this
    overrides ``_isolated_settings`` (whose per-test folder would hide the files). No
    second factor is required, so that a signed-in persona reaches every page."""
    from tests.page_world import build

    files = tmp_path_factory.mktemp("page_world") / "files"
    settings = {**isolated_settings(files), "TOTP_REQUIRED": False}
    with django_db_blocker.unblock(), override_settings(**settings):
        cache.clear()
        with transaction.atomic():
            branches = make_branches()
            personas = make_personas(branches)
            yield {"personas": personas, **build(personas, branches)}
            transaction.set_rollback(True)


API_PARAM = re.compile(r"\{([^}]+)\}")


@pytest.fixture
def fill(client, personas, world):
    """``fill(path)``: the path with each parameter taken from the first object HQ's admin
    lists at the address before it; ``fill(path, "manager_a")`` from that persona's list
    (their own scope). Leaves the client logged in as the persona whose list was read
    last: log in as the test's persona after filling."""
    listed: dict[tuple[str, str], list] = {}

    def first(prefix: str, persona: str) -> list:
        if (persona, prefix) not in listed:
            client.force_login(personas[persona])
            response = client.get(prefix)
            data = response.json() if response.status_code == 200 else {}
            rows = data.get("results", data) if isinstance(data, dict) else data
            listed[persona, prefix] = rows if isinstance(rows, list) else []
        return listed[persona, prefix]

    def build(path: str, persona: str = "hq_admin") -> str:
        def value(match: re.Match) -> str:
            name = match.group(1)
            prefix = path[: match.start()]
            rows = first(prefix, persona)
            for row in rows:
                if isinstance(row, dict) and row.get(name) not in (None, ""):
                    return str(row[name])
            enum = world.get("enums", {}).get(name)
            return enum or "1"

        return API_PARAM.sub(value, path)

    yield build
    client.logout()
