"""Measures what each django-tables2/forms speed-up saves on the task list page (run it
explicitly: ``pytest -q -s tests/callbacks/measure_table_patches.py``; not part of the suite).

The page with 50 tasks (and a firm's ~120 branches and ~200 agents in its filter form) is
rendered in-process (test client, SQLite) ROUNDS times per variant, variants interleaved;
the median and best CPU time per page (``process_time``: other processes on a busy machine
do not count) are printed for everything on, each speed-up switched off alone, and all
off."""

from __future__ import annotations

import contextlib
import statistics
import time

import pytest
from django.forms import renderers as form_renderers
from django_tables2 import utils

from huifang.callbacks import services
from huifang.callbacks.tables import TaskTable
from huifang.core import speedups
from tests.callbacks.conftest import make_customer, make_run

pytestmark = pytest.mark.django_db
ROUNDS = 60
STOCK_ROW_TEMPLATE = "django_tables2/bootstrap5-responsive.html"


def _original_signature():
    return getattr(utils.signature, "original", utils.signature)


@contextlib.contextmanager
def without(name: str):
    saved = []
    if name in ("signature", "all"):
        saved.append((utils, "signature", utils.signature))
        utils.signature = _original_signature()
    if name in ("row_tag", "all"):
        saved.append((TaskTable._meta, "template_name", TaskTable._meta.template_name))
        TaskTable._meta.template_name = STOCK_ROW_TEMPLATE
    if name in ("raw_cell", "all"):
        saved.append((speedups, "cell", speedups.cell))
        speedups.cell = lambda row, column: row.get_cell(column.name)
    if name in ("select", "all"):
        from django.conf import settings

        saved.append((settings, "FORM_RENDERER", settings.FORM_RENDERER))
        settings.FORM_RENDERER = "huifang.core.renderers.TablerTemplates"
    form_renderers.get_default_renderer.cache_clear()
    try:
        yield
    finally:
        for owner, attr, value in reversed(saved):
            setattr(owner, attr, value)
        form_renderers.get_default_renderer.cache_clear()


def company(branches) -> None:
    """A firm's worth of filter options: ~120 branches, ~200 agents."""
    from huifang.org.models import Role
    from huifang.org.services import do_create_user, do_save_branch

    for n in range(120):
        branch, _ = do_save_branch(code=f"09{n:04d}", name=f"营业部{n}", parent=branches["a"])
        if n < 100:
            for k in range(2):
                do_create_user(
                    username=f"agent{n}_{k}", password=None, branch=branch, role=Role.AGENT
                )


def test_measure_the_task_list(client_for, branches, personas, annual):
    company(branches)
    customers = [make_customer(branches["a1"], risk_level=2) for _ in range(50)]
    services.do_create_batch(
        make_run({c: ["A003", "A005"] for c in customers}), annual, actor=personas["hq_admin"]
    )
    client = client_for("hq_admin")
    url = "/callbacks/tasks/?per_page=50"
    variants = ["none", "signature", "row_tag", "raw_cell", "select", "all"]
    pages = {}
    for name in variants:
        with without(name):
            pages[name] = client.get(url).content.decode()
            assert pages[name].count("<tr") >= 50
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(ROUNDS):
        for name in variants:
            with without(name):
                start = time.process_time()
                client.get(url)
                times[name].append(time.process_time() - start)
    base = statistics.median(times["none"])
    print()
    for name in variants:
        median, best = statistics.median(times[name]), min(times[name])
        print(
            f"without {name:10s} median {median * 1000:6.1f} ms ({(median - base) * 1000:+6.1f})"
            f"  best {best * 1000:6.1f} ms ({(best - min(times['none'])) * 1000:+6.1f})"
        )
