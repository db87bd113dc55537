"""Django's SQLite backend, with SQLite's memory statistics off (``base``)."""
