"""导入外呼结果: the Chinese headers, all or nothing with a row report, idempotent on
呼叫ID + 拨打次数."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from huifang.channels.calls.models import CallAttempt
from huifang.channels.calls.services import do_import_calls

HEADER = "呼叫ID,外呼任务ID,拨打时间,拨打时长,拨打次数,拨打结果,坐席,录音地址,录音SHA256"


def _file(tmp_path, *rows, name="calls.csv"):
    path = tmp_path / name
    path.write_text("\ufeff" + "\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.mark.django_db
def test_a_file_is_imported_with_labels_and_minutes(pushed, tmp_path, personas):
    task, ref = pushed()
    path = _file(
        tmp_path,
        f"F1,{ref},2026-01-05 10:00:00,01:35,1,无人接听,坐席1,,",
        f"F1,{ref},2026-01-05 11:00:00,20,2,busy,坐席1,https://rec.example.com/2.mp3,{'c' * 64}",
    )
    counts = do_import_calls(path, actor=personas["hq_admin"])
    assert counts == {"rows": 2, "created": 2, "skipped": 0, "records": 2}
    first = CallAttempt.objects.get(attempt=1)
    assert (first.duration_seconds, first.result, first.source) == (95, "no_answer", "file")
    task.refresh_from_db()
    assert task.attempt_count == 2


@pytest.mark.django_db
def test_the_same_file_again_writes_nothing(pushed, tmp_path, personas):
    _, ref = pushed()
    path = _file(tmp_path, f"F1,{ref},2026-01-05 10:00:00,35,1,占线,,,")
    do_import_calls(path, actor=personas["hq_admin"])
    counts = do_import_calls(path, actor=personas["hq_admin"])
    assert counts["created"] == 0 and counts["skipped"] == 1
    assert CallAttempt.objects.count() == 1


@pytest.mark.django_db
def test_one_bad_row_rejects_the_file_with_a_row_report(pushed, tmp_path, personas):
    _, ref = pushed()
    path = _file(
        tmp_path,
        f"F1,{ref},2026-01-05 10:00:00,35,1,占线,,,",
        f"F2,{ref},not a time,35,1,挂断,,,",
        "F3,T0000000999,2026-01-05 10:00:00,35,1,占线,,,",
    )
    with pytest.raises(ValidationError) as refused:
        do_import_calls(path, actor=personas["hq_admin"])
    messages = refused.value.messages
    assert (
        messages[0].startswith("第 3 行：")
        and "拨打时间" in messages[0]
        and "拨打结果" in messages[0]
    )
    assert messages[1].startswith("第 4 行：") and "外呼任务ID" in messages[1]
    assert not CallAttempt.objects.exists()


@pytest.mark.django_db
def test_a_missing_column_is_refused(tmp_path, personas):
    path = tmp_path / "calls.csv"
    path.write_text("呼叫ID,拨打时间\nF1,2026-01-05 10:00:00\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="缺少列"):
        do_import_calls(path, actor=personas["hq_admin"])


@pytest.mark.django_db
def test_an_xlsx_file_keeps_the_time_of_its_date_cells(pushed, tmp_path, personas):
    import datetime

    from openpyxl import Workbook

    _, ref = pushed()
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["X1", ref, datetime.datetime(2026, 1, 5, 10, 30), 35, 1, "关机", "", "", ""])
    path = tmp_path / "calls.xlsx"
    book.save(path)
    do_import_calls(path, actor=personas["hq_admin"])
    stored = CallAttempt.objects.get()
    from django.utils import timezone

    assert timezone.localtime(stored.started_at).strftime("%H:%M") == "10:30"


@pytest.mark.django_db
def test_the_command_imports_and_fails_with_the_report(pushed, tmp_path):
    _, ref = pushed()
    good = _file(tmp_path, f"F1,{ref},2026-01-05 10:00:00,35,1,占线,,,", name="good.csv")
    out = StringIO()
    call_command("callcenter", "import", str(good), stdout=out)
    assert "新增 1 条" in out.getvalue()
    bad = _file(tmp_path, f"F9,{ref},2026-01-05 10:00:00,35,x,占线,,,", name="bad.csv")
    with pytest.raises(CommandError, match="第 2 行"):
        call_command("callcenter", "import", str(bad))


def test_a_zip_bomb_result_file_is_refused_before_it_is_expanded(tmp_path, personas):
    from tests.core.zipbomb import xlsx_bomb

    path = tmp_path / "calls.xlsx"
    path.write_bytes(xlsx_bomb(300))
    with pytest.raises(ValidationError, match="恶意构造的压缩文件"):
        do_import_calls(path, actor=personas["hq_admin"])
    assert not CallAttempt.objects.exists()
