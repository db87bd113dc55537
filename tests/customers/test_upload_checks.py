"""Uploads are checked before anything parses them (issue 19, found when probed: an .xlsx of
a few MB expanded to GBs of memory in the web process during the upload preview): an
.xlsx zip bomb is refused with bounded memory, a file over the size limit is refused, and a
file must be what its name says."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from huifang.core import export
from huifang.core.uploads import UploadRefused, check_xlsx
from huifang.customers.importers import DATASETS
from huifang.customers.importers.readers import SourceError, preview
from tests.core.zipbomb import write_xlsx_bomb, xlsx_bomb
from tests.customers.conftest import CUSTOMER_HEADER, CUSTOMER_ROWS, csv_bytes


def _upload(client, name: str, content: bytes):
    file = SimpleUploadedFile(name, content)
    return client.post("/data/import/", {"dataset": "customers", "file": file})


def _saved_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_the_upload_page_refuses_an_xlsx_expanding_to_gigabytes(client_for, settings):
    bomb = xlsx_bomb(2048)  # ~7 MB expanding to 2 GB
    response = _upload(client_for("hq_admin"), "客户.xlsx", bomb)
    assert response.status_code == 200
    assert "解压后超过 256 MB" in response.content.decode()
    assert _saved_files(settings) == []


PREVIEW = """
import resource, sys
import django
django.setup()
from huifang.customers.importers import DATASETS
from huifang.customers.importers.readers import SourceError, preview
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
try:
    preview(sys.argv[1], DATASETS["customers"])
except SourceError as exc:
    print("refused:", exc)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def test_previewing_a_zip_bomb_is_refused_with_bounded_memory(tmp_path):
    bomb = write_xlsx_bomb(tmp_path / "客户.xlsx", 3072)  # 3 GB
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "huifang.settings",
        "HUIFANG_DATA_DIR": str(tmp_path / "data"),
    }
    result = subprocess.run(
        [sys.executable, "-c", PREVIEW, str(bomb)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    before_mb, refused, peak_mb = result.stdout.strip().splitlines()
    assert refused.startswith("refused:") and "解压后超过" in refused
    assert int(peak_mb) - int(before_mb) < 50, f"peak memory {before_mb} → {peak_mb} MB"


def test_an_archive_declaring_small_sizes_is_refused_while_it_expands(tmp_path):
    forged = write_xlsx_bomb(tmp_path / "a.xlsx", 400, declared_size=10_000)
    with pytest.raises(UploadRefused, match="解压后超过 256 MB"):
        check_xlsx(forged)


def test_an_xlsx_expanding_far_beyond_its_size_is_refused_by_ratio(tmp_path):
    bomb = write_xlsx_bomb(tmp_path / "a.xlsx", 40)  # 40 MB from ~140 KB
    with pytest.raises(UploadRefused, match="压缩比异常"):
        check_xlsx(bomb)


def test_the_import_reader_refuses_a_bomb_as_a_file_problem(tmp_path):
    bomb = write_xlsx_bomb(tmp_path / "a.xlsx", 300)
    with pytest.raises(SourceError, match="解压后超过"):
        preview(bomb, DATASETS["customers"])


def test_a_real_workbook_passes_the_checks(client_for):
    content = export.xlsx_bytes(CUSTOMER_HEADER, CUSTOMER_ROWS)
    response = _upload(client_for("hq_admin"), "客户.xlsx", content)
    assert "确认导入" in response.content.decode()


def test_a_file_over_the_upload_limit_is_refused(client_for, settings):
    settings.UPLOAD_MAX_MB = 1
    rows = CUSTOMER_ROWS * 6000  # > 1 MB
    response = _upload(client_for("hq_admin"), "客户.csv", csv_bytes(CUSTOMER_HEADER, rows))
    assert "文件超过 1 MB 的上传上限" in response.content.decode()
    assert _saved_files(settings) == []


def test_a_csv_that_is_not_text_is_refused(client_for):
    content = export.xlsx_bytes(CUSTOMER_HEADER, CUSTOMER_ROWS)  # an xlsx renamed .csv
    response = _upload(client_for("hq_admin"), "客户.csv", content)
    assert "文件不是文本格式的 CSV" in response.content.decode()


def test_an_xlsx_that_is_not_a_workbook_is_refused(client_for):
    response = _upload(
        client_for("hq_admin"), "客户.xlsx", csv_bytes(CUSTOMER_HEADER, CUSTOMER_ROWS)
    )
    assert "无法读取 Excel 文件" in response.content.decode()


def test_a_zip_without_a_workbook_is_refused():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(UploadRefused, match="无法读取 Excel 文件"):
        check_xlsx(buffer)


def test_the_calendar_import_refuses_a_bomb(settings):
    from django.core.exceptions import ValidationError

    from huifang.core.calendar_files import read_schedule

    with pytest.raises(ValidationError, match="压缩比异常"):
        read_schedule(xlsx_bomb(200), "2027.xlsx")  # under its 1 MB, expanding to 200 MB
