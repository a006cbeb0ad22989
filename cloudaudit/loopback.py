"""Is a host this machine? Emulator endpoints and test webhooks live on loopback addresses."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback_host(host: str | None) -> bool:
    """localhost, 127.0.0.0/8 or ::1; a name other than localhost is never assumed to be."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str | None) -> bool:
    return bool(url) and is_loopback_host(urlsplit(url).hostname)
