"""The Client Referral Program: referrers, codes, attribution, the portal; later the
commission ledger and payouts."""
