"""ARM values in the shapes the vocabulary uses: region codes, TLS versions, SKUs, durations."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

SMB_VERSIONS = ("SMB2.1", "SMB3.0", "SMB3.1.1")
"""What an SMB share accepts when protocolSettings.smb.versions is not set (Azure's default)."""
SMB_CHANNEL_ENCRYPTION = ("AES-128-CCM", "AES-128-GCM", "AES-256-GCM")
"""What an SMB share accepts when protocolSettings.smb.channelEncryption is not set."""

_TLS = re.compile(r"^TLS(\d)_(\d)$", re.I)
_DURATION = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?$")


def region(location: str | None) -> str | None:
    """'West Europe' or 'westeurope' -> 'westeurope'."""
    if not location:
        return None
    return location.replace(" ", "").lower()


def tls_version(minimum: str | None) -> str:
    """TLS1_2 -> '1.2'. ARM leaves minimumTlsVersion out on old accounts, which then accept
    TLS 1.0 (the documented default interpretation)."""
    if not minimum:
        return "1.0"
    match = _TLS.match(str(minimum))
    if not match:
        raise ValueError(f"unexpected minimumTlsVersion {minimum!r}")
    return f"{match.group(1)}.{match.group(2)}"


@dataclass(frozen=True)
class Redundancy:
    """What a storage account SKU says about where copies are kept."""

    geo: bool
    """A copy is kept in a second region (GRS, RA-GRS, GZRS, RA-GZRS)."""
    zone: bool
    """Copies are spread over availability zones of the primary region (ZRS, GZRS)."""
    read_access: bool
    """The secondary region can be read at any time (RA-GRS, RA-GZRS)."""


def redundancy(sku_name: str | None) -> Redundancy:
    """Standard_RAGZRS -> geo, zone and read access."""
    kind = (sku_name or "").split("_", 1)[-1].upper()
    return Redundancy(geo=kind.endswith("GRS") or kind.endswith("GZRS"), zone="ZRS" in kind, read_access=kind.startswith("RA"))


def listed(value: str | None, separators: str = ";,") -> list[str]:
    """'SMB2.1;SMB3.1.1' or 'AzureServices, Logging' -> a list; None and 'None' -> []."""
    if not value:
        return []
    parts = re.split(f"[{re.escape(separators)}]", str(value))
    return [p.strip() for p in parts if p.strip() and p.strip().lower() != "none"]


def duration_seconds(period: str | None) -> int | None:
    """ARM's d.hh:mm:ss (sasExpirationPeriod '1.00:00:00') in seconds."""
    if not period:
        return None
    match = _DURATION.match(period.strip())
    if not match:
        raise ValueError(f"unexpected duration {period!r} (expected d.hh:mm:ss)")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def age_days(moment: dt.datetime | None, now: dt.datetime) -> int | None:
    """Whole days from `moment` to `now`; None when unknown."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return max(0, (now - moment).days)


def retention_days(policy: object | None) -> int | None:
    """A deleteRetentionPolicy's days when it is enabled, else None (soft delete off)."""
    if policy is None or not getattr(policy, "enabled", False):
        return None
    days = getattr(policy, "days", None)
    return int(days) if days is not None else None


def text(value: object) -> str | None:
    """An SDK enum member or a string as a plain string (the ARM spelling); None stays None."""
    if value is None:
        return None
    return str(getattr(value, "value", value))
