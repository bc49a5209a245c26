"""gunicorn's settings for `gunicorn wsgi:app` (read from the working directory). Each can
be changed with an environment variable of the same name in upper case with a GUNICORN_
prefix (GUNICORN_WORKERS=8), or on the command line, which wins."""

import multiprocessing
import os


def _setting(name: str, default):
    raw = os.environ.get(f"GUNICORN_{name.upper()}")
    if raw is None or raw == "":
        return default
    return type(default)(raw) if not isinstance(default, bool) else raw.lower() in ("1", "true")


bind = _setting("bind", "127.0.0.1:8000")
workers = _setting("workers", multiprocessing.cpu_count() * 2 + 1)
threads = _setting("threads", 2)
# A request that takes longer than this is a stuck worker: it is replaced (the database's
# statement timeout, 30 s by default, ends a slow query first).
timeout = _setting("timeout", 45)
graceful_timeout = _setting("graceful_timeout", 20)
keepalive = _setting("keepalive", 5)
# The app is built once in the master and forked: a worker killed with kill -9 is back in
# milliseconds instead of importing everything again. Safe: building the app opens no
# connection (engines connect on first use, in each worker).
preload_app = _setting("preload_app", True)
max_requests = _setting("max_requests", 10_000)
max_requests_jitter = _setting("max_requests_jitter", 1_000)
accesslog = _setting("accesslog", "") or None
errorlog = _setting("errorlog", "-")
