"""Configuration from the environment, with safe defaults for the embedded set-up."""
import os
import secrets
from pathlib import Path

ENV_PREFIX = "COMMENTSVC_"

def _flag(raw):
    return str(raw).strip().lower() not in {"0", "false", "no", "off", ""}


# Environment variable (without prefix) -> (Flask config key, default, parser).
# README.md "Configuration" lists every one of them.
ENV_SETTINGS = {
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", None, str),
    "SECRET_KEY": ("SECRET_KEY", None, str),
    "ENV": ("DEPLOY_ENV", "development", str),
    "PUBLIC_URL": ("PUBLIC_URL", "http://127.0.0.1:8080", str),
    "TRUSTED_PROXIES": ("TRUSTED_PROXIES", "0", int),
    "RATELIMIT_ENABLED": ("RATELIMIT_ENABLED", "1", _flag),
    "RATELIMIT_STORAGE_URI": ("RATELIMIT_STORAGE_URI", "memory://", str),
    "RATELIMIT_POST": ("RATELIMIT_POST", "5/minute;50/day", str),
    "RATELIMIT_VOTE": ("RATELIMIT_VOTE", "60/minute;1000/day", str),
    "RATELIMIT_READ": ("RATELIMIT_READ", "300/minute", str),
    "RATELIMIT_SUBSCRIBE": ("RATELIMIT_SUBSCRIBE", "3/minute;10/day", str),
    # Notifications (services/mailer.py, services/outbox.py); SMTP_* override SMTP_URL parts.
    "SMTP_URL": ("SMTP_URL", None, str),
    "MAIL_FROM": ("MAIL_FROM", None, str),
    "SMTP_HOST": ("SMTP_HOST", None, str),
    "SMTP_PORT": ("SMTP_PORT", None, int),
    "SMTP_USER": ("SMTP_USER", None, str),
    "SMTP_PASSWORD": ("SMTP_PASSWORD", None, str),
    "SMTP_TLS": ("SMTP_TLS", None, str),
    "SMTP_TIMEOUT": ("SMTP_TIMEOUT", "20", int),
    "WEBHOOK_TIMEOUT": ("WEBHOOK_TIMEOUT", "10", int),
    "OUTBOX_THREAD": ("OUTBOX_THREAD", "0", _flag),
    "OUTBOX_MAX_ATTEMPTS": ("OUTBOX_MAX_ATTEMPTS", "10", int),
    "OUTBOX_BACKOFF_SECONDS": ("OUTBOX_BACKOFF_SECONDS", "30", int),
    "OUTBOX_BACKOFF_MAX_SECONDS": ("OUTBOX_BACKOFF_MAX_SECONDS", "21600", int),
    "OUTBOX_BATCH_SIZE": ("OUTBOX_BATCH_SIZE", "20", int),
    "OUTBOX_POLL_SECONDS": ("OUTBOX_POLL_SECONDS", "2", int),
    "OUTBOX_LEASE_SECONDS": ("OUTBOX_LEASE_SECONDS", "300", int),
    "OUTBOX_RETENTION_DAYS": ("OUTBOX_RETENTION_DAYS", "7", int),
    "SUBSCRIPTION_CONFIRM_HOURS": ("SUBSCRIPTION_CONFIRM_HOURS", "48", int),
    "IMPORT_MAX_BYTES": ("IMPORT_MAX_BYTES", str(1024 ** 3), int),  # POST /api/admin/import
}


def from_environ(environ=os.environ):
    """Read every COMMENTSVC_* setting, falling back to its default."""
    config = {}
    for env_name, (key, default, parse) in ENV_SETTINGS.items():
        raw = environ.get(ENV_PREFIX + env_name, default)
        if raw is not None:
            config[key] = parse(raw)
    return config


def defaults(instance_path):
    """Settings that are not read from the environment."""
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(instance_path) / 'commentsvc.sqlite3'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_SWALLOW_ERRORS": False,
        "API_TITLE": "commentsvc",
        "API_VERSION": "1.0",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
        "EDIT_WINDOW_SECONDS": 15 * 60,
        "MAX_COMMENT_LENGTH": 10000,
        "MAX_PAGE_SIZE": 100,
    }


def ensure_secret_key(config, instance_path):
    """Use the configured secret, else generate one on first run and persist it.

    A production deployment (COMMENTSVC_ENV=production) must configure the secret:
    a secret that silently changes would invalidate every token and IP hash.
    """
    if config.get("SECRET_KEY"):
        return
    if config.get("DEPLOY_ENV") == "production":
        raise RuntimeError("COMMENTSVC_SECRET_KEY must be set when COMMENTSVC_ENV=production")
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # another worker or an earlier run created it
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    config["SECRET_KEY"] = path.read_text().strip()
