"""Cloud Storage buckets: one fetcher per group of settings.

Most settings arrive with the bucket listing (buckets.list returns every bucket's metadata),
so their fetchers make no call of their own; only the IAM policy and, when uniform
bucket-level access is off, the legacy ACLs need one request per bucket. A few facts are the
project's (its audit configuration, its organization policies): read once per project and
shared by its buckets (project.ProjectReads). A default Cloud KMS key's rotation is read once
per key and shared by every bucket that uses it (kms.KmsKeys).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudaudit.providers.facts import Facts, Fetcher, ReadFailure
from cloudaudit.providers.gcp.calls import read
from cloudaudit.providers.gcp.iam import IAM_POLICY_VERSION, public_acl_entities, read_policy
from cloudaudit.providers.gcp.kms import KEY_CALL, KmsKeys
from cloudaudit.providers.gcp.locations import (
    GEO_REDUNDANT_TYPES,
    Placement,
    UnknownDualRegion,
    kind_of,
    location_code,
    placement,
)
from cloudaudit.providers.gcp.project import (
    AUDIT_CALLS,
    ORG_POLICY_CALL,
    PUBLIC_ACCESS_PREVENTION,
    SECURE_TRANSPORT,
    ProjectReads,
)
from cloudaudit.providers.gcp.session import GcsSession

LIST_CALL = "storage.buckets.list"
IAM_CALL = "storage.buckets.getIamPolicy"
ACL_CALL = "storage.bucketAccessControls.list"
DEFAULT_ACL_CALL = "storage.defaultObjectAccessControls.list"
SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class BucketContext:
    """What every bucket fetcher may use."""

    bucket: Any
    """The google.cloud.storage Bucket as listed, its metadata loaded."""
    reads: ProjectReads
    """The project's shared reads (audit configuration, organization policies)."""
    keys: KmsKeys
    """The scan's shared Cloud KMS key reads."""

    @property
    def project(self) -> str:
        return self.reads.project

    @property
    def session(self) -> GcsSession:
        return self.reads.session

    @property
    def name(self) -> str:
        return self.bucket.name

    @property
    def url(self) -> str:
        return f"gs://{self.bucket.name}"

    @property
    def project_number(self) -> str | None:
        number = self.bucket.project_number
        return str(number) if number is not None else None


# -- from the listing ------------------------------------------------------------------------


def _placement(ctx: BucketContext) -> Placement:
    b = ctx.bucket
    return placement(b.location, b.location_type, b.data_locations)


def _kind(ctx: BucketContext) -> str:
    b = ctx.bucket
    return kind_of(b.location, b.location_type, b.data_locations)


