"""Signals other apps listen to (surveys marks an invitation 已下发)."""

from django.dispatch import Signal

# Sent once per delivery when it reaches its final outcome: sender=Delivery,
# delivery=<Delivery>, ok=True (已送达) or False (失败).
delivery_done = Signal()
