"""Django settings. Configure through HUIFANG_* environment variables only (docs/operators.md)."""

from __future__ import annotations

import sys
from pathlib import Path

from huifang.assets import staticfiles_dirs
from huifang.core.config import (
    ConfigError,
    cache,
    data_dir,
    database,
    email,
    env_addresses,
    env_bool,
    env_date,
    env_int,
    env_list,
    env_path,
    field_keys,
    index_key,
    intake_dir,
    log_level,
    public_url,
    secret_key,
    sms,
    tasks_backend,
)

PACKAGE_DIR = Path(__file__).resolve().parent
try:
    # In a source checkout the npm packages sit in the repository root; a wheel built by
    # `make dist` carries the files it serves (STATICFILES_DIRS below). HUIFANG_NODE_MODULES
    # points elsewhere at an npm install.
    NODE_MODULES = env_path("HUIFANG_NODE_MODULES", PACKAGE_DIR.parent.parent / "node_modules")
    DATA_DIR = data_dir()
    SECRET_KEY = secret_key(DATA_DIR)
    # Personal data at rest (core.fieldcrypt): AES-GCM keys, the first encrypting; the
    # blind-index HMAC key.
    FIELD_KEYS = field_keys(DATA_DIR)
    INDEX_KEY = index_key(DATA_DIR)
    DEBUG = env_bool("HUIFANG_DEBUG", False)
    ALLOWED_HOSTS = env_list("HUIFANG_ALLOWED_HOSTS", "localhost,127.0.0.1")
    DATABASES = {"default": database(DATA_DIR)}
    SESSION_COOKIE_AGE = env_int("HUIFANG_SESSION_MINUTES", 30, minimum=1) * 60
    # However active, a session ends this long after its login (core.middleware).
    SESSION_MAX_HOURS = env_int("HUIFANG_SESSION_MAX_HOURS", 12, minimum=1)
    # A password older than this must be changed at the next page (0: no expiry).
    PASSWORD_DAYS = env_int("HUIFANG_PASSWORD_DAYS", 0, minimum=0)
    # HQ admins must confirm each login with a TOTP code (两步验证) when on (org/otp.py).
    TOTP_REQUIRED = env_bool("HUIFANG_TOTP_REQUIRED", False)
    # A demo installation (`make run`): passwords given at the command line and the demo's
    # printed ones are used as they are; off, those users change them at the first login.
    DEMO = env_bool("HUIFANG_DEMO", False)
    # Signed partner requests per partner per minute (429 beyond; 0: no limit).
    PARTNER_RATE_LIMIT = env_int("HUIFANG_PARTNER_RATE_LIMIT", 60_000, minimum=0)
    # REST API requests per user (token or session) per minute (429 beyond; 0: no limit).
    API_RATE_LIMIT = env_int("HUIFANG_API_RATE_LIMIT", 6_000, minimum=0)
    CSRF_TRUSTED_ORIGINS = env_list("HUIFANG_CSRF_TRUSTED_ORIGINS", "http://localhost")
    SECURE_COOKIES = env_bool("HUIFANG_SECURE_COOKIES", False)
    HSTS_SECONDS = env_int("HUIFANG_HSTS_SECONDS", 31_536_000)
    # Reverse proxies whose X-Forwarded-For is believed (audit rows, rate limits, lockout).
    TRUSTED_PROXIES = env_addresses("HUIFANG_TRUSTED_PROXIES")
    AXES_FAILURE_LIMIT = env_int("HUIFANG_LOGIN_FAILURE_LIMIT", 5, minimum=1)
    # Days a REST API token works after it was made (a password change ends it at once).
    API_TOKEN_DAYS = env_int("HUIFANG_API_TOKEN_DAYS", 90, minimum=1)
    # Uploads: the size limit of an uploaded file, and how far an .xlsx may expand when
    # unzipped (in total, and as a multiple of its size) before anything parses it.
    UPLOAD_MAX_MB = env_int("HUIFANG_UPLOAD_MAX_MB", 512, minimum=1)
    XLSX_MAX_UNCOMPRESSED_MB = env_int("HUIFANG_XLSX_MAX_UNCOMPRESSED_MB", 256, minimum=1)
    XLSX_MAX_RATIO = env_int("HUIFANG_XLSX_MAX_RATIO", 100, minimum=2)
    # Processes that read and validate one big CSV import file, each a part of it.
    IMPORT_PROCESSES = env_int("HUIFANG_IMPORT_PROCESSES", 2, minimum=1)
    # 显示号码: reveals of a task customer's numbers per agent in any sliding hour.
    TASK_REVEALS_PER_HOUR = env_int("HUIFANG_TASK_REVEALS_PER_HOUR", 30, minimum=1)
    # 合规核查: days a branch follow-up may stay without a handling note or a measure.
    FOLLOWUP_DAYS = env_int("HUIFANG_FOLLOWUP_DAYS", 5, minimum=1)
    # 合规核查: the day the exchanges' rule for traders aged 70 took effect (SHFE/INE); a
    # customer already 70 then is due by the end of the month after it.
    ELDERLY_RULE_FROM = env_date("HUIFANG_ELDERLY_RULE_FROM", "2024-05-10")
    # Live job progress goes through the cache so that a job inside one long transaction
    # can still report it (the Job row is only written outside transactions).
    CACHES = {"default": cache(DATA_DIR)}
    TASKS_BACKEND = tasks_backend()
    LOG_LEVEL = log_level()
    # 短信: provider, sending window, quota, receipt token, credentials (docs/operators.md).
    SMS = sms()
    # Where customers open the H5 questionnaire: the SMS variable 问卷链接 (docs/operators.md).
    PUBLIC_URL = public_url()
    # 自动导入: drop folders per dataset under this root (None: off), and how long a file
    # must have been left unchanged before it is taken (docs/operators.md).
    INTAKE_DIR = intake_dir()
    INTAKE_SETTLE_SECONDS = env_int("HUIFANG_INTAKE_SETTLE_SECONDS", 60, minimum=0)
    # The worker seals the audit log's new rows into the hash chain this often (0: cron's
    # ``huifang audit seal`` does it; core/tasks.py).
    AUDIT_SEAL_MINUTES = env_int("HUIFANG_AUDIT_SEAL_MINUTES", 5, minimum=0)
    # 站内消息 by e-mail: SMTP server, each message and/or a daily digest (docs/operators.md).
    NOTIFY_EMAIL = email()
    EMAIL_HOST = NOTIFY_EMAIL["HOST"]
    EMAIL_PORT = NOTIFY_EMAIL["PORT"]
    EMAIL_HOST_USER = NOTIFY_EMAIL["USER"]
    EMAIL_HOST_PASSWORD = NOTIFY_EMAIL["PASSWORD"]
    EMAIL_USE_TLS = NOTIFY_EMAIL["USE_TLS"]
    EMAIL_USE_SSL = NOTIFY_EMAIL["USE_SSL"]
    EMAIL_TIMEOUT = NOTIFY_EMAIL["TIMEOUT"]
    DEFAULT_FROM_EMAIL = NOTIFY_EMAIL["FROM"]
