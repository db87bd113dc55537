"""``huifang survey import|export``."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from huifang.core.models import AuditEvent
from huifang.surveys.models import Questionnaire

from .conftest import file_data

pytestmark = pytest.mark.django_db


def run(*args) -> list[str]:
    out = StringIO()
    call_command("survey", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def write(tmp_path, data, name="qn.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_import_with_publish_prints_the_version_alone_on_the_last_line(tmp_path):
    lines = run("import", write(tmp_path, file_data()), "--publish")
    assert lines[-1] == "1"
    assert Questionnaire.objects.get(code="QN-TEST").latest_published().number == 1


def test_import_without_publish_leaves_a_draft(tmp_path):
    lines = run("import", write(tmp_path, file_data()))
    assert "新建问卷 QN-TEST" in lines[0]
    assert Questionnaire.objects.get(code="QN-TEST").latest_published() is None


def test_import_is_audited_as_the_command(tmp_path):
    run("import", write(tmp_path, file_data()))
    assert (
        AuditEvent.objects.get(action="questionnaire_import").actor_label == "command:survey import"
    )


def test_an_invalid_file_is_refused_in_chinese_and_writes_nothing(tmp_path):
    data = file_data()
    data["questions"][1]["options"][1]["id"] = "app"
    with pytest.raises(CommandError, match="第 2 题：选项 id 重复"):
        run("import", write(tmp_path, data), "--publish")
    assert not Questionnaire.objects.filter(code="QN-TEST").exists()


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="不是有效的 JSON"):
        run("import", str(path))


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="文件不存在"):
        run("import", str(tmp_path / "none.json"))


def test_export_then_import_is_lossless(tmp_path):
    run("import", write(tmp_path, file_data()), "--publish")
    out = tmp_path / "out.json"
    run("export", "QN-TEST", str(out))
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported == file_data()
    lines = run("import", str(out), "--publish")
    assert lines[-2:] == ["与第 1 版相同（未修改），无需发布新版本：", "1"]
    assert Questionnaire.objects.get(code="QN-TEST").versions.published().count() == 1


def test_export_of_an_unknown_code_is_refused(tmp_path):
    with pytest.raises(CommandError, match="问卷 QN-NONE 不存在"):
        run("export", "QN-NONE", str(tmp_path / "x.json"))


def test_export_of_a_default_questionnaire(tmp_path):
    out = tmp_path / "annual.json"
    lines = run("export", "QN-ANNUAL", str(out))
    assert "第 1 版" in lines[-1]
    assert json.loads(out.read_text(encoding="utf-8"))["code"] == "QN-ANNUAL"
