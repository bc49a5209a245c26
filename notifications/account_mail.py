"""Mail a staff account's set-password or reset link, in the transaction that issued it."""

from notifications.services import enqueue

EVENTS = {"set_password": "account_set_password", "reset_password": "account_password_reset"}


def mail_account_link(_sender, *, user, link: str, purpose) -> None:
    enqueue(EVENTS[purpose.value], user.email, {"user": user, "link": link})