except ConfigError as exc:
    sys.stderr.write(f"huifang：配置错误：{exc}\n")
    raise SystemExit(2) from exc

INSTALLED_APPS = [
    # Before django.contrib.auth: its commands (createsuperuser) win over Django's.
    "huifang.overrides",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "django_tasks",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "huifang.core",
    "django_tasks_db",  # after huifang.core, whose db_worker (outliving a locked database) wins
    "huifang.org",
    "huifang.partners",
    "huifang.customers",
    "huifang.rules",
    "huifang.callbacks",
    "huifang.callbacks.records",
    "huifang.surveys",
    "huifang.reports",
    "huifang.channels.sms",
    "huifang.channels.calls",
    "huifang.automation",
    "huifang.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Personal data stays out of browser and proxy caches (static files are served above).
    "huifang.core.middleware.NoStoreMiddleware",
    # The signed partner endpoints (/api/v1/callcenter/, /apphall/, /sms/) go from here
    # through a short chain of their own (core.middleware.PARTNER_MIDDLEWARE): no session,
    # CSRF, user, messages, second factor … which a signed JSON endpoint never uses.
    "huifang.core.middleware.PartnerPathMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "huifang.core.middleware.SessionLifetimeMiddleware",
    "huifang.org.otp.SecondFactorMiddleware",
    "huifang.core.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "huifang.core.middleware.AuditContextMiddleware",
    # Input no form bounded (an id too large for an integer, a NUL in a text): 400, not 500.
    "huifang.core.middleware.BadInputMiddleware",
    # A page address asked with a method it does not take: a Chinese 405 page, not a blank one.
    "huifang.core.middleware.MethodNotAllowedMiddleware",
    # Every page needs a login unless its view says ``@login_not_required`` (the login page,
    # logout, the health check); the API authenticates itself and answers 401/403 as JSON.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "huifang.urls"
WSGI_APPLICATION = "huifang.wsgi.application"
AUTH_USER_MODEL = "org.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "huifang.core.context_processors.navigation",
            ],
        },
    },
]

