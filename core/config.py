"""Configuration read from the environment (and `.env` in development), inside a function so
that importing the app never depends on the process environment. Pure."""

import os
from collections.abc import Mapping

DEFAULT_LEAD_ROLES = ("Back-end", "Front-end", "Full-stack", "Mobile", "QA", "DevOps", "Data")
TRUE_WORDS = {"true", "1", "yes"}
FALSE_WORDS = {"false", "0", "no"}


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names it."""


def parse_bool(name: str, raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be one of true/false/1/0/yes/no, not {raw!r}")


def parse_list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, not {raw!r}") from None


DEFAULTS: dict[str, object] = {
    "DATABASE_URL": None,
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_TIMEOUT": 30.0,
    "MAIL_DEFAULT_SENDER": "Hire Tech Talent <no-reply@hiretechtalent.example>",
    "SALES_INBOX": "sales@hiretechtalent.example",
    "TIMEZONE": "UTC",
    "CURRENCY": "USD",
    "COMPANY_DOMAINS": [],
    "LEAD_ROLES": list(DEFAULT_LEAD_ROLES),
    "REPLY_WITHIN_HOURS": 24,
    "FIRST_CONTACT_HOURS": 4.0,
    "BOOKING_URL": None,
    "TERMS_VERSION": "2026-01",
    "CONSENT_VERSION": "2026-01",
    "PHONE_DEFAULT_REGION": "US",
    "ROUND_ROBIN": True,
    "FORM_MIN_SECONDS": 3.0,
    "PUBLIC_RATE_LIMIT": "10/minute",
    "LOGIN_RATE_LIMIT": "10/minute",
    "RATELIMIT_STORAGE_URI": "memory://",
    "TRUSTED_PROXIES": 0,
    "SESSION_COOKIE_SECURE": False,
    "SITE_ORIGINS": [],
    "OUTBOX_RETRY_SECONDS": 60,
    "OUTBOX_MAX_TRIES": 8,
    "SITE_URL": "http://127.0.0.1:5000",
    "GUARANTEE_GRACE_DAYS": 0,
    "INVOICE_OVERDUE_DAYS": 30,
    "COMMISSION_RATE_BP": 1000,
    "COMMISSION_MONTHS": 12,
    "COMMISSION_BONUS_CENTS": 0,
    "PAYOUT_THRESHOLD_CENTS": 10000,
    "TAX_FORM_THRESHOLD_CENTS": 200000,
    "COMMISSION_HOLD_DAYS": 7,
    "COMMISSION_CAP_CENTS": None,
    "DATABASE_CONNECT_TIMEOUT": 5.0,
    "DATABASE_STATEMENT_TIMEOUT": 30.0,
    "SQLITE_BUSY_TIMEOUT": 15.0,
    "SESSION_IDLE_MINUTES": 60,
    "SESSION_MAX_HOURS": 12,
    "MFA_REQUIRED_ROLES": ["admin", "finance"],
    "WEBHOOK_MAX_TRIES": 8,
    "WEBHOOK_TIMEOUT_SECONDS": 10.0,
    "WEBHOOK_ALLOW_HTTP": False,
    "WEBHOOK_ALLOW_PRIVATE": False,
}

BOOL_KEYS = {
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "ROUND_ROBIN",
    "SESSION_COOKIE_SECURE",
    "WEBHOOK_ALLOW_HTTP",
    "WEBHOOK_ALLOW_PRIVATE",
}
INT_KEYS = {
    "MAIL_PORT",
    "REPLY_WITHIN_HOURS",
    "TRUSTED_PROXIES",
    "OUTBOX_RETRY_SECONDS",
    "OUTBOX_MAX_TRIES",
    "GUARANTEE_GRACE_DAYS",
    "INVOICE_OVERDUE_DAYS",
    "COMMISSION_RATE_BP",
    "COMMISSION_MONTHS",
    "COMMISSION_BONUS_CENTS",
    "PAYOUT_THRESHOLD_CENTS",
    "TAX_FORM_THRESHOLD_CENTS",
    "COMMISSION_HOLD_DAYS",
    "COMMISSION_CAP_CENTS",
    "SESSION_IDLE_MINUTES",
    "SESSION_MAX_HOURS",
    "WEBHOOK_MAX_TRIES",
}
LIST_KEYS = {"COMPANY_DOMAINS", "LEAD_ROLES", "SITE_ORIGINS", "MFA_REQUIRED_ROLES"}
EMPTY_MEANS_NONE = {"MFA_REQUIRED_ROLES"}
"""Lists where an empty value is a choice (no roles), not "use the default"."""
FLOAT_KEYS = {
    "FIRST_CONTACT_HOURS",
    "FORM_MIN_SECONDS",
    "MAIL_TIMEOUT",
    "DATABASE_CONNECT_TIMEOUT",
    "DATABASE_STATEMENT_TIMEOUT",
    "SQLITE_BUSY_TIMEOUT",
    "WEBHOOK_TIMEOUT_SECONDS",
}


def load_config(environ: Mapping[str, str] | None = None) -> dict[str, object]:
    """Settings from `environ` (the process environment by default) over DEFAULTS."""
    environ = os.environ if environ is None else environ
    config: dict[str, object] = {}
    for key, default in DEFAULTS.items():
        raw = environ.get(key)
        if raw == "" and key in EMPTY_MEANS_NONE:
            config[key] = []
        elif raw is None or raw == "":
            config[key] = default
        elif key in BOOL_KEYS:
            config[key] = parse_bool(key, raw)
        elif key in INT_KEYS:
            config[key] = _int(key, raw)
        elif key in FLOAT_KEYS:
            try:
                config[key] = float(raw)
            except ValueError:
                raise ConfigError(f"{key} must be a number, not {raw!r}") from None
        elif key in LIST_KEYS:
            config[key] = parse_list(raw)
        else:
            config[key] = raw
    config["SECRET_KEY"] = environ.get("SECRET_KEY") or None
    config["DEBUG"] = parse_bool("FLASK_DEBUG", environ.get("FLASK_DEBUG", "false"))
    return config
