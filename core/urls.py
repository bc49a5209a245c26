"""Absolute links for emails, built from SITE_URL (works in the CLI and the sender too)."""

from urllib.parse import urlsplit

from flask import current_app


def absolute_url(endpoint: str, **values) -> str:
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(
        site.netloc, script_name=site.path or "/", url_scheme=site.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)
