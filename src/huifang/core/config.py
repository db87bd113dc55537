"""Typed settings from ``HUIFANG_*`` environment variables.

Every value is read here and nowhere else. A value that cannot be understood stops the
process with a message naming the variable: a back-office system must fail closed rather
than start with a guess.
"""

from __future__ import annotations

import base64
import datetime
import importlib.util
import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url


class ConfigError(Exception):
    """A HUIFANG_* variable is missing or invalid."""


TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ConfigError(f"{name}={raw!r} 不是开关值：请用 1/0、true/false、yes/no 或 on/off")


def env_list(name: str, default: str) -> list[str]:
    raw = os.environ.get(name, default)
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ConfigError(f"{name} 为空：请至少给出一个值（多个值用逗号分隔）")
    return items


def env_addresses(name: str) -> frozenset[str]:
    """A comma-separated list of IP addresses or networks in CIDR notation (IPv4 or IPv6,
    ``10.0.0.2``, ``10.0.0.0/8``, ``fd00::/8``; empty by default), each checked and given
    back as a network (``10.0.0.2/32``). A network with host bits set (``10.0.0.1/8``) is
    refused: it is ambiguous."""
    import ipaddress

    raw = os.environ.get(name, "")
    networks = []
    for item in (item.strip() for item in raw.split(",")):
        if not item:
            continue
        try:
            networks.append(str(ipaddress.ip_network(item)))
        except ValueError:
            try:
                loose = ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ConfigError(
                    f"{name}：{item!r} 不是 IP 地址或网段（如 10.0.0.2、10.0.0.0/8、fd00::/8）"
                ) from None
            raise ConfigError(f"{name}：{item!r} 的主机位不为 0，网段请写作 {loose}") from None
    return frozenset(networks)


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} 不是整数") from exc
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} 不能小于 {minimum}")
    return value


def env_date(name: str, default: str) -> datetime.date:
    """A date written YYYY-MM-DD (``default`` when unset or empty)."""
    raw = os.environ.get(name, "").strip() or default
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} 不是日期：请写作 YYYY-MM-DD，如 {default}") from None


def env_path(name: str, default: Path) -> Path:
    """A directory or file path (``~`` expanded); ``default`` when unset or empty."""
    raw = os.environ.get(name, "").strip()
    return Path(raw).expanduser() if raw else default


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def log_level() -> str:
    raw = os.environ.get("HUIFANG_LOG_LEVEL", "").strip()
    if not raw:
        return "INFO"
    if raw.upper() not in LOG_LEVELS:
        raise ConfigError(f"HUIFANG_LOG_LEVEL={raw!r} 无效：可选 {'、'.join(LOG_LEVELS)}")
    return raw.upper()


def cache(directory: Path) -> dict:
    """``HUIFANG_CACHE_URL`` (``redis://…``, shared by several machines) as Django's default
    cache; without it a file cache in the data dir, shared by one machine's processes."""
    url = os.environ.get("HUIFANG_CACHE_URL", "").strip()
    if not url:
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(directory / "cache"),
        }
    if urlparse(url).scheme not in ("redis", "rediss", "unix"):
        raise ConfigError(
            f"HUIFANG_CACHE_URL={url!r} 无效：应为 redis://、rediss:// 或 unix:// 地址"
        )
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}


def tasks_backend() -> str:
    """The django-tasks backend (dotted path): the database queue unless a test or a
    development setup names another (``django_tasks.backends.immediate.ImmediateBackend``)."""
    raw = os.environ.get("HUIFANG_TASKS_BACKEND", "").strip()
    if not raw:
        return "django_tasks_db.DatabaseBackend"
    if "." not in raw or not all(part.isidentifier() for part in raw.split(".")):
        raise ConfigError(f"HUIFANG_TASKS_BACKEND={raw!r} 不是以点分隔的 Python 路径")
    module = raw.rsplit(".", 1)[0]
    try:
        found = importlib.util.find_spec(module) is not None
    except ImportError:  # a parent package is missing
        found = False
    if not found:
        raise ConfigError(f"HUIFANG_TASKS_BACKEND={raw!r}：找不到模块 {module}")
    return raw


def data_dir() -> Path:
    path = Path(os.environ.get("HUIFANG_DATA_DIR") or "./var").expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"HUIFANG_DATA_DIR={str(path)!r} 无法创建：{exc.strerror or exc}"
        ) from exc
    return path