# Django's form templates, with <select> written in Python (core/renderers.py).
FORM_RENDERER = "huifang.core.renderers.Renderer"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "huifang.org.passwords.ChineseMinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "huifang.org.passwords.NoUsernameValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_COOLOFF_TIME = 0.5  # hours
# A lock holds one username from one address: failures from an attacker's address cannot
# lock the account for its owner elsewhere (nor hq_admin for everyone).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"

SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
CSRF_FAILURE_VIEW = "huifang.core.errors.csrf_failure"  # Chinese, in the layout
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_COOKIES else None
# Behind HTTPS: plain HTTP is redirected (the load balancer's health check exempt) and
# browsers are told to come back over HTTPS only.
SECURE_SSL_REDIRECT = SECURE_COOKIES
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = HSTS_SECONDS if SECURE_COOKIES else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_COOKIES
SECURE_HSTS_PRELOAD = SECURE_COOKIES
AXES_CLIENT_IP_CALLABLE = "huifang.core.middleware.client_ip"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Tabler, its icons and ECharts: from node_modules in a checkout, else the copies an
# installed wheel carries (huifang/assets.py, `make dist`).
STATICFILES_DIRS = staticfiles_dirs(NODE_MODULES, PACKAGE_DIR / "static" / "vendor")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "files"
MEDIA_URL = "/files/"
FILE_UPLOAD_TEMP_DIR = None
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": TASKS_BACKEND, "QUEUES": ["default"]}}

# A list filter's empty choice reads 全部 (django-filter's default is "---------").
FILTERS_EMPTY_CHOICE_LABEL = "全部"

REST_FRAMEWORK = {
    # The token first: its WWW-Authenticate header makes "no credentials" a 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "huifang.org.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "EXCEPTION_HANDLER": "huifang.core.api_errors.exception_handler",
    "DEFAULT_PERMISSION_CLASSES": ["huifang.core.permissions.ModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": ["huifang.core.filtersets.FilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        "huifang.core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # At most API_RATE_LIMIT requests per user a minute (partner endpoints: their own).
    "DEFAULT_THROTTLE_CLASSES": ["huifang.core.ratelimit.ApiRateLimit"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "huifang.core.api_autoschema.HuifangSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Huifang 回访 API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "huifang.core.api_schema.add_error_responses",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "DistributionModeEnum": "huifang.callbacks.choices.DistributionMode",
        "PlanModeEnum": "huifang.automation.models.PlanMode",
    },
}

# 两步验证: the name an authenticator app shows beside the code (org/otp.py).
OTP_TOTP_ISSUER = "回访 Huifang"

DJANGO_TABLES2_TEMPLATE = "core/table.html"
DJANGO_TABLES2_PAGE_RANGE = 8

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"axes": {"level": "WARNING"}},
}
