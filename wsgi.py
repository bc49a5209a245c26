"""Entry point for gunicorn (`gunicorn wsgi:app`) and the flask CLI (`flask --app wsgi`).

Under gunicorn (its arbiter sets SERVER_SOFTWARE before it loads the app) the app refuses to
start half-configured: no SECRET_KEY of at least 32 characters, or no RATELIMIT_STORAGE_URI.
The flask command (migrations, users, the sender, the development server) and scripts that
import the app run without them, with a key that lives as long as the process."""

import os

from application.factory import create_app

app = create_app(require_secret_key=os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/"))
