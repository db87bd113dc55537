"""Step 4's channels to the customer besides the app hall: SMS (``channels.sms``, app label
``sms``) and the outbound-call platform (``channels.calls``, app label ``calls``).

Each is its own Django app in this room (as ``callbacks.records`` is in its room); both
reach callback records only through ``huifang.callbacks.records.services`` and partners
only through ``huifang.partners``.
"""
