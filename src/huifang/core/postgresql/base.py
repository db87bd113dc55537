"""Django's PostgreSQL backend (``django.db.backends.postgresql``), with one change: the
connection health check (``CONN_HEALTH_CHECKS``) asks the socket before the server.

Django checks a persistent connection at the first query of each request with a
``SELECT 1``: a round trip on every request, ~5 % of a signed call result's time. An idle
connection whose server is still there has nothing to read on its socket; one the server
ended (a restart, ``pg_terminate_backend``, ``idle_session_timeout``, a proxy closing it)
has the server's goodbye or the end of the stream waiting there. So the socket is polled
first, without waiting: quiet, the connection is taken as healthy; anything to read (also
a notice or a notification), closed or broken, Django's ``SELECT 1`` decides as before.
A connection lost without a word (a cable pulled) is found by the first query either
way — then, as before, ``SELECT 1`` itself would have waited for the network to give up.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper

__all__ = ["DatabaseWrapper"]


class DatabaseWrapper(PostgresWrapper):
    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool
            and socket_quiet(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()


def socket_quiet(connection) -> bool:
    """True when the idle driver ``connection`` is open and nothing waits on its socket."""
    if connection.closed or getattr(connection, "broken", False):
        return False
    try:
        poller = select.poll()
        poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
        return not poller.poll(0)
    except Exception:  # any doubt: the server decides (SELECT 1)
        return False
