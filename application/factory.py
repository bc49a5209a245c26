"""The application factory, built from register_* steps: the top of the package stack, the one
place that knows every package (blueprints, CLI groups, signal receivers, error handlers)."""

import logging
import os
import secrets
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from core.config import ConfigError, load_config
from core.db import database_url, engine_options
from core.extensions import csrf, db, limiter, login_manager, mail, migrate

app_log = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parent.parent
MAX_BODY_BYTES = 1024 * 1024


def create_app(
    test_config: dict | None = None,
    instance_path: str | None = None,
    require_secret_key: bool = True,
) -> Flask:
    app = Flask(
        "core",
        root_path=str(PROJECT_ROOT),
        instance_path=instance_path or str(PROJECT_ROOT / "instance"),
        template_folder="templates",
        static_folder="static",
    )
    configure(app, test_config or {}, require_secret_key)
    register_input_guard(app)
    register_extensions(app)
    register_blueprints(app)
    connect_receivers()
    register_security(app)
    register_error_pages(app)
    register_template_helpers(app)
    return app


def configure(app: Flask, overrides: dict, require_secret_key: bool) -> None:
    settings = load_config()
    settings.update(overrides)
    production = require_secret_key and not (settings.get("DEBUG") or settings.get("TESTING"))
    if production:
        _check_production_settings(settings, overrides)
    if not settings.get("SECRET_KEY"):
        # Debugging, tests and the flask command: nothing signed outlives the process.
        settings["SECRET_KEY"] = secrets.token_hex(32)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    url = database_url(settings.pop("DATABASE_URL", None), app.instance_path)
    app.config.update(settings)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(
            url,
            settings["DATABASE_CONNECT_TIMEOUT"],
            settings["DATABASE_STATEMENT_TIMEOUT"],
            settings["SQLITE_BUSY_TIMEOUT"],
        ),
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=app.config["SESSION_COOKIE_SECURE"],
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_HEADERS_ENABLED=False,
        MAIL_SUPPRESS_SEND=False,
    )
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


MIN_SECRET_KEY_LENGTH = 32


def _check_production_settings(settings: dict, overrides: dict) -> None:
    """The production entry point (gunicorn) refuses to start half-configured (SPEC §11,
    §14): a short or missing SECRET_KEY, or rate budgets left per process by default."""
    key = settings.get("SECRET_KEY") or ""
    if not key:
        raise ConfigError("SECRET_KEY is required (set it in the environment or .env)")
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters")
    if not (overrides.get("RATELIMIT_STORAGE_URI") or os.environ.get("RATELIMIT_STORAGE_URI")):
        raise ConfigError(
            "RATELIMIT_STORAGE_URI is required: redis://host:6379/0 so that every process "
            "shares the rate budgets, or memory:// to accept a budget per process"
        )


