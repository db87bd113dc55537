"""Signals of 常态化 for apps and features that want to be told (站内消息, e-mail).

``intake_failed``: sent after the transaction that recorded it commits, when a file of a
drop folder was not imported (已拒绝: invalid rows, nothing written; or 失败: an error, or a
process killed while importing it). Keyword arguments: ``intake_run`` (the
:class:`~huifang.automation.models.IntakeRun`: dataset, file name, status, error,
``import_record``, ``moved_to``, ``report_path``). Sent with ``send_robust``: a receiver
that raises is logged and never undoes or stops the intake. HQ is to be notified by a
receiver of the notifications feature.
"""

from django.dispatch import Signal

intake_failed = Signal()