def _location(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    b = ctx.bucket
    return {"location.region": location_code(b.location), "location.type": _kind(ctx), "raw.location": b.location, "raw.rpo": b.rpo}


def _data_regions(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    try:
        where = _placement(ctx)
    except UnknownDualRegion as exc:
        raise ReadFailure(f"{LIST_CALL}: {exc}") from None
    return {"location.data_regions": where.data_regions, "location.replica_regions": list(where.halves)}


def _geo_redundancy(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    """GCS copies data across regions by location type (dual- and multi-region); it has no
    bucket-to-bucket replication setting."""
    return {"replication.enabled": _kind(ctx) in GEO_REDUNDANT_TYPES, "replication.destinations": []}


def _storage_class(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    return {"raw.storage_class": ctx.bucket.storage_class}


def _encryption(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    """GCS encrypts every object; a default Cloud KMS key makes it customer-managed."""
    key = ctx.bucket.default_kms_key_name
    return {
        "encryption.at_rest": True,
        "encryption.algorithm": "cloud-kms" if key else "google-managed",
        "encryption.key_id": key,
        "encryption.key_managed_by": "customer" if key else "provider",
    }


def _key_rotation(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    """A default Cloud KMS key must rotate within 90 days (CIS GCP 1.10); Google rotates the
    keys it manages itself."""
    if facts.get("encryption.key_managed_by") != "customer":
        return {"encryption.key_rotation": None, "encryption.key_rotation_days": None, "encryption.key_next_rotation": None}
    rotation = ctx.keys.rotation(facts.get("encryption.key_id"))
    return {
        "encryption.key_rotation": rotation.within_limit,
        "encryption.key_rotation_days": rotation.period_days,
        "encryption.key_next_rotation": rotation.next_rotation,
    }


def _access_config(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    config = ctx.bucket.iam_configuration
    prevention = "enforced" if config.public_access_prevention == "enforced" else "inherited"
    return {
        "public_access.acls_disabled": bool(config.uniform_bucket_level_access_enabled),
        "public_access.prevention": prevention,
    }


def _public_block(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    """Public access prevention holds when the bucket enforces it, or when it inherits it and
    the storage.publicAccessPrevention organization policy enforces it on the project (the
    project's policy is read only for a bucket that inherits)."""
    if facts.get("public_access.prevention") == "enforced":
        return {"public_access.blocked": True}
    return {"public_access.blocked": ctx.reads.enforced(PUBLIC_ACCESS_PREVENTION)}


def _versioning(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    enabled = bool(ctx.bucket.versioning_enabled)
    return {"versioning.enabled": enabled, "versioning.status": "Enabled" if enabled else "Disabled"}


def _soft_delete(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    policy = ctx.bucket.soft_delete_policy
    seconds = int(policy.retention_duration_seconds or 0) if policy is not None else 0
    return {"retention.soft_delete_days": seconds // SECONDS_PER_DAY}


def _retention(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    """A bucket retention policy keeps every object from deletion or overwrite for its period
    (write-once); once locked it can be neither removed nor shortened."""
    b = ctx.bucket
    period = int(b.retention_period or 0)
    locked = bool(b.retention_policy_locked) and period > 0
    return {
        "retention.object_lock": period > 0,
        "retention.days": period // SECONDS_PER_DAY if period else None,
        "retention.mode": ("LOCKED" if locked else "UNLOCKED") if period else None,
        "retention.locked": locked,
        "raw.object_retention_mode": b.object_retention_mode,
    }


def _object_audit(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    """Cloud Storage's Data Access audit logs are a project setting: every bucket of the
    project is recorded when DATA_READ and DATA_WRITE are on (for storage or allServices)."""
    audit = ctx.reads.storage_audit()
    return {
        "logging.object_audit": audit.objects_recorded,
        "logging.object_audit_exempted_members": list(audit.exempted_members),
    }


def _https_only(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    """A bucket has no HTTPS-only setting of its own; the storage.secureHttpTransport
    organization policy makes Cloud Storage refuse plain HTTP for the whole project."""
    return {"transport.https_only": ctx.reads.enforced(SECURE_TRANSPORT)}


def _logging(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    settings = ctx.bucket.get_logging() or {}
    target = settings.get("logBucket")
    prefix = settings.get("logObjectPrefix") or ""
    return {"logging.access_logs": bool(target), "logging.target": f"{target}/{prefix}" if target else None}


def _lifecycle(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    rules = list(ctx.bucket.lifecycle_rules)
    return {"lifecycle.enabled": bool(rules), "lifecycle.rule_count": len(rules)}


def _labels(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    return {"tags": dict(ctx.bucket.labels or {})}


# -- one request per bucket ------------------------------------------------------------------


def _iam_policy(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    policy = read(ctx.session, IAM_CALL, ctx.bucket.get_iam_policy, requested_policy_version=IAM_POLICY_VERSION)
    bindings = [{"role": b.get("role"), "members": sorted(b.get("members") or ())} for b in policy.bindings]
    reading = read_policy(bindings, ctx.project, ctx.project_number)
    outside = reading.outside_project
    return {
        "public_access.policy_public": reading.public,
        "public_access.policy_public_members": list(reading.public_members),
        "identity.members": [m.to_dict() for m in reading.members],
        "identity.external_members": [m.member for m in outside],
        "identity.member_domains": sorted({m.domain for m in outside if m.domain}),
    }


def _acl(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    """Legacy ACLs count only while uniform bucket-level access is off (with it on, GCS
    ignores them and refuses to list them)."""
    if facts.get("public_access.acls_disabled"):
        return {"public_access.acl_public": False, "public_access.acl_public_grantees": []}
    bucket_acl = ctx.bucket.acl
    read(ctx.session, ACL_CALL, bucket_acl.reload)
    default_acl = ctx.bucket.default_object_acl
    read(ctx.session, DEFAULT_ACL_CALL, default_acl.reload)
    grantees = public_acl_entities(list(bucket_acl) + list(default_acl))
    return {"public_access.acl_public": bool(grantees), "public_access.acl_public_grantees": grantees}


def _public(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    """Readable by anyone: a public IAM binding or ACL entry, and public access prevention not
    in force (from the bucket or the organization policy). Prevention in force decides alone;
    otherwise one public grant is enough, so an unreadable part matters only when no other
    part already says public. A public grant where prevention cannot be told is unreadable."""
    blocked: ReadFailure | None = None
    try:
        if facts.get("public_access.blocked"):
            return {"public_access.public": False}
    except ReadFailure as exc:
        blocked = exc
    failure = None
    for path in ("public_access.policy_public", "public_access.acl_public"):
        try:
            if facts.get(path):
                return {"public_access.public": blocked or True}
        except ReadFailure as exc:
            failure = failure or exc
    return {"public_access.public": failure if failure else False}


_LISTED = (LIST_CALL,)

BUCKET_FETCHERS: tuple[Fetcher[BucketContext], ...] = (
    Fetcher("location", ("location.region", "location.type", "raw.location", "raw.rpo"), _location, calls=_LISTED),
    Fetcher("data_regions", ("location.data_regions", "location.replica_regions"), _data_regions, calls=_LISTED),
    Fetcher("geo_redundancy", ("replication.enabled", "replication.destinations"), _geo_redundancy, calls=_LISTED),
    Fetcher("storage_class", ("raw.storage_class",), _storage_class, calls=_LISTED),
    Fetcher(
        "encryption",
        ("encryption.at_rest", "encryption.algorithm", "encryption.key_id", "encryption.key_managed_by"),
        _encryption,
        calls=_LISTED,
    ),
    Fetcher(
        "key_rotation",
        ("encryption.key_rotation", "encryption.key_rotation_days", "encryption.key_next_rotation"),
        _key_rotation,
        calls=(KEY_CALL,),
        requires=("encryption",),
    ),
    Fetcher("access_config", ("public_access.acls_disabled", "public_access.prevention"), _access_config, calls=_LISTED),
    Fetcher(
        "public_block",
        ("public_access.blocked",),
        _public_block,
        calls=(LIST_CALL, ORG_POLICY_CALL),
        requires=("access_config",),
    ),
    Fetcher("versioning", ("versioning.enabled", "versioning.status"), _versioning, calls=_LISTED),
    Fetcher("soft_delete", ("retention.soft_delete_days",), _soft_delete, calls=_LISTED),
    Fetcher(
        "retention",
        ("retention.object_lock", "retention.days", "retention.mode", "retention.locked", "raw.object_retention_mode"),
        _retention,
        calls=_LISTED,
    ),
    Fetcher("logging", ("logging.access_logs", "logging.target"), _logging, calls=_LISTED),
    Fetcher(
        "object_audit",
        ("logging.object_audit", "logging.object_audit_exempted_members"),
        _object_audit,
        calls=AUDIT_CALLS,
    ),
    Fetcher("https_only", ("transport.https_only",), _https_only, calls=(ORG_POLICY_CALL,)),
    Fetcher("lifecycle", ("lifecycle.enabled", "lifecycle.rule_count"), _lifecycle, calls=_LISTED),
    Fetcher("labels", ("tags",), _labels, calls=_LISTED),
    Fetcher(
        "iam_policy",
        (
            "public_access.policy_public",
            "public_access.policy_public_members",
            "identity.members",
            "identity.external_members",
            "identity.member_domains",
        ),
        _iam_policy,
        calls=(IAM_CALL,),
    ),
    Fetcher(
        "acl",
        ("public_access.acl_public", "public_access.acl_public_grantees"),
        _acl,
        calls=(ACL_CALL, DEFAULT_ACL_CALL),
        requires=("access_config",),
    ),
    Fetcher(
        "public",
        ("public_access.public",),
        _public,
        requires=("public_block", "iam_policy", "acl"),
        combines=True,
    ),
)
