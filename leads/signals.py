"""What the lead pipeline tells the packages above it, inside the transaction of the change.

Receivers run synchronously in the same unit of work: what they write commits or rolls back
with the lead. Connected in `application.wiring`."""

from blinker import Namespace

_signals = Namespace()

lead_created = _signals.signal("lead-created")
"""Sent with the new `Lead` (its `referral_code` set, its owner chosen) and `today`, before the
new-lead email is written. A receiver may return a dict that joins the email's context."""
