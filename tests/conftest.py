"""Fixed personas (HQ admin, branch A manager, branch A agent, branch B agent, auditor)
on a small branch tree, shared by every app's tests."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import settings as hypothesis_settings

# Property tests judge behaviour, not speed: a busy CI machine must not fail an example for
# taking over hypothesis' default 200 ms (speed is measured in bench/).
hypothesis_settings.register_profile("huifang", deadline=None)
hypothesis_settings.load_profile("huifang")

PASSWORD = "Huifang-test-2026"


def isolated_settings(media_root) -> dict:
    """The settings every test runs under, its files in ``media_root``."""
    from django.conf import settings

    return {
        "MEDIA_ROOT": media_root,
        "STORAGES": {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "AXES_ENABLED": True,
        # Jobs run in the test's own process as soon as they are enqueued (on commit).
        "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    }


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    for name, value in isolated_settings(tmp_path / "files").items():
        setattr(settings, name, value)
    from django.core.cache import cache

    cache.clear()  # local memory outlives the test: no test sees another's entries


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_audit_triggers():
    """A transactional test ends by emptying every table, and one with
    ``serialized_rollback`` starts by emptying the tables and writing their first rows back;
    the audit table's triggers refuse both (as they must in production). Here, and
    only here, the harness lifts them for its own statements and puts them back in the
    same transaction (the audit rows it restores are inserted anew)."""
    from django.core.management.color import no_style
    from django.db.backends.base.creation import BaseDatabaseCreation
    from django.db.backends.base.operations import BaseDatabaseOperations

    from huifang.core.migration_ops import create_audit_triggers, drop_audit_triggers

    flush, restore = (
        BaseDatabaseOperations.execute_sql_flush,
        BaseDatabaseCreation.deserialize_db_from_string,
    )

    def lifted(connection, work, empty: bool = False):
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                drop_audit_triggers(connection, cursor.execute)
            if empty:
                # Restoring assumes empty tables, but a transactional test without
                # ``serialized_rollback`` ends with a flush that runs post_migrate, which
                # creates the role groups anew under other ids: the restored groups would
                # then clash on their names.
                tables = connection.introspection.django_table_names(
                    only_existing=True, include_views=False
                )
                flush(connection.ops, connection.ops.sql_flush(no_style(), tables))
            work()
            with connection.cursor() as cursor:
                create_audit_triggers(connection, cursor.execute)

    BaseDatabaseOperations.execute_sql_flush = lambda self, sql_list: lifted(
        self.connection, lambda: flush(self, sql_list)
    )
    BaseDatabaseCreation.deserialize_db_from_string = lambda self, data: lifted(
        self.connection, lambda: restore(self, data), empty=True
    )
    yield
    BaseDatabaseOperations.execute_sql_flush = flush
    BaseDatabaseCreation.deserialize_db_from_string = restore


@pytest.fixture(autouse=True)
def _post_migrate_rows_for_transactional_tests(request):
    """A test with ``serialized_rollback`` ends with a flush that skips post_migrate, so a
    plain transactional test after it would start without content types, permissions and
    role groups (its personas could do nothing). Such a test gets them as any flush would
    give them."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    if marker.kwargs.get("serialized_rollback"):
        return
    request.getfixturevalue("_django_db_helper")
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.sql import emit_post_migrate_signal

    if not ContentType.objects.exists():
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


@pytest.fixture(autouse=True)
def _fresh_trading_calendar():
    """The per-process holiday cache outlives a test's rollback: start and end clean."""
    from huifang.core import calendar

    calendar.clear_cache()
    yield
    calendar.clear_cache()


def make_branches() -> dict:
    """总部 with two 分公司 (北京 A, 上海 B), each with one 营业部 (a1, b1)."""
    from huifang.org.services import do_save_branch

    hq, _ = do_save_branch(code="01", name="总部", parent=None)
    a, _ = do_save_branch(code="0101", name="北京分公司", parent=hq)
    a1, _ = do_save_branch(code="010101", name="期货北京营业部", parent=a)
    b, _ = do_save_branch(code="0102", name="上海分公司", parent=hq)
    b1, _ = do_save_branch(code="010201", name="期货上海营业部", parent=b)
    return {"hq": hq, "a": a, "a1": a1, "b": b, "b1": b1}


@pytest.fixture
def branches(db):
    return make_branches()


def _user(username, branch, role):
    from huifang.org.services import do_create_user

    return do_create_user(
        username=username, password=PASSWORD, branch=branch, role=role, full_name=username
    )


def make_personas(branches: dict) -> dict:
    """The fixed personas on :func:`make_branches`' tree."""
    from huifang.org.models import Role

    return {
        "hq_admin": _user("hq_admin", branches["hq"], Role.HQ_ADMIN),
        "manager_a": _user("manager_a", branches["a"], Role.BRANCH_MANAGER),
        "agent_a": _user("agent_a", branches["a1"], Role.AGENT),
        "agent_b": _user("agent_b", branches["b1"], Role.AGENT),
        "auditor": _user("auditor", branches["hq"], Role.AUDITOR),
    }


@pytest.fixture
def personas(branches):
    return make_personas(branches)


@pytest.fixture
def colleague(branches):
    """王五 (``agent_a2``), a second agent of 期货北京营业部 (a1): agent_a's colleague, whose
    tasks are in agent_a's scope but not agent_a's to work."""
    from huifang.org.models import Role
    from huifang.org.services import do_create_user

    return do_create_user(
        username="agent_a2",
        password=PASSWORD,
        branch=branches["a1"],
        role=Role.AGENT,
        full_name="王五",
    )


@pytest.fixture
def client_for(client, personas):
    """``client_for("agent_a")`` → a test client logged in as that persona."""

    def login(name):
        client.force_login(personas[name])
        return client

    return login


@pytest.fixture
def api_for(personas):
    """``api_for("agent_a")`` → a REST framework client authenticated as that persona."""
    from rest_framework.test import APIClient

    def login(name):
        client = APIClient()
        client.force_authenticate(personas[name])
        return client

    return login


# django-tasks-db's queue (the worker's), for tests of the worker's chains (the suite's own
# backend runs tasks at once): ``settings.TASKS = DB_QUEUE``.
DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def database_queue(settings):
    settings.TASKS = DB_QUEUE


def waiting(chain):
    """The runs of the task ``chain`` waiting in the database queue."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=chain.module_path, status="READY")


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Run jobs enqueued inside the block (tests are one transaction, so on_commit waits)."""

    def runner():
        return django_capture_on_commit_callbacks(execute=True)

    return runner


@pytest.fixture
def signed_client(client):
    """Django's test client signing as a partner: ``signed_client.get(partner, path)``,
    ``signed_client.post(partner, path, data)`` (see ``tests/partners/helpers.py``)."""
    from tests.partners.helpers import SignedClient

    return SignedClient(client)


@pytest.fixture
def make_partner(db):
    """``make_partner(name="掌厅", kind="apphall", url="")`` → (partner, clear secret)."""
    from tests.partners import helpers

    return helpers.make_partner
