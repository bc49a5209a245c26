"""What staff accounts tell the packages above, inside the transaction of the change."""

from blinker import Namespace

_signals = Namespace()

account_link_issued = _signals.signal("account-link-issued")
"""Sent with `user`, `link` (absolute, usable once) and `purpose` (a LinkPurpose): the
notifications package mails it in the same unit of work."""
