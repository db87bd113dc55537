"""站内消息 for what earlier steps announce (they never import this app).

Each receiver runs after its sender's commit and never raises into it: a message that
cannot be made is logged; the worker's pass catches up what it can see in the database.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from huifang.automation import notifications, reminders
from huifang.automation.signals import intake_failed
from huifang.callbacks.signals import feedback_given, tasks_assigned
from huifang.surveys.models import Response

log = logging.getLogger(__name__)


def _send(build, *args, **kwargs) -> None:
    try:
        notifications.notify(build(*args, **kwargs))
    except Exception:
        log.exception("无法生成站内消息（%s）", build.__name__)


@receiver(tasks_assigned, dispatch_uid="automation_notify_assigned")
def on_tasks_assigned(sender, assignments, at, **kwargs):
    _send(reminders.assigned_messages, assignments, at)


@receiver(feedback_given, dispatch_uid="automation_notify_feedback")
def on_feedback_given(sender, feedback, **kwargs):
    _send(reminders.feedback_messages, feedback)


@receiver(post_save, sender=Response, dispatch_uid="automation_notify_abnormal_answer")
def on_response_saved(sender, instance, created, **kwargs):
    if created and instance.abnormal:
        transaction.on_commit(lambda: _send(reminders.abnormal_answer_messages, instance))


@receiver(intake_failed, dispatch_uid="automation_notify_intake_failed")
def on_intake_failed(sender, intake_run=None, **kwargs):
    _send(reminders.intake_failed_messages, intake_run)


def notify_plan_run(plan_run) -> None:
    """A plan run ended 待审核, 失败 or 已完成 (called by ``services`` after its commit)."""
    _send(reminders.plan_run_messages, plan_run)
