"""Background jobs take typed parameters: a dataclass per job, stored as JSON, checked on
the way in and out; each app's handlers live in its ``jobs.py``."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field

import pytest

from huifang.core import jobs
from huifang.core.job_params import JobParams
from huifang.core.models import Job
from tests.core.code_base import import_everything


@dataclass(frozen=True)
class Example(JobParams):
    day: datetime.date
    count: int
    names: list[str] = field(default_factory=list)
    note: str | None = None
    flag: bool = False


@jobs.job_handler("test.typed", Example)
def typed_handler(ctx):
    return {"data": {"type": type(ctx.params).__name__, "day": ctx.params.day.isoformat()}}


def test_parameters_round_trip_through_json():
    params = Example(day=datetime.date(2026, 1, 5), count=3, names=["a"], flag=True)
    stored = json.loads(json.dumps(params.to_dict()))
    assert stored["day"] == "2026-01-05"
    assert Example.from_dict(stored) == params


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"day": "2026-01-05", "count": 1, "extra": 1}, "unknown parameters extra"),
        ({"day": "2026-01-05"}, "missing parameter count"),
        ({"day": "5 Jan", "count": 1}, r"Example\.day: '5 Jan' is not a date"),
        ({"day": "2026-01-05", "count": "1"}, r"Example\.count: '1' is not int"),
        ({"day": "2026-01-05", "count": True}, r"Example\.count: True is not int"),
        ({"day": "2026-01-05", "count": 1, "names": ["a", 2]}, r"Example\.names\[1\]"),
        ({"day": "2026-01-05", "count": 1, "flag": 1}, r"Example\.flag: 1 is not bool"),
    ],
)
def test_parameters_that_do_not_fit_are_refused_naming_the_field(data, message):
    with pytest.raises(ValueError, match=message):
        Example.from_dict(data)


def test_a_job_stores_its_dataclass_as_json_and_its_handler_gets_it_back(personas, run_jobs):
    params = Example(day=datetime.date(2026, 1, 5), count=2)
    with run_jobs():
        job = jobs.start_job("test.typed", "类型", params, user=personas["hq_admin"])
    job.refresh_from_db()
    assert job.params == {"day": "2026-01-05", "count": 2, "names": [], "note": None, "flag": False}
    assert job.status == Job.Status.SUCCEEDED
    assert job.result == {"type": "Example", "day": "2026-01-05"}


def test_a_dict_that_does_not_fit_the_jobs_dataclass_is_refused_before_queueing(personas, db):
    with pytest.raises(ValueError, match="missing parameter count"):
        jobs.start_job("test.typed", "类型", {"day": "2026-01-05"}, user=personas["hq_admin"])
    assert not Job.objects.filter(kind="test.typed").exists()


def test_every_project_job_takes_a_dataclass_and_lives_in_its_apps_jobs_module():
    import_everything()
    project = {k: h for k, h in jobs._handlers.items() if h.__module__.startswith("huifang.")}
    assert {"customers.import", "callbacks.create_batch", "rules.screen"} <= set(project)
    for kind, handler in project.items():
        assert handler.__module__.endswith(".jobs"), kind
        assert issubclass(jobs._params[kind], JobParams), kind
