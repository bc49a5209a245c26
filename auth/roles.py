"""Role checks for pages. Who may do what is SPEC §1; anything else answers 403."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from auth.models import Role, User

STAFF = (Role.ADMIN, Role.SALES, Role.FINANCE)
LEAD_EDITORS = (Role.ADMIN, Role.SALES)
ADMINS = (Role.ADMIN,)
MONEY_KEEPERS = (Role.ADMIN, Role.FINANCE)
"""Record money, decide on referrers and change attribution (SPEC §1)."""


def roles_required(*roles: Role):
    """Login first (redirect to /login), then 403 unless the user has one of `roles`."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def acting_user() -> User:
    """The logged-in user as a model instance (not the proxy), to store as an actor."""
    return current_user._get_current_object()
