"""The PostgreSQL backend's health check (``core/postgresql/base.py``): a quiet socket is a
healthy connection (no ``SELECT 1`` round trip per request); anything to read on it, or a
closed or broken connection, goes to Django's check, which closes a dead connection."""

from __future__ import annotations

import socket

import pytest
from django.db import connection

from huifang.core.postgresql.base import DatabaseWrapper, socket_quiet


class FakeDriverConnection:
    """What the check reads of a psycopg connection: ``closed``, ``broken``, ``fileno()``."""

    def __init__(self, sock, *, closed=False, broken=False):
        self.sock, self.closed, self.broken = sock, closed, broken

    def fileno(self):
        return self.sock.fileno()


@pytest.fixture
def pair():
    ours, servers = socket.socketpair()
    yield ours, servers
    ours.close()
    servers.close()


def test_a_quiet_socket_is_healthy_and_anything_to_read_is_not(pair):
    ours, servers = pair
    assert socket_quiet(FakeDriverConnection(ours))
    servers.sendall(b"E")  # the server's FATAL "terminating connection" before it closes
    assert not socket_quiet(FakeDriverConnection(ours))


def test_a_socket_the_server_closed_is_not_quiet(pair):
    ours, servers = pair
    servers.close()
    assert not socket_quiet(FakeDriverConnection(ours))


def test_a_closed_or_broken_connection_is_not_quiet(pair):
    ours, _ = pair
    assert not socket_quiet(FakeDriverConnection(ours, closed=True))
    assert not socket_quiet(FakeDriverConnection(ours, broken=True))


def _wrapper(driver_connection):
    wrapper = DatabaseWrapper({**connection.settings_dict, "CONN_HEALTH_CHECKS": True})
    wrapper.connection = driver_connection
    wrapper.health_check_enabled = True
    wrapper.health_check_done = False
    asked, closed = [], []
    wrapper.is_usable = lambda: asked.append(True) or False  # what SELECT 1 finds: dead
    wrapper.close = lambda: closed.append(True)
    return wrapper, asked, closed


def test_the_check_asks_the_server_only_when_the_socket_is_not_quiet(pair):
    ours, servers = pair
    wrapper, asked, closed = _wrapper(FakeDriverConnection(ours))
    wrapper.close_if_health_check_failed()
    assert (asked, closed, wrapper.health_check_done) == ([], [], True)

    wrapper.health_check_done = False  # the next request (close_if_unusable_or_obsolete)
    servers.close()
    wrapper.close_if_health_check_failed()
    assert (asked, closed, wrapper.health_check_done) == ([True], [True], True)


@pytest.mark.django_db
def test_a_connection_the_server_ended_is_replaced_before_the_next_query():
    """On PostgreSQL, a real connection ended by the server (as by a restart) is found by
    the check and replaced; the next query works. On SQLite the check never asks the
    server (Django's SQLite backend: ``is_usable`` is always true), nothing to replace."""
    from django.db import connections

    other = connections.create_connection("default")
    try:
        other.health_check_enabled = True
        other.ensure_connection()
        if connection.vendor != "postgresql":
            assert other.is_usable()
            return
        assert isinstance(other, DatabaseWrapper)
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        other.health_check_done = False
        other.close_if_health_check_failed()  # quiet: taken as healthy, no round trip
        assert other.connection is not None and other.health_check_done
        with connection.cursor() as cursor:  # waits (up to 10 s) until the backend is gone
            cursor.execute("SELECT pg_terminate_backend(%s, 10000)", [pid])
            assert cursor.fetchone() == (True,)
        other.health_check_done = False
        other.close_if_health_check_failed()
        assert other.connection is None  # closed; the next query connects anew
        with other.cursor() as cursor:
            cursor.execute("SELECT 2")
            assert cursor.fetchone() == (2,)
    finally:
        other.close()
