"""Entry point for gunicorn (`gunicorn wsgi:app`) and the flask CLI (`flask --app wsgi`).

gunicorn refuses to start without SECRET_KEY; the flask command (migrations, users, the
sender, and the development server) runs without one, with a key that lives as long as the
process."""

import os

from application.factory import create_app

app = create_app(require_secret_key=os.environ.get("FLASK_RUN_FROM_CLI") != "true")
