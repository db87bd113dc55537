"""``HUIFANG_INTAKE_DIR``: unset or empty turns 自动导入 off; a path is made absolute; a file
instead of a directory stops the process (fail closed)."""

from pathlib import Path

import pytest

from huifang.core.config import ConfigError, intake_dir


def test_unset_or_empty_is_off(monkeypatch):
    monkeypatch.delenv("HUIFANG_INTAKE_DIR", raising=False)
    assert intake_dir() is None
    monkeypatch.setenv("HUIFANG_INTAKE_DIR", "  ")
    assert intake_dir() is None


def test_a_relative_path_is_made_absolute(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HUIFANG_INTAKE_DIR", "intake")

    assert intake_dir() == Path(tmp_path / "intake").resolve()


def test_a_file_is_refused(monkeypatch, tmp_path):
    (tmp_path / "f").write_text("x")
    monkeypatch.setenv("HUIFANG_INTAKE_DIR", str(tmp_path / "f"))

    with pytest.raises(ConfigError, match="不是目录"):
        intake_dir()
