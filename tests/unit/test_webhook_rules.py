"""Which webhook targets may be called (SPEC §15): worked examples of the URL and address
rules, and a property: no private, loopback or link-local literal ever passes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifications.webhook_rules import address_refusal, unknown_events, url_refusal


@pytest.mark.parametrize(
    ("url", "allow_http", "allow_private", "refused"),
    [
        ("https://hooks.example.com/in", False, False, None),
        ("https://hooks.example.com:8443/in?x=1", False, False, None),
        ("https://93.184.216.34/in", False, False, None),
        ("http://hooks.example.com/in", False, False, "Use an https:// URL."),
        ("http://hooks.example.com/in", True, False, None),
        ("ftp://hooks.example.com/in", True, False, "Use an http(s):// URL."),
        ("https://127.0.0.1/in", False, False, "The URL points at a loopback address."),
        ("https://127.0.0.1/in", False, True, None),
        ("https://10.0.0.8/in", False, False, "The URL points at a private address."),
        ("https://192.168.1.1/in", False, False, "The URL points at a private address."),
        ("https://169.254.169.254/", False, False, "The URL points at a link-local address."),
        ("https://[::1]/in", False, False, "The URL points at a loopback address."),
        ("https://[fe80::1]/in", False, False, "The URL points at a link-local address."),
        ("https://[::ffff:10.0.0.1]/in", False, False, "The URL points at a private address."),
        ("https://0.0.0.0/in", False, False, "The URL points at a private address."),
        ("https://localhost/in", False, False, None),
        (
            "https://u:p@hooks.example.com/",
            False,
            False,
            "A URL with a host name and no credentials.",
        ),
        ("https:///path-only", False, False, "A URL with a host name and no credentials."),
        ("https://hooks.example.com:99999/", False, False, "Not a URL."),
        ("https://hooks.example.com/" + "a" * 2000, False, False, "At most 2000 characters."),
    ],
)
def test_url_rules(url, allow_http, allow_private, refused):
    assert url_refusal(url, allow_http=allow_http, allow_private=allow_private) == refused


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("127.0.0.5", "a loopback address"),
        ("172.16.0.1", "a private address"),
        ("100.64.0.1", "an address that is not public"),
        ("224.0.0.1", "a private address"),
    ],
)
def test_address_rules(address, refused):
    assert address_refusal(address) == refused


@given(st.ip_addresses())
def test_no_internal_literal_passes(ip):
    refused = url_refusal(
        f"https://[{ip}]/" if ip.version == 6 else f"https://{ip}/",
        allow_http=False,
        allow_private=False,
    )
    mapped = getattr(ip, "ipv4_mapped", None) or ip
    internal = mapped.is_private or mapped.is_loopback or mapped.is_link_local
    if internal or not mapped.is_global:
        assert refused is not None
    if refused is None:
        assert mapped.is_global and not internal


def test_unknown_events_are_named():
    assert unknown_events(["lead.created", "lead.exploded"]) == ["lead.exploded"]