def secret_key(directory: Path) -> str:
    """The key from the environment, else one generated once into the data dir (mode 600)."""
    key = os.environ.get("HUIFANG_SECRET_KEY", "").strip()
    if key:
        if len(key) < 32:
            raise ConfigError("HUIFANG_SECRET_KEY 太短：至少 32 个字符")
        return key
    path = directory / "secret_key"
    if path.exists():
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= 32:
            return key
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


def _key_file(directory: Path, name: str) -> str:
    """A key generated once into the data dir (mode 600), as the secret key is."""
    path = directory / name
    if path.exists():
        text = path.read_text(encoding="ascii").strip()
        if text:
            return text
    text = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)
    return text


def _key(name: str, text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise ConfigError(f"{name}：{text[:6]}… 不是 base64 编码") from exc
    if len(key) != 32:
        raise ConfigError(f"{name}：每个密钥须为 32 字节（44 个 base64 字符）")
    return key


def field_keys(directory: Path) -> list[bytes]:
    """``HUIFANG_FIELD_KEYS``: the keys personal data is encrypted with, comma-separated
    base64 (``huifang keys generate``); the first encrypts, every one decrypts (rotation).
    Unset: one key generated once into the data dir (``field_keys``)."""
    raw = os.environ.get("HUIFANG_FIELD_KEYS", "").strip() or _key_file(directory, "field_keys")
    keys = [_key("HUIFANG_FIELD_KEYS", part.strip()) for part in raw.split(",") if part.strip()]
    if not keys:
        raise ConfigError("HUIFANG_FIELD_KEYS 中没有密钥")
    return keys


def index_key(directory: Path) -> bytes:
    """``HUIFANG_INDEX_KEY``: the HMAC key of the blind indexes that make exact search of
    encrypted ID numbers and mobiles possible. It never rotates with the field keys.
    Unset: generated once into the data dir (``index_key``)."""
    raw = os.environ.get("HUIFANG_INDEX_KEY", "").strip() or _key_file(directory, "index_key")
    return _key("HUIFANG_INDEX_KEY", raw)


SUPPORTED_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql", "mysql", "oracle"}
# The driver each engine imports, and the package that installs it: a URL for an engine
# whose driver is missing stops here with that name, not with Django's traceback later.
DRIVERS = {
    "django.db.backends.postgresql": (("psycopg", "psycopg2"), "psycopg"),
    "django.db.backends.mysql": (("MySQLdb",), "mysqlclient"),
    "django.db.backends.oracle": (("oracledb",), "oracledb"),
}


def database(directory: Path) -> dict:
    """``HUIFANG_DATABASE_URL`` as a Django DATABASES entry; SQLite in WAL mode by default."""
    url = os.environ.get("HUIFANG_DATABASE_URL", "").strip()
    if not url:
        url = f"sqlite:///{directory / 'huifang.sqlite3'}"
    scheme = urlparse(url).scheme
    if scheme not in SUPPORTED_SCHEMES:
        raise ConfigError(
            f"HUIFANG_DATABASE_URL 的协议 {scheme!r} 不受支持："
            "请用 sqlite:///路径 或 postgres://用户:密码@主机:端口/库名"
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=0)
    except ValueError as exc:
        raise ConfigError(f"HUIFANG_DATABASE_URL 无法解析：{exc}") from exc
    modules, package = DRIVERS.get(config["ENGINE"], ((), ""))
    if modules and not any(importlib.util.find_spec(module) for module in modules):
        raise ConfigError(
            f"HUIFANG_DATABASE_URL 使用 {scheme}，但未安装其驱动：请运行 pip install {package}"
        )
    named = config.get("NAME") or config.get("OPTIONS", {}).get("service")  # libpq's service file
    if config["ENGINE"] != "django.db.backends.sqlite3" and not named:
        raise ConfigError(
            f"HUIFANG_DATABASE_URL 没有指定数据库名（如 {scheme}://用户:密码@主机:端口/库名）"
        )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if not config.get("NAME"):
            raise ConfigError("HUIFANG_DATABASE_URL 没有指定 SQLite 文件")
        config["OPTIONS"] = {
            # Memory per connection stays bounded whatever a file holds: a 200 MB page
            # cache, 256 MB of the file mapped, and temporary tables (an import's stage of
            # millions of rows) in temporary files rather than in memory.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA busy_timeout=30000; PRAGMA temp_store=FILE; "
                "PRAGMA cache_size=-200000; PRAGMA mmap_size=268435456;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
    # Connections live for a minute: a list page on a fresh SQLite connection re-reads the
    # schema and every page it touches (~80 ms more at 1M tasks than on a warm one).
    config["CONN_MAX_AGE"] = 60
    config["CONN_HEALTH_CHECKS"] = True
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Django's, with a health check that polls the socket instead of a SELECT 1 round
        # trip per request (core/postgresql/base.py).
        config["ENGINE"] = "huifang.core.postgresql"
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        # Django's, with SQLite's memory statistics off: their process-wide lock made two
        # threads' statements (a screening in parts) cost 60 % more CPU each
        # (core/sqlite3/base.py).
        config["ENGINE"] = "huifang.core.sqlite3"
    if config["ENGINE"] != "huifang.core.sqlite3":
        # Tests of parallel runs (a developer and CI on one machine) use their own name.
        test_name = os.environ.get("HUIFANG_TEST_DATABASE_NAME")
        if test_name:
            config["TEST"] = {"NAME": test_name}
    return config


def intake_dir() -> Path | None:
    """``HUIFANG_INTAKE_DIR``: the root of the drop folders of scheduled intake (自动导入),
    one sub-folder per dataset; None (intake off) when unset or empty."""
    raw = os.environ.get("HUIFANG_INTAKE_DIR", "").strip()
    if not raw:
        return None
    path = Path(raw).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise ConfigError(f"HUIFANG_INTAKE_DIR={raw!r} 不是目录")
    return path


SMS_PROVIDERS = ("file", "aliyun", "tencent", "http")


def public_url() -> str:
    """``HUIFANG_PUBLIC_URL``: the address customers' phones open Huifang's H5 pages at
    (``https://hf.example.com``; the SMS variable 问卷链接 is it + ``/q/<token>``). Empty when
    not set: a message that needs a link then refuses to be queued."""
    raw = os.environ.get("HUIFANG_PUBLIC_URL", "").strip().rstrip("/")
    if raw and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", raw):
        raise ConfigError(
            f"HUIFANG_PUBLIC_URL={raw!r} 不是 http(s) 地址（如 https://hf.example.com）"
        )
    return raw


def _hours(name: str, default: str) -> tuple[str, str]:
    raw = os.environ.get(name, "").strip() or default
    match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)", raw)
    if not match or raw.split("-")[0] >= raw.split("-")[1]:
        raise ConfigError(f"{name}={raw!r} 不是时段（如 08:00-21:00，开始早于结束）")
    start, end = raw.split("-")
    return start, end


def sms() -> dict:
    """The SMS channel (``HUIFANG_SMS_*``): provider, sending window, daily quota, the
    客服电话 templates may show, the secret path token of the cloud providers' receipt
    URLs and each provider's credentials (never stored in the database)."""
    provider = os.environ.get("HUIFANG_SMS_PROVIDER", "").strip().lower() or "file"
    if provider not in SMS_PROVIDERS:
        raise ConfigError(
            f"HUIFANG_SMS_PROVIDER={provider!r} 无效：可选 {'、'.join(SMS_PROVIDERS)}"
        )
    token = os.environ.get("HUIFANG_SMS_RECEIPT_TOKEN", "").strip()
    if token and len(token) < 16:
        raise ConfigError("HUIFANG_SMS_RECEIPT_TOKEN 太短：至少 16 个字符")
    method = os.environ.get("HUIFANG_SMS_HTTP_METHOD", "").strip().upper() or "POST"
    if method not in ("GET", "POST"):
        raise ConfigError(f"HUIFANG_SMS_HTTP_METHOD={method!r} 无效：应为 GET 或 POST")
    import json

    raw_params = os.environ.get("HUIFANG_SMS_HTTP_PARAMS", "").strip()
    try:
        params = (
            json.loads(raw_params) if raw_params else {"mobile": "{mobile}", "content": "{text}"}
        )
    except ValueError as exc:
        raise ConfigError(f"HUIFANG_SMS_HTTP_PARAMS 不是有效的 JSON：{exc}") from exc
    if not isinstance(params, dict):
        raise ConfigError("HUIFANG_SMS_HTTP_PARAMS 须为 JSON 对象（参数名 → 值）")
    start, end = _hours("HUIFANG_SMS_SEND_HOURS", "08:00-21:00")
    env = os.environ.get
    return {
        "PROVIDER": provider,
        "SEND_START": start,
        "SEND_END": end,
        "DAILY_QUOTA": env_int("HUIFANG_SMS_DAILY_QUOTA", 200_000, minimum=0),
        "SERVICE_PHONE": env("HUIFANG_SMS_SERVICE_PHONE", "").strip(),
        "RECEIPT_TOKEN": token,
        "ALIYUN_ACCESS_KEY_ID": env("HUIFANG_SMS_ALIYUN_ACCESS_KEY_ID", "").strip(),
        "ALIYUN_ACCESS_KEY_SECRET": env("HUIFANG_SMS_ALIYUN_ACCESS_KEY_SECRET", "").strip(),
        "ALIYUN_ENDPOINT": env("HUIFANG_SMS_ALIYUN_ENDPOINT", "").strip()
        or "dysmsapi.aliyuncs.com",
        "TENCENT_SECRET_ID": env("HUIFANG_SMS_TENCENT_SECRET_ID", "").strip(),
        "TENCENT_SECRET_KEY": env("HUIFANG_SMS_TENCENT_SECRET_KEY", "").strip(),
        "TENCENT_SDK_APP_ID": env("HUIFANG_SMS_TENCENT_SDK_APP_ID", "").strip(),
        "TENCENT_REGION": env("HUIFANG_SMS_TENCENT_REGION", "").strip() or "ap-guangzhou",
        "HTTP_URL": env("HUIFANG_SMS_HTTP_URL", "").strip(),
        "HTTP_METHOD": method,
        "HTTP_PARAMS": params,
        "HTTP_SUCCESS": env("HUIFANG_SMS_HTTP_SUCCESS", "").strip() or "code == 0",
        "HTTP_ID_FIELD": env("HUIFANG_SMS_HTTP_ID_FIELD", "").strip() or "id",
    }


def email() -> dict:
    """E-mail of 站内消息 (``HUIFANG_EMAIL_*``): the SMTP server Django's ``EMAIL_*`` settings
    take, whether each message is also e-mailed (``HUIFANG_EMAIL_NOTIFICATIONS``) and
    (only the kinds ``HUIFANG_EMAIL_KINDS`` names, when it names some) and
    whether a daily digest of the unread ones is (``HUIFANG_EMAIL_DIGEST``), to the users
    who have an e-mail address. Either switch on without ``HUIFANG_EMAIL_HOST`` stops."""
    env = os.environ.get
    host = env("HUIFANG_EMAIL_HOST", "").strip()
    each = env_bool("HUIFANG_EMAIL_NOTIFICATIONS", False)
    digest = env_bool("HUIFANG_EMAIL_DIGEST", False)
    if (each or digest) and not host:
        raise ConfigError(
            "开启 HUIFANG_EMAIL_NOTIFICATIONS 或 HUIFANG_EMAIL_DIGEST 须同时设置 "
            "HUIFANG_EMAIL_HOST（SMTP 服务器）"
        )
    use_tls = env_bool("HUIFANG_EMAIL_USE_TLS", False)
    use_ssl = env_bool("HUIFANG_EMAIL_USE_SSL", False)
    if use_tls and use_ssl:
        raise ConfigError("HUIFANG_EMAIL_USE_TLS 与 HUIFANG_EMAIL_USE_SSL 不能同时开启")
    digest_hour = env_int("HUIFANG_EMAIL_DIGEST_HOUR", 8, minimum=0)
    if digest_hour > 23:
        raise ConfigError(f"HUIFANG_EMAIL_DIGEST_HOUR={digest_hour} 不是小时数（0–23）")
    sender = env("HUIFANG_EMAIL_FROM", "").strip() or "huifang@localhost"
    if "@" not in sender:
        raise ConfigError(f"HUIFANG_EMAIL_FROM={sender!r} 不是电子邮件地址")
    return {
        "HOST": host or "localhost",
        "PORT": env_int("HUIFANG_EMAIL_PORT", 465 if use_ssl else 25, minimum=1),
        "USER": env("HUIFANG_EMAIL_USER", "").strip(),
        "PASSWORD": env("HUIFANG_EMAIL_PASSWORD", ""),
        "USE_TLS": use_tls,
        "USE_SSL": use_ssl,
        "FROM": sender,
        "TIMEOUT": env_int("HUIFANG_EMAIL_TIMEOUT", 10, minimum=1),
        "NOTIFICATIONS": each,
        # HUIFANG_EMAIL_KINDS: which kinds of 站内消息 are mailed (codes, comma-separated;
        # empty: every kind); the automation app checks the codes (``huifang check``).
        "KINDS": tuple(
            sorted({k.strip() for k in env("HUIFANG_EMAIL_KINDS", "").split(",") if k.strip()})
        ),
        "DIGEST": digest,
        "DIGEST_HOUR": digest_hour,
    }
