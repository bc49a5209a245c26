"""The public write budget (SPEC §11): one budget per client address shared by every public
write — the hire form, the referral sign-up, the portal sign-in and token-less API posts."""

from flask import current_app, request

from auth.services import user_for_token
from core.extensions import limiter

PUBLIC_SCOPE = "public-writes"


def _public_limit() -> str:
    return current_app.config["PUBLIC_RATE_LIMIT"]


def _has_valid_bearer_token() -> bool:
    """Only a token that verifies skips the budget: guessing tokens is throttled too."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and user_for_token(token.strip()) is not None


public_write = limiter.shared_limit(_public_limit, scope=PUBLIC_SCOPE, methods=["POST"])
"""For public HTML forms: counts every POST."""

public_api_write = limiter.shared_limit(
    _public_limit, scope=PUBLIC_SCOPE, methods=["POST"], exempt_when=_has_valid_bearer_token
)
"""For API endpoints open without a token: token holders are not counted."""
