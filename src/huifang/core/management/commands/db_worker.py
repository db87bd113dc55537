"""``huifang db_worker``: django-tasks-db's worker, which outlives a busy database.

The library's worker claims each task in an exclusive transaction; on SQLite, while
another process holds the write lock longer than the busy timeout (a long import, a
backup), beginning that transaction raised ``database is locked`` out of the worker's
loop and the process died: jobs only queued from then on. This worker logs such an error,
waits (1 s, doubling up to a minute) and carries on; it still stops cleanly on SIGTERM.

When it starts, jobs that a killed worker left "running" are marked failed with a message
saying so (``core.liveness.recover``), and the audit log's sealing chain is queued
(``core.tasks.seal_audit``). After each task it runs ``PRAGMA optimize`` on SQLite
(``core.dbstats``).
"""

from __future__ import annotations

import logging
import time

from django.db import connections
from django.db.utils import OperationalError
from django_tasks_db.management.commands import db_worker

from huifang.core import dbstats, liveness
from huifang.core.tasks import ensure_seal_tick

# The library's logger: its command prints it to the worker's output.
log = logging.getLogger("django_tasks_db")

FIRST_WAIT = 1.0  # seconds
LONGEST_WAIT = 60.0


class Worker(db_worker.Worker):
    def run_task(self, db_task_result) -> None:
        try:
            super().run_task(db_task_result)
        finally:
            # SQLite's advice for a connection that lives long: PRAGMA optimize now and
            # then — here after each task (imports, screenings, batches write the most).
            dbstats.optimize()

    def run(self) -> None:
        wait, last_failure = FIRST_WAIT, None
        while True:
            try:
                return super().run()
            except OperationalError as exc:
                if not self.running:  # shutting down anyway
                    return None
                now = time.monotonic()
                if last_failure is None or now - last_failure > 2 * LONGEST_WAIT:
                    wait = FIRST_WAIT  # the database answered for a while: start again
                else:
                    wait = min(wait * 2, LONGEST_WAIT)
                last_failure = now
                log.warning("数据库暂时不可用（%s），%.0f 秒后重试", exc, wait)
                connections.close_all()  # a fresh connection for the next try
                time.sleep(wait)


class Command(db_worker.Command):
    help = "Run the background job worker (retries while the database is locked or unreachable)"

    def handle(self, *args, **options):
        # Jobs a killed worker left "running" are failed, their scratch files removed.
        liveness.recover()
        # The audit log's sealing chain (HUIFANG_AUDIT_SEAL_MINUTES; core/tasks.py).
        ensure_seal_tick()
        # The library's handle() parses the options and builds its module's ``Worker``.
        library = db_worker.Worker
        db_worker.Worker = Worker
        try:
            super().handle(*args, **options)
        finally:
            db_worker.Worker = library
