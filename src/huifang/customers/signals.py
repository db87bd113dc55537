"""Signals the customers app sends to apps to its right (they listen; we never import them).

``customers_closed``: sent after the transaction of an import commits, with
``customer_ids`` (list of int: customers whose status changed to 销户 in that import)
and ``import_record`` (the ImportRecord). The callbacks app cancels their open tasks.
"""

from django.dispatch import Signal

customers_closed = Signal()
