"""The public write budget (SPEC §11): one budget per client address shared by every public
write — the hire form, the referral sign-up, the portal sign-in and token-less API posts."""

from flask import current_app, request

from core.extensions import limiter

PUBLIC_SCOPE = "public-writes"


def _public_limit() -> str:
    return current_app.config["PUBLIC_RATE_LIMIT"]


def _has_bearer_token() -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


public_write = limiter.shared_limit(_public_limit, scope=PUBLIC_SCOPE, methods=["POST"])
"""For public HTML forms: counts every POST."""

public_api_write = limiter.shared_limit(
    _public_limit, scope=PUBLIC_SCOPE, methods=["POST"], exempt_when=_has_bearer_token
)
"""For API endpoints open without a token: token holders are not counted."""
