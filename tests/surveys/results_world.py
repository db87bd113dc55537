"""A small fixed world of invitations and responses for the results tests.

Batch 1 (期货北京营业部 a1): three tasks, each invited by H5 and by the app hall; batch 2
(期货上海营业部 b1): one task invited by H5. Answers (H5): a1 task 1 normal, a1 task 2
abnormal (不是本人, with a note), b1 task normal choosing 手机 and 电脑. One a1 app-hall
invitation reported 已打开. So: H5 4 invited / 3 answered, app hall 3 invited / 1 opened.
"""

from __future__ import annotations

from dataclasses import dataclass

from huifang.callbacks.models import Batch, CallbackTask
from huifang.surveys import sending
from huifang.surveys.models import Invitation, Response
from huifang.surveys.writeback import do_submit_response
from tests.surveys.invites import make_batch, make_task

NORMAL = [
    {"question": "identity", "options": ["yes"]},
    {"question": "channels", "options": ["app"]},
]
ABNORMAL = [
    {"question": "identity", "options": ["no"], "note": "家人代开"},
    {"question": "opinion", "text": "没有意见"},
]
BOTH = [
    {"question": "identity", "options": ["yes"]},
    {"question": "channels", "options": ["app", "pc"]},
]


@dataclass
class World:
    batch_a: Batch
    batch_b: Batch
    tasks_a: list[CallbackTask]
    task_b: CallbackTask
    normal: Response
    abnormal: Response
    other_branch: Response


def build(branches) -> World:
    batch_a, batch_b = make_batch(), make_batch()
    tasks_a = [make_task(branches["a1"], batch_a) for _ in range(3)]
    task_b = make_task(branches["b1"], batch_b)
    every = [t.pk for t in [*tasks_a, task_b]]
    sending.do_invite(every, channel="h5", actor=None)
    sending.do_invite([t.pk for t in tasks_a], channel="apphall", actor=None)

    def answer(task, answers):
        invitation = Invitation.objects.get(task=task, channel="h5")
        return do_submit_response(invitation, {"answers": answers}, channel="h5", actor=None)

    # App-hall invitation of task 3 opened before any task completes.
    sending.do_record_event(
        Invitation.objects.get(task=tasks_a[2], channel="apphall"), "opened", actor=None
    )
    return World(
        batch_a=batch_a,
        batch_b=batch_b,
        tasks_a=tasks_a,
        task_b=task_b,
        normal=answer(tasks_a[0], NORMAL),
        abnormal=answer(tasks_a[1], ABNORMAL),
        other_branch=answer(task_b, BOTH),
    )
