import subprocess
import sys

import pytest

from huifang.core import config


def run_settings(env: dict, tmp_path) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "HUIFANG_DATA_DIR": str(tmp_path)}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import huifang.settings as s; print(s.DATABASES['default']['ENGINE'])",
        ],
        env={**base, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_invalid_boolean_stops_with_a_message_naming_the_variable(tmp_path):
    result = run_settings({"HUIFANG_DEBUG": "maybe"}, tmp_path)
    assert result.returncode == 2
    assert "HUIFANG_DEBUG" in result.stderr


def test_unsupported_database_scheme_is_refused(tmp_path):
    result = run_settings({"HUIFANG_DATABASE_URL": "ftp://x/y"}, tmp_path)
    assert result.returncode == 2
    assert "HUIFANG_DATABASE_URL" in result.stderr


def test_postgres_url_selects_the_postgresql_backend(tmp_path):
    result = run_settings({"HUIFANG_DATABASE_URL": "postgres://u:p@localhost:5432/hf"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_default_is_sqlite_in_wal_mode_under_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("HUIFANG_DATABASE_URL", raising=False)
    db = config.database(tmp_path)
    assert db["NAME"] == str(tmp_path / "huifang.sqlite3")
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("HUIFANG_SECRET_KEY", raising=False)
    first = config.secret_key(tmp_path)
    assert len(first) >= 32
    assert config.secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_short_secret_key_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("HUIFANG_SECRET_KEY", "short")
    with pytest.raises(config.ConfigError, match="HUIFANG_SECRET_KEY"):
        config.secret_key(tmp_path)


def test_debug_is_off_by_default(settings):
    assert settings.DEBUG is False