def register_input_guard(app: Flask) -> None:
    from core.input_guard import register

    register(app)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    _never_fail_in_teardown(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    mail.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"


def _never_fail_in_teardown(app: Flask) -> None:
    """Flask-SQLAlchemy removes the request's session when the app context ends; on a
    connection that dropped meanwhile that can raise, and an exception there would replace
    an answer already built (a 201) with the server's bare 500. Log it instead."""
    funcs = app.teardown_appcontext_funcs
    for index, func in enumerate(funcs):
        if getattr(func, "__self__", None) is db:
            funcs[index] = _logged_instead_of_raised(func)


def _logged_instead_of_raised(teardown):
    def guarded(error):
        try:
            teardown(error)
        except Exception:  # noqa: BLE001 - the answer is already built
            app_log.warning("removing the database session failed", exc_info=True)

    return guarded


def register_blueprints(app: Flask) -> None:
    from api import audit as _api_audit  # noqa: F401 - registers the audit log endpoint
    from api import billing as _api_billing  # noqa: F401 - registers the contract endpoints
    from api import insights as _api_insights  # noqa: F401 - registers the insights
    from api import leads as _api_leads  # noqa: F401 - registers the lead endpoints
    from api import money as _api_money  # noqa: F401 - registers invoice and payout endpoints
    from api import openapi as _api_openapi  # noqa: F401 - registers the document
    from api import referrers as _api_referrers  # noqa: F401 - registers referrer endpoints
    from api import service_errors as _api_errors  # noqa: F401 - the refusal envelope
    from api import staff as _api_staff  # noqa: F401 - registers the staff user endpoints
    from api import webhooks as _api_webhooks  # noqa: F401 - registers the webhook endpoints
    from api.blueprint import bp as api_bp
    from auth.account_views import bp as accounts_bp
    from auth.account_views import public_bp as accounts_public_bp
    from auth.cli import tokens_bp, users_bp
    from auth.views import bp as auth_bp
    from billing.invoice_lists import bp as invoice_lists_bp
    from billing.staff_views import bp as billing_staff_bp
    from commissions.cli import commissions_bp, payouts_bp
    from commissions.views import bp as commissions_staff_bp
    from dashboard import search as _dashboard_search  # noqa: F401 - adds dashboard.search
    from dashboard.audit import bp as audit_staff_bp
    from dashboard.clients import bp as clients_staff_bp
    from dashboard.insights import bp as insights_staff_bp
    from dashboard.invoices import bp as invoices_staff_bp
    from dashboard.leads import bp as leads_staff_bp
    from dashboard.referrers import bp as referrers_staff_bp
    from dashboard.views import bp as dashboard_bp
    from demo.cli import bp as demo_bp
    from imports.cli import bp as import_cli_bp
    from imports.views import bp as imports_staff_bp
    from leads.views import bp as leads_public_bp
    from notifications.cli import bp as outbox_cli_bp
    from notifications.views import bp as outbox_bp
    from notifications.webhook_views import bp as webhooks_bp
    from portal.views import bp as portal_bp
    from privacy.cli import bp as privacy_cli_bp
    from privacy.views import bp as privacy_staff_bp
    from referrals.views import bp as referrals_public_bp

    for blueprint in (
        leads_public_bp,
        auth_bp,
        accounts_bp,
        accounts_public_bp,
        dashboard_bp,
        leads_staff_bp,
        billing_staff_bp,
        invoices_staff_bp,
        invoice_lists_bp,
        clients_staff_bp,
        referrals_public_bp,
        portal_bp,
        referrers_staff_bp,
        commissions_staff_bp,
        outbox_bp,
        webhooks_bp,
        audit_staff_bp,
        insights_staff_bp,
        privacy_staff_bp,
        imports_staff_bp,
        api_bp,
        users_bp,
        tokens_bp,
        outbox_cli_bp,
        commissions_bp,
        payouts_bp,
        demo_bp,
        privacy_cli_bp,
        import_cli_bp,
    ):
        app.register_blueprint(blueprint)


def connect_receivers() -> None:
    """Lower packages announce what happened; the packages above react in the same unit of
    work. blinker keeps one connection per receiver, so a second app connects nothing new."""
    from auth.signals import account_link_issued
    from billing.signals import claim_accepted, invoice_changed, lead_converted
    from commissions.ledger import reconcile_on_change
    from core.previews import COMMISSION_REVERSED_CENTS, register_namer
    from leads.quarantine import purge_expired
    from leads.signals import lead_created
    from notifications.account_mail import mail_account_link
    from notifications.signals import sender_pass_finished
    from referrals.queries import referrer_names
    from referrals.services import (
        attribute_new_lead,
        react_to_conversion,
        tell_referrer_of_claim,
    )

    lead_created.connect(attribute_new_lead)
    invoice_changed.connect(reconcile_on_change)
    lead_converted.connect(react_to_conversion)
    claim_accepted.connect(tell_referrer_of_claim)
    sender_pass_finished.connect(purge_expired)
    account_link_issued.connect(mail_account_link)
    register_namer(COMMISSION_REVERSED_CENTS, referrer_names)


def register_security(app: Flask) -> None:
    from core.security import add_security_headers

    app.after_request(add_security_headers)


def register_error_pages(app: Flask) -> None:
    from flask import request
    from werkzeug.exceptions import HTTPException

    from api.errors import http_error_response
    from core.errors import error_page, log_unexpected_error

    def handle_http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            return http_error_response(error)
        return error_page(error)

    def handle_unexpected_error(error: Exception):
        return handle_http_error(log_unexpected_error(error))

    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)


def register_template_helpers(app: Flask) -> None:
    from core import labels, lazy_loads, templating
    from leads.rules import LEAD_LABELS
    from leads.spam import SPAM_LABELS
    from referrals.attribution import REFUSAL_LABELS

    for package_labels in (LEAD_LABELS, SPAM_LABELS, REFUSAL_LABELS):
        labels.register(package_labels)
    templating.register(app)
    lazy_loads.register(app)
