"""The standard data interface (``docs/data-interface.md``): one code path for the
``huifang import`` command, the upload page's background job and the REST API.

    result = import_file("customers", "客户.xlsx", actor=user)
    result = import_rows("daily", [{"交易日期": "2025-12-31", ...}], skip_invalid=True)

``result.ok`` is False when nothing was applied (invalid rows without ``skip_invalid``,
or a file that cannot be read); ``result.errors`` lists (row, column, value, reason).
"""

from huifang.customers.importers.specs import DATASETS

__all__ = ["DATASETS", "ImportResult", "RowError", "import_file", "import_rows"]

# The engine (readers with openpyxl and numpy, staging, the validators) is imported on
# first use: the app's services need DATASETS at start-up, every ``huifang`` command would
# otherwise pay for the whole importer.
_LAZY = {
    "ImportResult": "huifang.customers.importers.engine",
    "import_file": "huifang.customers.importers.engine",
    "import_rows": "huifang.customers.importers.engine",
    "RowError": "huifang.customers.importers.validators",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
