"""Background jobs with progress: the one way any long operation runs.

An app registers a handler under a kind in its ``jobs.py``
(``@job_handler("customers.import", ImportParams)``, the parameters a frozen dataclass
of :class:`~huifang.core.job_params.JobParams`); a view, command or API call starts it with
:func:`start_job`, which records a :class:`Job` and enqueues it on django-tasks (the
database backend's worker in production, immediately in tests). The handler receives a
:class:`JobContext` to report progress and log lines; ``ctx.params`` is its dataclass.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from huifang.core import audit, liveness
from huifang.core.audit_actions import CoreAction
from huifang.core.job_params import JobParams
from huifang.core.models import Job

log = logging.getLogger(__name__)

Handler = Callable[["JobContext"], dict | None]
_handlers: dict[str, Handler] = {}
_params: dict[str, type[JobParams]] = {}


_labels: dict[str, str] = {}


def job_handler(
    kind: str, params: type[JobParams] | None = None, *, label: str = ""
) -> Callable[[Handler], Handler]:
    """Register ``func`` as the handler of ``kind``, taking ``params`` (stored as JSON);
    ``label`` is the kind as the pages name it (后台任务's 类型)."""

    def register(func: Handler) -> Handler:
        _handlers[kind] = func
        if params is not None:
            _params[kind] = params
        if label:
            _labels[kind] = label
        return func

    return register


def kind_label(kind: str) -> str:
    """``callbacks.create_batch`` → 加入回访名单 (a kind no handler names stays as is)."""
    return _labels.get(kind, kind)


def kind_choices() -> list[tuple[str, str]]:
    """Every registered kind as (kind, its label), by label (后台任务's 类型 filter)."""
    return sorted(((kind, kind_label(kind)) for kind in _handlers), key=lambda i: (i[1], i[0]))


class JobFailed(Exception):
    """A handler's expected failure: the message is shown to the user as is.

    ``result`` (the same shape a handler returns) is kept as well, so a failed job can
    still offer its report file and a link; ``rejected=True`` says the work was refused
    for its input (an import with invalid rows), which the pages show as 已拒绝."""

    def __init__(self, message: str, *, result: dict | None = None, rejected: bool = False):
        super().__init__(message)
        self.result = result or {}
        self.rejected = rejected


class JobContext:
    def __init__(self, job: Job):
        self.job = job
        self.params = job.params
        self._lines: list[str] = []
        self._done = 0
        self._total: int | None = None
        self._message = ""

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        self._done = done
        if total is not None:
            self._total = total
        if message is not None:
            self._message = message
        cache.set(
            self.job.progress_key,
            {"done": self._done, "total": self._total, "message": self._message},
            timeout=24 * 3600,
        )

    def log(self, line: str) -> None:
        self._lines.append(f"{timezone.localtime():%H:%M:%S} {line}")
        self.progress(self._done, message=line[:200])

    @property
    def lines(self) -> str:
        return "\n".join(self._lines)


def start_job(kind: str, title: str, params: JobParams | dict, *, user=None) -> Job:
    """Record a job and enqueue it once the surrounding transaction commits. ``params``
    is the kind's dataclass (a dict is checked against it: ValueError if it does not fit)."""
    if kind not in _handlers:
        raise KeyError(f"no job handler registered for {kind!r}")
    params = _stored_params(kind, params)
    job = Job.objects.create(kind=kind, title=title, params=params, created_by=user)
    audit.record(CoreAction.JOB_START, job, after={"kind": kind, "params": params}, actor=user)

    def enqueue() -> None:
        from huifang.core.tasks import run_job

        run_job.enqueue(job.pk)

    transaction.on_commit(enqueue)
    return job


def execute(job_id: int) -> Job:
    """Run one job to its end (called by the task worker)."""
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now(), runner=liveness.mark()
    )
    job = Job.objects.get(pk=job_id)
    if not claimed:
        return job
    context = JobContext(job)
    handler = _handlers[job.kind]
    label = f"job:{job.pk}"
    try:
        if job.kind in _params:
            context.params = _params[job.kind].from_dict(job.params)
        with audit.acting(user=job.created_by, label=label):
            result = handler(context) or {}
    except JobFailed as exc:
        result = {**exc.result, "rejected": True} if exc.rejected else exc.result
        _finish(job, context, Job.Status.FAILED, error=str(exc), result=result)
    except PermissionDenied as exc:  # refused by a service: the message says why (Chinese)
        _finish(job, context, Job.Status.FAILED, error=str(exc))
    except Exception as exc:  # a bug: keep the trace for the operator, say it plainly
        log.exception("job %s failed", job.pk)
        _finish(job, context, Job.Status.FAILED, error=f"内部错误：{exc}\n{traceback.format_exc()}")
    else:
        _finish(job, context, Job.Status.SUCCEEDED, result=result)
    return Job.objects.get(pk=job_id)


ABANDONED = (
    "执行该任务的进程已中断（被强制结束、崩溃或服务器重启），任务没有完成；"
    "未完成的修改没有写入，请重新发起"
)


def recover_abandoned(is_dead: Callable[[str], bool]) -> int:
    """Fail the jobs marked running whose process is gone (``core.liveness``); returns how
    many. The worker runs it when it starts; the job's page when it shows one."""
    running = Job.objects.filter(status=Job.Status.RUNNING).exclude(runner="")
    dead = [pk for pk, runner in running.values_list("pk", "runner") if is_dead(runner)]
    if not dead:
        return 0
    for job in Job.objects.filter(pk__in=dead):
        cache.delete(job.progress_key)
    return Job.objects.filter(pk__in=dead, status=Job.Status.RUNNING).update(
        status=Job.Status.FAILED, error=ABANDONED, finished_at=timezone.now()
    )


def settle(job: Job) -> Job:
    """``job`` as it stands: failed if it shows running but its process is gone."""
    if job.status == Job.Status.RUNNING and job.runner and not liveness.is_alive(job.runner):
        recover_abandoned(lambda runner: runner == job.runner)
        job.refresh_from_db()
    return job


liveness.register_recovery(recover_abandoned)


def _stored_params(kind: str, params: JobParams | dict) -> dict:
    """``params`` as the JSON the job row keeps, validated by the kind's dataclass."""
    expected = _params.get(kind)
    if expected is None:
        if isinstance(params, JobParams):
            raise TypeError(f"job {kind!r} takes no {type(params).__name__}")
        return params
    if isinstance(params, dict):
        params = expected.from_dict(params)
    if not isinstance(params, expected):
        raise TypeError(f"job {kind!r} takes {expected.__name__}, not {type(params).__name__}")
    return params.to_dict()


def _finish(job: Job, context: JobContext, status: str, *, error: str = "", result=None):
    result = result or {}
    data = result.get("data", result)
    stored = dict(data) if isinstance(data, dict) else {"data": data}
    for key in ("summary", "next_url", "rejected", "file_label"):  # the progress partial's
        if key in result:
            stored[key] = result[key]
    done = context._done if status == Job.Status.FAILED else (context._total or context._done)
    Job.objects.filter(pk=job.pk).update(
        status=status,
        done=done,
        total=context._total,
        message=context._message[:200],
        log=context.lines,
        error=error,
        result=audit.jsonable(stored),
        result_file=result.get("file", ""),
        finished_at=timezone.now(),
    )
    cache.delete(job.progress_key)
