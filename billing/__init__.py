"""Clients, contracts, invoices and the one-month satisfaction guarantee."""
