"""Mail a staff account's set-password or reset link, in the transaction that issued it."""

from auth.services import AccountError
from notifications.services import CAPPED_PER_HOUR, enqueue

EVENTS = {"set_password": "account_set_password", "reset_password": "account_password_reset"}


def mail_account_link(_sender, *, user, link: str, purpose) -> None:
    """Over the hourly cap the whole change is refused, so the admin is told."""
    if enqueue(EVENTS[purpose.value], user.email, {"user": user, "link": link}) is None:
        raise AccountError(
            f"{user.email} was sent {CAPPED_PER_HOUR} links in the past hour; try again later."
        )
