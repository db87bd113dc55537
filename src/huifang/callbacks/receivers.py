"""Reactions to earlier steps' signals (an earlier app never imports this one)."""

from django.dispatch import receiver

from huifang.callbacks import services
from huifang.customers.signals import customers_closed


@receiver(customers_closed, dispatch_uid="callbacks_cancel_closed_customers")
def cancel_tasks_of_closed_customers(sender, customer_ids, **kwargs):
    """An import made customers 销户: their open tasks are cancelled (客户已销户), not deleted."""
    services.cancel_for_closed_customers(customer_ids)
