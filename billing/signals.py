"""What billing tells the packages above it (referrals, commissions), inside the transaction
of the money event. Connected in `application.wiring`; receivers must not commit."""

from blinker import Namespace

_signals = Namespace()

invoice_changed = _signals.signal("invoice-changed")
"""Sent with the locked `Invoice` after its totals or status changed (payment, refund,
write-off, void, guarantee claim): the commission ledger reconciles it."""

lead_converted = _signals.signal("lead-converted")
"""Sent with the new `Contract`, its `lead` once the lead is won, and
`into_existing_client` (the client already had a contract)."""

claim_accepted = _signals.signal("claim-accepted")
"""Sent with the terminated `Contract` and the accepted `claim`, after every invoice was
voided."""
