import os
import re
import subprocess
import sys

import pytest

from huifang.core import config


def run_python(args: list[str], env: dict, tmp_path) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "HUIFANG_DATA_DIR": str(tmp_path)}
    if "PYTHONPATH" in os.environ:  # the code under test, not an installed copy
        base["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return subprocess.run(
        [sys.executable, *args], env={**base, **env}, capture_output=True, text=True, check=False
    )


def run_settings(env: dict, tmp_path) -> subprocess.CompletedProcess:
    code = "import huifang.settings as s; print(s.DATABASES['default']['ENGINE'])"
    return run_python(["-c", code], env, tmp_path)


def test_invalid_boolean_stops_with_a_message_naming_the_variable(tmp_path):
    result = run_settings({"HUIFANG_DEBUG": "maybe"}, tmp_path)
    assert result.returncode == 2
    assert "HUIFANG_DEBUG" in result.stderr


def test_unsupported_database_scheme_is_refused(tmp_path):
    result = run_settings({"HUIFANG_DATABASE_URL": "ftp://x/y"}, tmp_path)
    assert result.returncode == 2
    assert "HUIFANG_DATABASE_URL" in result.stderr


def test_a_database_whose_driver_is_not_installed_is_refused_naming_the_package(tmp_path):
    result = run_settings({"HUIFANG_DATABASE_URL": "mysql://u:p@localhost:3306/hf"}, tmp_path)
    assert result.returncode == 2
    assert "HUIFANG_DATABASE_URL" in result.stderr and "pip install mysqlclient" in result.stderr
    assert "Traceback" not in result.stderr


def test_postgres_url_selects_the_postgresql_backend(tmp_path):
    result = run_settings({"HUIFANG_DATABASE_URL": "postgres://u:p@localhost:5432/hf"}, tmp_path)
    assert result.returncode == 0, result.stderr
    # Django's PostgreSQL backend with a health check without a round trip (vendor postgresql).
    assert result.stdout.strip() == "huifang.core.postgresql"


def test_default_is_sqlite_in_wal_mode_under_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("HUIFANG_DATABASE_URL", raising=False)
    db = config.database(tmp_path)
    assert db["NAME"] == str(tmp_path / "huifang.sqlite3")
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    # Django's SQLite backend with SQLite's memory statistics off (vendor sqlite).
    assert db["ENGINE"] == "huifang.core.sqlite3"


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


def test_settings_read_the_environment_only_through_core_config():
    import inspect

    import huifang.settings

    source = inspect.getsource(huifang.settings)
    assert "os.environ" not in source and "getenv" not in source


def test_an_unknown_log_level_stops_with_a_message_naming_the_variable(tmp_path):
    result = run_settings({"HUIFANG_LOG_LEVEL": "LOUD"}, tmp_path)
    assert result.returncode == 2
    assert "HUIFANG_LOG_LEVEL" in result.stderr


def test_a_cache_url_that_is_not_redis_is_refused(tmp_path):
    result = run_settings({"HUIFANG_CACHE_URL": "memcached://x:11211"}, tmp_path)
    assert result.returncode == 2
    assert "HUIFANG_CACHE_URL" in result.stderr


def test_a_redis_cache_url_selects_the_redis_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("HUIFANG_CACHE_URL", "redis://cache.internal:6379/1")
    assert config.cache(tmp_path) == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.internal:6379/1",
    }


def test_without_a_cache_url_the_cache_is_a_file_cache_in_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("HUIFANG_CACHE_URL", raising=False)
    assert config.cache(tmp_path)["LOCATION"] == str(tmp_path / "cache")


def test_the_tasks_backend_defaults_to_the_database_queue(monkeypatch):
    monkeypatch.delenv("HUIFANG_TASKS_BACKEND", raising=False)
    assert config.tasks_backend() == "django_tasks_db.DatabaseBackend"
    monkeypatch.setenv("HUIFANG_TASKS_BACKEND", "not a path")
    with pytest.raises(config.ConfigError, match="HUIFANG_TASKS_BACKEND"):
        config.tasks_backend()


def deploy_check(env: dict, tmp_path) -> subprocess.CompletedProcess:
    args = ["-m", "huifang.cli", "check", "--deploy", "--fail-level", "WARNING"]
    return run_python(args, env, tmp_path)


