"""Where a webhook may be sent: http(s) to public addresses only (server-side request forgery).

The host is resolved and every address it resolves to must be global: private, loopback,
link-local, multicast, reserved and unspecified addresses are refused, unless
RAPPORT_WEBHOOK_ALLOW_PRIVATE=true. Checked when an endpoint is saved and again before each
send, because DNS may answer differently later.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeTarget(ValueError):
    """The URL may not be posted to; the message says why, for the `url` field or the log."""


def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for attribute, words in (
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_unspecified", "an unspecified address"),
        ("is_reserved", "a reserved address"),
        ("is_private", "a private address"),
    ):
        if getattr(address, attribute):
            return words
    if not address.is_global:
        return "not a public address"
    return None


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeTarget(f"the host {host!r} does not resolve") from error
    return sorted({str(info[4][0]) for info in infos})


def check_url(url: str, *, allow_private: bool | None = None) -> None:
    """Raise UnsafeTarget unless `url` is http(s) to a host whose addresses are all public."""
    if allow_private is None:
        allow_private = settings.RAPPORT_WEBHOOK_ALLOW_PRIVATE
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise UnsafeTarget("is not a valid URL") from error
    if parts.scheme not in ("http", "https"):
        raise UnsafeTarget("must start with http:// or https://")
    host = parts.hostname
    if not host:
        raise UnsafeTarget("has no host")
    if parts.username or parts.password:
        raise UnsafeTarget("must not carry a user name or password")
    if allow_private:
        return
    for text in resolve(host, port):
        reason = _refused(ipaddress.ip_address(text.split("%", 1)[0]))
        if reason is not None:
            raise UnsafeTarget(f"{host} resolves to {text}, {reason}; refused")
