"""Which buckets' object reads and writes a CloudTrail trail records (S3 data events).

A trail covers a bucket when it is logging, is multi-region or lives in the bucket's region,
and its event selectors - classic or advanced - select AWS::S3::Object events for the whole
bucket. Reads and writes may come from different selectors or trails; both are needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

ALL_BUCKETS = ("arn:aws:s3", "arn:aws:s3:::")


@dataclass(frozen=True)
class Selection:
    """What one selector records: for which buckets (None = all), reads and/or writes."""

    buckets: frozenset[str] | None
    excluded: tuple[str, ...]
    """ARN prefixes excluded (advanced selectors' NotStartsWith)."""
    reads: bool
    writes: bool

    def covers(self, bucket: str) -> bool:
        arn = f"arn:aws:s3:::{bucket}/"
        if any(arn.startswith(prefix) for prefix in self.excluded):
            return False
        return self.buckets is None or bucket in self.buckets


@dataclass(frozen=True)
class Trail:
    name: str
    home_region: str
    multi_region: bool
    logging: bool
    bucket: str | None
    """Where the trail writes its log files."""
    selections: tuple[Selection, ...]
    log_group: str | None = None
    """The CloudWatch Logs group the trail also delivers to (for metric filters and alarms)."""

    def applies_to(self, region: str) -> bool:
        return self.logging and (self.multi_region or self.home_region == region)


def classic_selections(selectors: Iterable[dict[str, Any]]) -> list[Selection]:
    found = []
    for selector in selectors:
        kind = selector.get("ReadWriteType", "All")
        for resource in selector.get("DataResources", []):
            if resource.get("Type") != "AWS::S3::Object":
                continue
            buckets = _buckets_of(resource.get("Values", []))
            if buckets == frozenset():
                continue
            found.append(Selection(buckets, (), kind in ("All", "ReadOnly"), kind in ("All", "WriteOnly")))
    return found


def _buckets_of(values: Iterable[str]) -> frozenset[str] | None:
    """None for every bucket; else the buckets selected whole (a prefix inside one is not whole)."""
    buckets = set()
    for value in values:
        if value in ALL_BUCKETS:
            return None
        rest = value.split(":::", 1)[-1]
        name, _, prefix = rest.partition("/")
        if name and not prefix:
            buckets.add(name)
    return frozenset(buckets)


def advanced_selections(selectors: Iterable[dict[str, Any]]) -> list[Selection]:
    found = []
    for selector in selectors:
        fields = {f.get("Field"): f for f in selector.get("FieldSelectors", [])}
        if "Data" not in fields.get("eventCategory", {}).get("Equals", []):
            continue
        if "AWS::S3::Object" not in fields.get("resources.type", {}).get("Equals", []):
            continue
        read_only = fields.get("readOnly", {}).get("Equals", [])
        reads = not read_only or "true" in read_only
        writes = not read_only or "false" in read_only
        arn = fields.get("resources.ARN", {})
        buckets: frozenset[str] | None = None
        if arn.get("StartsWith") or arn.get("Equals"):
            buckets = _buckets_of(list(arn.get("StartsWith", [])) + list(arn.get("Equals", [])))
        excluded = tuple(arn.get("NotStartsWith", [])) + tuple(arn.get("NotEquals", []))
        if buckets != frozenset():
            found.append(Selection(buckets, excluded, reads, writes))
    return found


def object_events_logged(trails: Iterable[Trail], bucket: str, region: str) -> bool:
    """Are both reads and writes of this bucket's objects recorded by some logging trail?"""
    reads = writes = False
    for trail in trails:
        if not trail.applies_to(region):
            continue
        for selection in trail.selections:
            if selection.covers(bucket):
                reads = reads or selection.reads
                writes = writes or selection.writes
    return reads and writes


BUCKET_POLICY_EVENTS = ("PutBucketPolicy", "PutBucketAcl", "DeleteBucketPolicy")
"""The S3 changes CIS AWS 4.8 wants alerted on, at the least (policy and ACL)."""


def watches_bucket_policy_changes(filter_pattern: str) -> bool:
    """Does a CloudWatch Logs metric filter pattern match S3 bucket policy and ACL changes?"""
    text = "".join(filter_pattern.split())
    return "s3.amazonaws.com" in text and all(event in text for event in BUCKET_POLICY_EVENTS)


def log_group_name(arn: str) -> str:
    """arn:aws:logs:REGION:ACCOUNT:log-group:NAME:* -> NAME"""
    parts = arn.split(":log-group:", 1)
    return parts[1].removesuffix(":*") if len(parts) == 2 else arn