def test_secure_cookies_with_a_real_key_and_host_pass_the_deploy_check(tmp_path):
    result = deploy_check(
        {
            "HUIFANG_SECURE_COOKIES": "on",
            "HUIFANG_SECRET_KEY": "k" * 20 + "Zq8#x!v2@Lm9$Pw4^Rt7&Yb1*Nc6(Hd3)Ue5",
            "HUIFANG_ALLOWED_HOSTS": "huifang.example.com",
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_secure_cookies_the_deploy_check_names_hsts_and_ssl_redirect(tmp_path):
    """What the probe saw (W004 no HSTS, W008 no SSL redirect) is a matter of the one
    switch: the test above passes the same check with it on."""
    result = deploy_check(
        {
            "HUIFANG_SECRET_KEY": "k" * 20 + "Zq8#x!v2@Lm9$Pw4^Rt7&Yb1*Nc6(Hd3)Ue5",
            "HUIFANG_ALLOWED_HOSTS": "huifang.example.com",
        },
        tmp_path,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "security.W004" in output and "security.W008" in output


def test_trusted_proxies_must_be_addresses(tmp_path):
    result = run_settings({"HUIFANG_TRUSTED_PROXIES": "10.0.0.1,proxy"}, tmp_path)
    assert result.returncode == 2
    assert "HUIFANG_TRUSTED_PROXIES" in result.stderr


def test_trusted_proxies_take_addresses_and_cidr_networks_of_both_versions(monkeypatch):
    monkeypatch.setenv("HUIFANG_TRUSTED_PROXIES", "10.0.0.2, 10.1.0.0/16,fd00::/8 ,::1")
    assert config.env_addresses("HUIFANG_TRUSTED_PROXIES") == {
        "10.0.0.2/32",
        "10.1.0.0/16",
        "fd00::/8",
        "::1/128",
    }


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("10.0.0.0/33", "'10.0.0.0/33' 不是 IP 地址或网段"),
        ("10.0.0.1/8", "'10.0.0.1/8' 的主机位不为 0，网段请写作 10.0.0.0/8"),
        ("fd00::1/8", "网段请写作 fd00::/8"),
    ],
)
def test_a_bad_trusted_proxy_network_stops_with_one_chinese_line(tmp_path, value, said):
    result = run_settings({"HUIFANG_TRUSTED_PROXIES": f"10.0.0.2,{value}"}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("huifang：配置错误：HUIFANG_TRUSTED_PROXIES：")
    assert said in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_followup_days_must_be_a_positive_whole_number(tmp_path):
    result = run_settings({"HUIFANG_FOLLOWUP_DAYS": "0"}, tmp_path)
    assert result.returncode == 2
    assert "HUIFANG_FOLLOWUP_DAYS" in result.stderr


def test_an_unknown_sms_provider_is_refused(tmp_path):
    result = run_settings({"HUIFANG_SMS_PROVIDER": "pigeon"}, tmp_path)
    assert result.returncode == 2
    assert "HUIFANG_SMS_PROVIDER" in result.stderr


def test_a_short_sms_receipt_token_is_refused(tmp_path):
    result = run_settings({"HUIFANG_SMS_RECEIPT_TOKEN": "short"}, tmp_path)
    assert result.returncode == 2
    assert "HUIFANG_SMS_RECEIPT_TOKEN" in result.stderr


def test_sms_http_params_must_be_a_json_object(tmp_path):
    result = run_settings({"HUIFANG_SMS_HTTP_PARAMS": "[1, 2]"}, tmp_path)
    assert result.returncode == 2
    assert "HUIFANG_SMS_HTTP_PARAMS" in result.stderr


def test_sms_send_hours_must_be_a_window(tmp_path):
    result = run_settings({"HUIFANG_SMS_SEND_HOURS": "eight to nine"}, tmp_path)
    assert result.returncode == 2
    assert "HUIFANG_SMS_SEND_HOURS" in result.stderr


def test_a_public_url_that_is_not_an_address_is_refused(tmp_path):
    result = run_settings({"HUIFANG_PUBLIC_URL": "hf.example.com"}, tmp_path)
    assert result.returncode == 2
    assert "HUIFANG_PUBLIC_URL" in result.stderr


@pytest.mark.parametrize(
    "variable",
    [
        "HUIFANG_UPLOAD_MAX_MB",
        "HUIFANG_XLSX_MAX_UNCOMPRESSED_MB",
        "HUIFANG_XLSX_MAX_RATIO",
        "HUIFANG_API_TOKEN_DAYS",
    ],
)
def test_upload_and_token_limits_must_be_positive(tmp_path, variable):
    result = run_settings({variable: "0"}, tmp_path)
    assert result.returncode == 2
    assert variable in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HUIFANG_DEBUG", "maybe"),
        ("HUIFANG_SECURE_COOKIES", "2"),
        ("HUIFANG_HSTS_SECONDS", "abc"),
        ("HUIFANG_HSTS_SECONDS", "-5"),
        ("HUIFANG_ALLOWED_HOSTS", " , "),
        ("HUIFANG_TRUSTED_PROXIES", "proxy.example.com"),
        ("HUIFANG_DATABASE_URL", "ftp://x/y"),
        ("HUIFANG_SECRET_KEY", "short"),
        ("HUIFANG_LOG_LEVEL", "LOUD"),
        ("HUIFANG_FIELD_KEYS", "AAAA"),
        ("HUIFANG_TASKS_BACKEND", "nonexistent.Backend"),
    ],
)
def test_a_bad_value_stops_with_one_chinese_line_naming_the_variable(variable, value, tmp_path):
    """interfaces.md, Configuration: a value that cannot be understood is a clear Chinese
    error (an operator reads it), one line, exit 2, never a traceback."""
    result = run_settings({variable: value}, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"huifang：配置错误：{variable}")
    assert not re.search(r"\b(is|not|must|use|cannot|give)\b", lines[0]), lines[0]


def test_a_postgres_url_without_a_database_name_is_refused_without_a_traceback(tmp_path):
    result = run_python(
        ["-m", "huifang.cli", "rules", "list"], {"HUIFANG_DATABASE_URL": "postgres://"}, tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "huifang：配置错误：HUIFANG_DATABASE_URL 没有指定数据库名"
        "（如 postgres://用户:密码@主机:端口/库名）"
    )


def test_a_negative_api_rate_limit_stops_with_a_message_naming_the_variable(tmp_path):
    result = run_settings({"HUIFANG_API_RATE_LIMIT": "-1"}, tmp_path)
    assert result.returncode == 2
    assert "HUIFANG_API_RATE_LIMIT" in result.stderr
