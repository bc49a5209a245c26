"""Staff accounts, login, roles and API tokens."""
