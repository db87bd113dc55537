"""django-tasks entry points: :func:`run_job` (the work lives in ``jobs``), and chains of
the task worker — a django-tasks task that does its work and queues its own next
run (``run_after``), so no timer lives in any process — the next run is a row of the
database queue that every worker sees.

- :func:`seal_audit`: seals the audit log's new rows into the hash chain
  (``core.audit_chain.seal``) every ``HUIFANG_AUDIT_SEAL_MINUTES`` (5; 0 leaves sealing to
  cron's ``huifang audit seal``). Started when a worker starts (``huifang db_worker``).

:func:`queued_by` tells whether a chain already has its next run waiting, so that two
processes starting a chain at once leave one (the surplus run queues no successor).
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from huifang.core import audit, jobs

log = logging.getLogger(__name__)

SEAL_LABEL = "job:审计封存"


@task()
def run_job(job_id: int) -> None:
    jobs.execute(job_id)


def queued_by(chain, wake: datetime.datetime) -> bool:
    """Whether a run of the task ``chain`` is already waiting in the database queue to run
    by ``wake`` (False on a backend without a queue)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(chain.get_backend(), DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(
        task_path=chain.module_path, status="READY", run_after__lte=wake
    ).exists()


@task()
def seal_audit() -> int:
    """Seal the rows not sealed yet, then queue the next pass (even when this one failed)."""
    from huifang.core import audit_chain

    try:
        with audit.acting(label=SEAL_LABEL):
            return audit_chain.seal()
    finally:
        ensure_seal_tick()


def seal_every() -> datetime.timedelta | None:
    minutes = settings.AUDIT_SEAL_MINUTES
    return datetime.timedelta(minutes=minutes) if minutes else None


def ensure_seal_tick(now: datetime.datetime | None = None) -> bool:
    """Queue the next sealing pass unless one is queued by then, or sealing by the worker
    is off (``HUIFANG_AUDIT_SEAL_MINUTES=0``); True if queued."""
    every = seal_every()
    if every is None or not seal_audit.get_backend().supports_defer:
        return False
    wake = (now or timezone.now()) + every
    if queued_by(seal_audit, wake):
        return False
    seal_audit.using(run_after=wake).enqueue()
    log.info("审计封存：下一次 %s", timezone.localtime(wake).strftime("%Y-%m-%d %H:%M"))
    return True
