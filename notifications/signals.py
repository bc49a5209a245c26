"""Housekeeping that rides on the sender's loop: other packages connect their periodic work
(purging expired quarantine) without the sender importing them."""

from blinker import Namespace

_signals = Namespace()

sender_pass_finished = _signals.signal("sender-pass-finished")
"""Sent (no arguments beyond the sender name) after each pass of `flask outbox send --loop`."""
