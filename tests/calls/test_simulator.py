"""End to end over loopback: Huifang pushes signed call-list pages to the simulated call
platform (``scripts/callcenter_sim.py``), which dials them and posts signed results back
to the live server, duplicates included; and the file route of the same simulator."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records.models import CallbackRecord
from huifang.channels.calls import services
from huifang.channels.calls.models import CallAttempt, CallRef

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "callcenter_sim.py"


def _simulator():
    spec = importlib.util.spec_from_file_location("callcenter_sim", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _assign_all(personas):
    CallbackTask.objects.filter(branch__code="010101").update(assignee=personas["agent_a"])
    CallbackTask.objects.filter(branch__code="010201").update(assignee=personas["agent_b"])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pushed_pages_are_dialled_and_the_results_come_back(
    live_server, make_partner, make_task, personas, tmp_path
):
    sim = _simulator()
    partner, secret = make_partner("外呼平台", "callcenter")
    receiver = sim.PageReceiver(0, partner.key, secret)
    try:
        type(partner).objects.filter(pk=partner.pk).update(url=receiver.url)
        for n in range(6):
            make_task("a1" if n % 2 else "b1")
        _assign_all(personas)
        push = services.do_push(
            CallbackTask.objects.all(), actor=personas["hq_admin"], out=tmp_path / "list.csv"
        )
        assert push.pages == 1
        assert receiver.wait_for(1, timeout=30)
    finally:
        receiver.close()
    assert receiver.refused == 0
    assert sorted(receiver.refs) == sorted(CallRef.objects.values_list("ref", flat=True))

    payloads = sim.dial(receiver.refs, seed=3)
    counts = sim.post_results(live_server.url, partner.key, secret, payloads, duplicates=0.5)
    assert set(counts) <= {200, 201} and counts[201] == len(payloads)
    assert CallAttempt.objects.count() == len(payloads)
    recorded = CallAttempt.objects.filter(record__isnull=False).count()
    assert CallbackRecord.objects.filter(method="outbound").count() == recorded > 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_simulator_dials_a_pushed_file(
    live_server, make_partner, make_task, personas, tmp_path
):
    sim = _simulator()
    partner, secret = make_partner("外呼平台", "callcenter")
    for _ in range(3):
        make_task("a1")
    _assign_all(personas)
    out = tmp_path / "list.xlsx"
    services.do_push(CallbackTask.objects.all(), actor=None, out=out)
    code = sim.main(
        ["--base", live_server.url, "--key", partner.key, "--secret", secret, "--list", str(out)]
    )
    assert code == 0
    assert set(CallAttempt.objects.values_list("task_ref", flat=True)) == set(
        CallRef.objects.values_list("ref", flat=True)
    )
