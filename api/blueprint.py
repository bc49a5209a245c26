from flask import Blueprint, current_app, request

from api.errors import ApiError, error_response
from core.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

OPEN_PATHS = ("/api/v1/leads", "/api/v1/referrers")


@bp.errorhandler(ApiError)
def handle_api_error(error: ApiError):
    return error_response(error.status, error.code, error.message, error.fields)


@bp.after_request
def allow_site_origins(response):
    """CORS for the marketing site's token-less posts (SITE_ORIGINS)."""
    origin = request.headers.get("Origin")
    open_write = request.method in ("POST", "OPTIONS") and request.path in OPEN_PATHS
    if origin and open_write and origin in current_app.config["SITE_ORIGINS"]:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"
        response.headers.add("Vary", "Origin")
    return response
