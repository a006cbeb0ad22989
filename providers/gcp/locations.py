"""Where a bucket keeps its data: the location code, its type, and the regions behind it.

The JSON API gives `location` in upper case (EUROPE-WEST9, EU, EUR4) and `locationType`
(region, dual-region, multi-region). A configurable dual-region names its two regions in
`customPlacementConfig.dataLocations` under a multi-region code (EU + EUROPE-WEST1,
EUROPE-WEST4); a predefined dual-region names none, so its pair comes from the table below.
Every code is compared lower-case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

PREDEFINED_DUAL_REGIONS: dict[str, tuple[str, str]] = {
    "asia1": ("asia-northeast1", "asia-northeast2"),
    "eur4": ("europe-north1", "europe-west4"),
    "eur5": ("europe-west1", "europe-west2"),
    "eur7": ("europe-west2", "europe-west3"),
    "eur8": ("europe-west3", "europe-west6"),
    "nam4": ("us-central1", "us-east1"),
}
"""Predefined dual-regions and their two regions (cloud.google.com/storage/docs/locations)."""

LOCATION_TYPES = ("region", "dual-region", "multi-region")
GEO_REDUNDANT_TYPES = ("dual-region", "multi-region")


class UnknownDualRegion(ValueError):
    """A dual-region whose two regions the API does not list and the table does not know."""


@dataclass(frozen=True)
class Placement:
    location: str
    """The bucket's location code, lower-case: europe-west9, eu, eur4."""
    type: str
    """region, dual-region or multi-region."""
    halves: tuple[str, ...]
    """The two regions of a dual-region, lower-case; empty otherwise."""

    @property
    def data_regions(self) -> list[str]:
        """Every location code that holds the data: the bucket's own, then each dual-region half."""
        return [self.location] + [r for r in self.halves if r != self.location]


def placement(location: str | None, location_type: str | None, data_locations: Sequence[str] | None) -> Placement:
    """Raises UnknownDualRegion when a dual-region's regions cannot be told."""
    code = location_code(location)
    kind = kind_of(location, location_type, data_locations)
    halves = tuple(dict.fromkeys(r.lower() for r in data_locations or ()))
    if kind == "dual-region" and not halves:
        if code not in PREDEFINED_DUAL_REGIONS:
            raise UnknownDualRegion(f"dual-region {code.upper()} lists no data locations and is not a predefined dual-region")
        halves = PREDEFINED_DUAL_REGIONS[code]
    return Placement(code, kind, halves)


def location_code(location: str | None) -> str:
    """Lower-case; a bucket created without a location is in the US multi-region."""
    return (location or "US").lower()


def kind_of(location: str | None, location_type: str | None, data_locations: Sequence[str] | None) -> str:
    """The API's locationType; told from the code itself for a response without it."""
    kind = (location_type or "").lower()
    if kind in LOCATION_TYPES:
        return kind
    code = location_code(location)
    if data_locations or code in PREDEFINED_DUAL_REGIONS:
        return "dual-region"
    if "-" not in code:
        return "multi-region"
    return "region"


# -- the gcp.resourceLocations organization policy ---------------------------------------------

_EU = (
    "eu", "eur4", "europe-central2", "europe-north1", "europe-north2", "europe-southwest1", "europe-west1",
    "europe-west3", "europe-west4", "europe-west8", "europe-west9", "europe-west10", "europe-west12",
)
LOCATION_GROUPS: dict[str, tuple[str, ...]] = {
    "eu-locations": _EU,
    "europe-locations": _EU + ("europe", "europe-west2", "europe-west6", "eur5", "eur7", "eur8"),
    "us-locations": (
        "us", "nam4", "us-central1", "us-east1", "us-east4", "us-east5", "us-south1",
        "us-west1", "us-west2", "us-west3", "us-west4",
    ),
}
"""Value groups of gcp.resourceLocations (`in:eu-locations`) and the Cloud Storage locations
each lets a bucket use. Europe's group includes London and Zurich; the EU's does not. A group
not listed here is kept as written, so a residency check never takes it for an allowed region."""

_REGION = r"[a-z]+-[a-z]+[0-9]+"
_REGION_GROUP = re.compile(rf"({_REGION})(-[a-z])?-locations")
_ZONE = re.compile(rf"({_REGION})-[a-z]")


def policy_locations(value: str) -> tuple[str, ...]:
    """The location codes one value of gcp.resourceLocations stands for, lower-case:
    `in:eu-locations` -> the EU's, `in:europe-west9-locations` and the zone `europe-west9-a`
    -> europe-west9, `EU` -> eu; an unknown group -> itself."""
    code = value.strip().lower()
    if code.startswith("is:"):
        code = code[3:]
    if code.startswith("in:"):
        group = code[3:]
        if group in LOCATION_GROUPS:
            return LOCATION_GROUPS[group]
        region = _REGION_GROUP.fullmatch(group)
        return (region.group(1),) if region else (code,)
    zone = _ZONE.fullmatch(code)
    return (zone.group(1),) if zone else (code,)


def policy_regions(allowed: Sequence[str], denied: Sequence[str] = ()) -> list[str]:
    """Where the policy lets new buckets go: the allowed values' locations, once each, less
    the denied values' (allowing Europe and denying London and Zurich leaves the EEA)."""
    refused = {code for value in denied for code in policy_locations(value)}
    regions: list[str] = []
    for value in allowed:
        regions.extend(code for code in policy_locations(value) if code not in refused and code not in regions)
    return regions
