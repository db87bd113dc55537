"""Signals the callbacks app sends to apps to its right (they listen; we never import them)."""

from django.dispatch import Signal

# Tasks got an agent (分配 / 平均分配), sent after the commit: ``assignments`` maps each
# task id to its agent's user id, ``at`` is the assignment time. 站内消息 listens.
tasks_assigned = Signal()

# A 反馈营业部 was written (by an agent, or for a final failure reason), sent after the
# commit: ``feedback`` is the BranchFeedback. 站内消息 listens.
feedback_given = Signal()
