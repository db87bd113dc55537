"""Reactions to earlier steps' signals (an earlier app never imports this one)."""

from django.dispatch import receiver

from huifang.callbacks import services
from huifang.core.calendar import year_maintaining
from huifang.customers.signals import customers_closed


@receiver(customers_closed, dispatch_uid="callbacks_cancel_closed_customers")
def cancel_tasks_of_closed_customers(sender, customer_ids, **kwargs):
    """An import made customers 销户: their open tasks are cancelled (客户已销户), not deleted."""
    services.cancel_for_closed_customers(customer_ids)


@receiver(year_maintaining, dispatch_uid="callbacks_recompute_provisional_deadlines")
def recompute_provisional_deadlines(sender, year, actor=None, **kwargs):
    """HQ is about to maintain ``year``: the 暂定 deadlines that depend on it are recomputed."""
    return services.prepare_deadline_recompute(year, actor=actor)
