"""Cloud KMS keys: how often a bucket's default key rotates (CIS GCP 1.10).

A Cloud KMS CryptoKey (`projects.locations.keyRings.cryptoKeys.get`, the key's metadata only:
no call returns key material) rotates by itself when it has a `rotationPeriod` (a Duration
such as "7776000s") and a `nextRotationTime` (an RFC 3339 timestamp): KMS makes a new primary
version at that time, then once per period. CIS GCP 1.10 asks for a period of at most 90 days
and a next rotation at most 90 days away.

One key often protects many buckets, of several projects: each key is read once per scan.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import quote

from cloudaudit.providers.facts import ReadFailure, SharedReads
from cloudaudit.providers.gcp.calls import read_json
from cloudaudit.providers.gcp.session import GcsSession
from cloudaudit.redact import one_line

KEY_CALL = "cloudkms.projects.locations.keyRings.cryptoKeys.get"
MAX_ROTATION = dt.timedelta(days=90)
"""CIS GCP 1.10: rotated within a period of 90 days (7776000 s)."""

_KEY_NAME = re.compile(r"^(projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+)(/cryptoKeyVersions/[^/]+)?$")
_DURATION = re.compile(r"^(\d+)(\.\d{1,9})?s$")
_FRACTION = re.compile(r"(\.\d{6})\d+")


@dataclass(frozen=True)
class KeyRotation:
    """A Cloud KMS key's automatic rotation."""

    period_days: int | None
    """rotationPeriod in days, rounded up (a period a second over 90 days reads 91); None
    when the key has no rotation period and so never rotates by itself."""
    next_rotation: str | None
    """nextRotationTime as the API wrote it; None when no rotation is scheduled."""
    within_limit: bool
    """A period of at most MAX_ROTATION and a next rotation at most that far away."""


def crypto_key_name(key_id: str) -> str | None:
    """projects/P/locations/L/keyRings/R/cryptoKeys/K of a key (or of one of its versions);
    None for anything else."""
    match = _KEY_NAME.match(key_id)
    return match.group(1) if match else None


def key_rotation(key: Mapping[str, Any], now: dt.datetime) -> KeyRotation:
    """The rotation of a CryptoKey document; ValueError for a period or time that is not one."""
    period = key.get("rotationPeriod")
    written = key.get("nextRotationTime")
    every = _duration(period) if period is not None else None
    next_time = _timestamp(written) if written is not None else None
    within = every is not None and every <= MAX_ROTATION and next_time is not None and next_time <= now + MAX_ROTATION
    days = math.ceil(every / dt.timedelta(days=1)) if every is not None else None
    return KeyRotation(days, written if next_time else None, within)


def _duration(value: Any) -> dt.timedelta:
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"rotationPeriod {value!r} is not a duration")
    return dt.timedelta(seconds=int(match.group(1)) + float(match.group(2) or 0))


def _timestamp(value: Any) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(_FRACTION.sub(r"\1", value)) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValueError(f"nextRotationTime {value!r} is not a timestamp")
    return moment


@dataclass
class KmsKeys:
    """The buckets' default keys, each read once per scan and shared by every bucket (of any
    project) that names it; a failed read fails each of them with one reason."""

    session: GcsSession
    _shared: SharedReads = field(default_factory=SharedReads)

    def rotation(self, key_id: str) -> KeyRotation:
        name = crypto_key_name(key_id)
        if name is None:
            raise ReadFailure(one_line(f"{KEY_CALL}: {key_id!r} is not a Cloud KMS key name"))

        def load() -> KeyRotation:
            url = f"{self.session.endpoints.kms}/v1/{quote(name, safe='/')}"
            key = read_json(self.session, KEY_CALL, "GET", url)  # a refusal names the key itself
            try:
                return key_rotation(key, dt.datetime.now(dt.timezone.utc))
            except ValueError as exc:
                raise ReadFailure(one_line(f"{KEY_CALL} {name}: {exc}")) from None

        return self._shared.get(name, load)
