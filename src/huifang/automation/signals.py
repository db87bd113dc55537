"""Signals other code sends to 常态化 (automation connects the receivers in ``apps.ready``).

``intake_failed``: a scheduled intake (drop folder) failed. Send it after the failure is
committed, with ``run`` (the intake run: its ``pk`` names the occurrence, so a second
send for the same run notifies nobody twice), ``message`` (what failed, in Chinese) and
``link`` (the run's page, optional)::

    intake_failed.send(sender=IntakeRun, run=run, message="…", link="/…")

HQ admins get a 站内消息 (and an e-mail when e-mail is on).
"""

from django.dispatch import Signal

intake_failed = Signal()
