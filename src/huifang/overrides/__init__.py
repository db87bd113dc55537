"""Django commands the project replaces with its own: ``createsuperuser`` (Chinese, through
the user service, audited).

``get_commands()`` gives a command name to the first app in ``INSTALLED_APPS`` that has it,
so this app is listed before ``django.contrib.auth``: ``call_command``, ``python -m django``
and the ``huifang`` script all run the project's command. It has no models and imports
nothing at start-up (a command module is imported only when it runs)."""
