"""Host URLs (`host`, an object store's `endpoint`): scheme, name and port read one way everywhere.

The answers model validates the shape (http(s)://name[:port], no path); these functions only take
it apart: the port defaults to the scheme's, an IPv6 literal comes back without brackets (as
urllib gives it) and `origin` puts them back.
"""

from __future__ import annotations

import ipaddress
from typing import NamedTuple
from urllib.parse import urlsplit

DEFAULT_PORT = {"http": 80, "https": 443}


class HostURL(NamedTuple):
    scheme: str
    name: str  # the host name or IP literal, without brackets; "" when the URL names none
    port: int


def split_host(url: str | None) -> HostURL:
    """(scheme, name, port) of an http(s) URL; no URL gives ("https", "", 443)."""
    parts = urlsplit(url or "https://")
    scheme = parts.scheme or "https"
    return HostURL(scheme, parts.hostname or "", parts.port or DEFAULT_PORT.get(scheme, 443))


def netloc(name: str, port: int | None = None) -> str:
    """name[:port] as a URL writes it (an IPv6 literal in brackets)."""
    shown = f"[{name}]" if ":" in name and not name.startswith("[") else name
    return shown if port is None else f"{shown}:{port}"


def origin(url: str) -> str:
    """The browser origin of an http(s) URL: scheme://host[:port] with the default port dropped."""
    scheme, name, port = split_host(url)
    return f"{scheme}://{netloc(name, None if port == DEFAULT_PORT[scheme] else port)}"


def ip_literal(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address when `name` is an IP literal (brackets allowed), else None."""
    try:
        return ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return None


def is_ip(name: str) -> bool:
    """`name` is an IP literal, not a DNS name."""
    return ip_literal(name) is not None
