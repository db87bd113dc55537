"""scripts/apphall_sim.py signs exactly as a partner would: its requests, sent through the
real ``SignedClient`` (urllib routed into Django's test client), pass the API's signature
check and drive list → show → answer (normal, abnormal) → replay."""

from __future__ import annotations

import importlib.util
import io
import urllib.error
from pathlib import Path

import pytest
from django.test import Client

from huifang.callbacks.records.models import CallbackRecord
from huifang.partners.client import SignedClient
from huifang.partners.models import PartnerKind
from huifang.surveys import sending
from huifang.surveys.models import Invitation, Response
from tests.partners.helpers import make_partner
from tests.surveys.invites import make_task

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "apphall_sim.py"


def _load():
    spec = importlib.util.spec_from_file_location("apphall_sim", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sim = _load()


class _Answer:
    def __init__(self, response):
        self.status = response.status_code
        self._body = response.content

    def read(self):
        return self._body

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def wire(monkeypatch):
    """urllib's urlopen answered by Django's test client (same headers, path and body)."""
    django = Client()

    def urlopen(request, timeout=None):
        url = request.full_url.removeprefix("http://huifang.test")
        headers = {k: v for k, v in request.header_items() if k.lower() != "content-type"}
        response = django.generic(
            request.get_method(),
            url,
            data=request.data or b"",
            content_type=request.get_header("Content-type") or "application/octet-stream",
            headers=headers,
        )
        if response.status_code >= 400:
            raise urllib.error.HTTPError(
                request.full_url, response.status_code, "", {}, io.BytesIO(response.content)
            )
        return _Answer(response)

    monkeypatch.setattr("huifang.partners.client.urllib.request.urlopen", urlopen)


@pytest.fixture
def apphall(db):
    partner, secret = make_partner("掌厅", PartnerKind.APPHALL)
    return SignedClient("http://huifang.test", partner.key, secret)


@pytest.fixture
def invitation(branches, published):
    task = make_task(branches["a1"], code="0077000001")
    sending.do_invite([task.pk], channel="apphall", actor=None)
    return Invitation.objects.get(task=task)


def test_list_and_show_are_signed_and_accepted(wire, apphall, invitation):
    status, body = sim.list_invitations(apphall, "0077000001")
    assert status == 200
    assert [r["invitation"] for r in body["results"]] == [invitation.code]
    status, body = sim.show(apphall, invitation.code)
    assert status == 200
    assert body["investor_code"] == "0077000001"


def test_a_wrong_secret_is_refused(wire, invitation, apphall):
    wrong = SignedClient("http://huifang.test", apphall.key, "not-the-secret")
    status, body = sim.show(wrong, invitation.code)
    assert status == 401
    assert body["code"] == "bad_signature"


def test_answer_writes_a_successful_record(wire, apphall, invitation):
    status, body = sim.answer(apphall, invitation.code)
    assert status == 201
    assert body["status"] == "成功"
    record = CallbackRecord.objects.get(pk=body["record"])
    assert record.get_method_display() == "掌厅问卷"


def test_a_repeated_submission_answers_200_with_the_same_body(wire, apphall, invitation):
    status, body = sim.answer(apphall, invitation.code, submission_id="SIM-1", repeat=2)
    assert status == 200
    assert body["status"] == "成功"
    assert Response.objects.count() == 1


def test_answer_abnormal_picks_the_abnormal_option(wire, apphall, invitation):
    status, body = sim.answer(apphall, invitation.code, abnormal=True)
    assert status == 201
    assert body["status"] == "其他"
    assert body["abnormal"] == ["identity"]


def test_the_command_line_prints_json_and_exits_by_status(wire, apphall, invitation, capsys):
    code = sim.main(["event", invitation.code, "opened"], client=apphall)
    assert code == 0
    assert '"status": 200' in capsys.readouterr().out
    assert sim.main(["show", "INVNOSUCHTHING0000"], client=apphall) == 1


def test_build_answers_fills_required_text_and_honours_choose():
    invitation = {
        "questions": [
            {"id": "q1", "type": "single", "required": True, "options": [{"id": "a"}, {"id": "b"}]},
            {"id": "q2", "type": "text", "required": True, "options": []},
            {"id": "q3", "type": "date", "required": False, "options": []},
        ]
    }
    assert sim.build_answers(invitation, choose={"q1": "b"}) == [
        {"question": "q1", "options": ["b"]},
        {"question": "q2", "text": "模拟回答"},
    ]
