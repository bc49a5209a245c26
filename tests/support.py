"""Plain helpers shared by tests (importable, unlike conftest modules)."""

PASSWORD = "correct horse battery"


def base_config(url: str) -> dict:
    """The settings every test app starts from."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": url,
        "WTF_CSRF_ENABLED": False,
        "ARGON2_CHEAP": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_SERVER": None,
        "SITE_URL": "http://testserver.example",
        "SALES_INBOX": "sales@hiretechtalent.example",
        "TIMEZONE": "America/New_York",
    }


def lead_fields(**overrides) -> dict:
    """Valid hire-form fields; override any."""
    fields = {
        "first_name": "Ana",
        "last_name": "Silva",
        "company": "Northwind Labs",
        "email": "ana@northwind.example",
        "roles": ["Back-end", "DevOps"],
        "headcount": 2,
        "consent": True,
    }
    fields.update(overrides)
    return fields
