"""The records that flow through the pipeline: resources in, findings out."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from typing import Any, Mapping


class Status(str, enum.Enum):
    """The result of one rule on one resource."""

    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"
    """The fact the rule needs could not be read; never a silent PASS or FAIL."""
    NOT_APPLICABLE = "NOT_APPLICABLE"
    """The rule's `applies_if` is false for this resource."""
    MUTED = "MUTED"
    """A suppression matched; the finding is kept with its reason."""

    def __str__(self) -> str:
        return self.value


class Severity(str, enum.Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more serious: critical=4 ... info=0."""
        return _SEVERITY_RANK[self]

    def __str__(self) -> str:
        return self.value


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}

PROVIDERS = ("aws", "azure", "gcp")

RESOURCE_TYPES = (
    "storage.bucket",
    "storage.account",
    "storage.container",
    "storage.share",
    "cloud.account",
)

CATEGORIES = (
    "encryption",
    "public-access",
    "residency",
    "mfa",
    "versioning",
    "immutability",
    "backup",
    "logging",
    "transport",
    "network",
    "identity",
    "lifecycle",
)


@dataclass(frozen=True)
class Resource:
    """One cloud object with its normalised settings, as a provider adapter collected it."""

    provider: str
    """aws, azure or gcp."""
    type: str
    """One of RESOURCE_TYPES, e.g. storage.bucket."""
    id: str
    """Globally unique: an ARN, an ARM id or a gs:// URL."""
    name: str
    """Short display name (bucket, container or account name)."""
    account: str
    """AWS account id, Azure subscription id or GCP project id."""
    region: str | None = None
    """Where the resource lives, lower-case provider code; None for global resources."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags or labels as read from the cloud."""
    properties: Mapping[str, Any] = field(default_factory=dict)
    """Normalised settings, nested by path (encryption.at_rest ...), the same across clouds."""
    raw: Mapping[str, Any] = field(default_factory=dict)
    """Provider-native facts a rule may need and that have no normalised path."""
    errors: Mapping[str, str] = field(default_factory=dict)
    """Property path -> why it could not be read (the call and the reason)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "type": self.type,
            "id": self.id,
            "name": self.name,
            "account": self.account,
            "region": self.region,
            "tags": dict(self.tags),
            "properties": self.properties,
            "raw": self.raw,
            "errors": dict(self.errors),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Resource":
        return cls(
            provider=data["provider"],
            type=data["type"],
            id=data["id"],
            name=data.get("name") or data["id"],
            account=data.get("account") or "",
            region=data.get("region"),
            tags=dict(data.get("tags") or {}),
            properties=data.get("properties") or {},
            raw=data.get("raw") or {},
            errors=dict(data.get("errors") or {}),
        )


@dataclass(frozen=True)
class CollectionIssue:
    """Something a provider could not collect at all (a region, a listing), not one field."""

    provider: str
    """aws, azure or gcp."""
    account: str
    """The account, subscription or project it concerns ('' when unknown)."""
    scope: str
    """What could not be read: a region, a resource id or a listing such as 's3:ListBuckets'."""
    message: str
    """The call and the reason, one line, with no secret in it."""

    def to_dict(self) -> dict[str, str]:
        return {
            "provider": self.provider,
            "account": self.account,
            "scope": self.scope,
            "message": self.message,
        }


@dataclass(frozen=True)
class RuleRef:
    """What a finding carries of the rule that produced it."""

    id: str
    title: str
    control: str
    """Catalogue control id, e.g. STG-ENC-01, the same for every cloud."""
    categories: tuple[str, ...]


@dataclass(frozen=True)
class ComplianceRef:
    framework: str
    """Framework id: hipaa, gdpr, hds, cis-aws, cis-azure, cis-gcp."""
    control: str
    """The requirement inside the framework, e.g. 164.312(a)(2)(iv)."""


def fingerprint(rule_id: str, resource_id: str) -> str:
    """Stable id of a (rule, resource) pair, for de-duplication in a ticket system across runs."""
    digest = hashlib.sha256(f"{rule_id}\x00{resource_id}".encode("utf-8"))
    return digest.hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Finding:
    """The result of one rule on one resource. A scan holds one per (rule, resource), 125,000
    at 5,000 buckets: slots (no per-instance __dict__) save about 50 bytes each."""

    rule: RuleRef
    resource: Resource
    status: Status
    severity: Severity
    message: str
    """What was seen, e.g. 'minimum TLS version is 1.0'."""
    remediation: str
    compliance: tuple[ComplianceRef, ...] = ()
    evidence: Mapping[str, Any] = field(default_factory=dict)
    """The values of the paths the rule read, as seen on the resource."""
    muted_reason: str | None = None

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.rule.id, self.resource.id)

    @property
    def is_failure(self) -> bool:
        return self.status is Status.FAIL
