"""The page matrix's world, built once for each module that asks for it."""

from __future__ import annotations

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
