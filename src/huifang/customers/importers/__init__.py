"""The standard data interface (``docs/data-interface.md``): one code path for the
``huifang import`` command, the upload page's background job and the REST API.

    result = import_file("customers", "客户.xlsx", actor=user)
    result = import_rows("daily", [{"交易日期": "2025-12-31", ...}], skip_invalid=True)

``result.ok`` is False when nothing was applied (invalid rows without ``skip_invalid``,
or a file that cannot be read); ``result.errors`` lists (row, column, value, reason).
"""

from huifang.customers.importers.engine import ImportResult, import_file, import_rows
from huifang.customers.importers.specs import DATASETS
from huifang.customers.importers.validators import RowError

__all__ = ["DATASETS", "ImportResult", "RowError", "import_file", "import_rows"]
