"""Bearer tokens: a bad token is 401, never treated as anonymous."""

from functools import wraps

from flask import g, request

from api.errors import ApiError
from auth.models import Role
from auth.services import token_actor, user_for_token
from core.audit import act_as


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "Use 'Authorization: Bearer <token>'.")
    return token.strip()


def api_auth(*roles: Role, anonymous: bool = False):
    """Set g.api_user from the token. `anonymous` lets a request without any
    Authorization header through with g.api_user = None."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = _bearer_token()
            if token is None:
                if not anonymous:
                    raise ApiError(401, "unauthorized", "A valid bearer token is required.")
                g.api_user = None
                return view(*args, **kwargs)
            user = user_for_token(token)
            if user is None:
                raise ApiError(401, "unauthorized", "That token is not valid.")
            if not user.has_role(*roles):
                raise ApiError(403, "forbidden", "Your role may not do this.")
            g.api_user = user
            act_as(token_actor(token))
            return view(*args, **kwargs)

        return wrapped

    return decorator
