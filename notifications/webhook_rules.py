"""Which webhook targets may be called (SPEC §15), and the event names. Pure.

A URL must be https (http only with WEBHOOK_ALLOW_HTTP); a literal address that is private,
loopback, link-local or otherwise not public is refused at registration, and every address a
name resolves to is checked again at send time (unless WEBHOOK_ALLOW_PRIVATE)."""

import ipaddress
from urllib.parse import urlsplit

WEBHOOK_EVENTS = (
    "lead.created",
    "lead.status_changed",
    "lead.won",
    "referrer.signed_up",
    "referrer.approved",
    "invoice.paid",
    "guarantee_claim.accepted",
    "commission.approved",
    "payout.paid",
)
MAX_URL_LENGTH = 2000


def _literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def address_refusal(address: str) -> str | None:
    """Why an address may not be called, or None for a public one."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private or ip.is_reserved or ip.is_multicast or ip.is_unspecified:
        return "a private address"
    if not ip.is_global:
        return "an address that is not public"
    return None


def url_refusal(url: str, *, allow_http: bool, allow_private: bool) -> str | None:
    """Why `url` cannot be registered, or None."""
    if len(url) > MAX_URL_LENGTH:
        return f"At most {MAX_URL_LENGTH} characters."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "Not a URL."
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes:
        return "Use an https:// URL." if not allow_http else "Use an http(s):// URL."
    if not parts.hostname or parts.username or parts.password:
        return "A URL with a host name and no credentials."
    if port == 0:
        return "Not a URL."
    literal = _literal_address(parts.hostname)
    if literal is not None and not allow_private:
        refusal = address_refusal(str(literal))
        if refusal:
            return f"The URL points at {refusal}."
    return None


def unknown_events(events: list[str]) -> list[str]:
    return [event for event in events if event not in WEBHOOK_EVENTS]
