"""S3 buckets: one fetcher per group of settings, each with the calls it needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from cloudaudit.providers.aws.bucket_regions import BucketRegions
from cloudaudit.providers.aws.calls import read
from cloudaudit.providers.aws.cloudtrail import object_events_logged
from cloudaudit.providers.aws.s3_policy import (
    foreign_accounts,
    may_be_public,
    parse_policy,
    restricted_to_private_network,
    transport_policy,
)
from cloudaudit.providers.aws.services import AccountServices
from cloudaudit.providers.aws.session import AwsSession
from cloudaudit.providers.facts import Facts, Fetcher, ReadFailure

BLOCK_FLAGS = (
    ("BlockPublicAcls", "block_public_acls"),
    ("IgnorePublicAcls", "ignore_public_acls"),
    ("BlockPublicPolicy", "block_public_policy"),
    ("RestrictPublicBuckets", "restrict_public_buckets"),
)
PUBLIC_GROUPS = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "AuthenticatedUsers",
}
ENFORCED_OWNERSHIP = "BucketOwnerEnforced"




@dataclass
class BucketContext:
    """What every bucket fetcher may use."""

    name: str
    region: str
    account: str
    partition: str
    session: AwsSession
    account_block: Mapping[str, bool] | ReadFailure | None
    """The account's Block Public Access flags, or why they could not be read; None if not read."""
    services: AccountServices
    regions: BucketRegions
    """Every bucket's region, read once per scan: also places replication destinations."""

    @property
    def s3(self) -> Any:
        return self.session.client("s3", self.region)

    @property
    def arn(self) -> str:
        return f"arn:{self.partition}:s3:::{self.name}"


# -- fetchers --------------------------------------------------------------------------------


def _encryption(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    response = read(
        "s3:GetBucketEncryption",
        ctx.s3.get_bucket_encryption,
        absent=("ServerSideEncryptionConfigurationNotFoundError",),
        Bucket=ctx.name,
    )
    rules = (response or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    default = next((r for r in rules if "ApplyServerSideEncryptionByDefault" in r), None)
    if default is None:
        return {
            "encryption.at_rest": False,
            "encryption.algorithm": None,
            "encryption.key_id": None,
            "encryption.bucket_key": None,
            "encryption.double": False,
        }
    settings = default["ApplyServerSideEncryptionByDefault"]
    algorithm = settings.get("SSEAlgorithm")
    return {
        "encryption.at_rest": bool(algorithm),
        "encryption.algorithm": algorithm,
        "encryption.key_id": settings.get("KMSMasterKeyID"),
        "encryption.bucket_key": default.get("BucketKeyEnabled"),
        "encryption.double": algorithm == "aws:kms:dsse",
    }


def _encryption_key(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    algorithm = facts.get("encryption.algorithm")
    key_id = facts.get("encryption.key_id")
    if not algorithm:
        return {"encryption.key_managed_by": None}
    if not algorithm.startswith("aws:kms") or not key_id or key_id in ("alias/aws/s3", "aws/s3"):
        return {"encryption.key_managed_by": "provider"}
    try:
        return {"encryption.key_managed_by": ctx.services.key_manager(key_id, ctx.region)}
    except ReadFailure as failure:
        return {"encryption.key_managed_by": failure}


def _key_rotation(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    """Customer keys must be rotated; AWS rotates its own managed keys every year."""
    if facts.get("encryption.key_managed_by") != "customer":
        return {"encryption.key_rotation": None}
    return {"encryption.key_rotation": ctx.services.key_rotation(facts.get("encryption.key_id"), ctx.region)}


def _bucket_block(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    response = read(
        "s3:GetPublicAccessBlock",
        ctx.s3.get_public_access_block,
        absent=("NoSuchPublicAccessBlockConfiguration",),
        Bucket=ctx.name,
    )
    flags = (response or {}).get("PublicAccessBlockConfiguration", {})
    return {f"public_access.bucket_block.{ours}": bool(flags.get(theirs)) for theirs, ours in BLOCK_FLAGS}


def _account_block(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    if isinstance(ctx.account_block, ReadFailure):
        raise ctx.account_block
    flags = ctx.account_block or {}
    return {f"public_access.account_block.{ours}": bool(flags.get(ours)) for _, ours in BLOCK_FLAGS}


def _effective_flag(facts: Facts, flag: str) -> bool:
    """A Block Public Access flag holds if the bucket or the account sets it.
    An unreadable account setting matters only when the bucket does not set the flag itself."""
    if facts.get(f"public_access.bucket_block.{flag}"):
        return True
    return bool(facts.get(f"public_access.account_block.{flag}"))


def _blocked(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    """All four flags must hold; one flag known to be off decides, whatever else is unreadable."""
    failure = None
    for _, flag in BLOCK_FLAGS:
        try:
            if not _effective_flag(facts, flag):
                return {"public_access.blocked": False}
        except ReadFailure as exc:
            failure = failure or exc
    return {"public_access.blocked": failure if failure else True}


def _policy_status(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    # No policy, or one that grants nothing to a wildcard principal: S3 cannot call it public.
    if facts.peek("raw.policy_present") is False or facts.peek("raw.policy_may_be_public") is False:
        return {"public_access.policy_public": False}
    response = read(
        "s3:GetBucketPolicyStatus",
        ctx.s3.get_bucket_policy_status,
        absent=("NoSuchBucketPolicy",),
        Bucket=ctx.name,
    )
    return {"public_access.policy_public": bool((response or {}).get("PolicyStatus", {}).get("IsPublic"))}


def _ownership(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    response = read(
        "s3:GetBucketOwnershipControls",
        ctx.s3.get_bucket_ownership_controls,
        absent=("OwnershipControlsNotFoundError",),
        Bucket=ctx.name,
    )
    rules = (response or {}).get("OwnershipControls", {}).get("Rules", [])
    ownership = rules[0].get("ObjectOwnership") if rules else "ObjectWriter"
    return {
        "public_access.object_ownership": ownership,
        "public_access.acls_disabled": ownership == ENFORCED_OWNERSHIP,
    }


def _acl(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    # With BucketOwnerEnforced, S3 refuses any ACL that grants access to others: no call needed.
    if facts.peek("public_access.acls_disabled") is True:
        return {"public_access.acl_public": False, "public_access.acl_public_grantees": []}
    response = read("s3:GetBucketAcl", ctx.s3.get_bucket_acl, Bucket=ctx.name)
    grantees = []
    for grant in response.get("Grants", []):
        group = PUBLIC_GROUPS.get(grant.get("Grantee", {}).get("URI", ""))
        if group and group not in grantees:
            grantees.append(group)
    return {"public_access.acl_public": bool(grantees), "public_access.acl_public_grantees": grantees}


def _public(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    """Effective exposure: a public policy counts unless RestrictPublicBuckets holds; a public
    ACL counts unless ACLs are disabled or IgnorePublicAcls holds. Either way out is enough to be
    public, so an unreadable part matters only when no other part already says public."""

    def via_policy() -> bool:
        return facts.get("public_access.policy_public") and not _effective_flag(facts, "restrict_public_buckets")

    def via_acl() -> bool:
        return (
            facts.get("public_access.acl_public")
            and not facts.get("public_access.acls_disabled")
            and not _effective_flag(facts, "ignore_public_acls")
        )

    failure = None
    for way_in in (via_policy, via_acl):
        try:
            if way_in():
                return {"public_access.public": True}
        except ReadFailure as exc:
            failure = failure or exc
    return {"public_access.public": failure if failure else False}


def _policy(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    response = read(
        "s3:GetBucketPolicy", ctx.s3.get_bucket_policy, absent=("NoSuchBucketPolicy",), Bucket=ctx.name
    )
    if response is None:
        return {
            "raw.policy_present": False,
            "raw.policy_may_be_public": False,
            "transport.https_only": False,
            "transport.min_tls_version": None,
            "public_access.foreign_accounts": [],
            "network.public_access": True,
        }
    try:
        document = parse_policy(response["Policy"])
    except ValueError as exc:
        raise ReadFailure(f"s3:GetBucketPolicy: the policy is not valid JSON ({exc})") from None
    transport = transport_policy(document, ctx.name)
    return {
        "raw.policy_present": True,
        "raw.policy_may_be_public": may_be_public(document),
        "transport.https_only": transport.https_only,
        "transport.min_tls_version": transport.min_tls_version,
        "public_access.foreign_accounts": foreign_accounts(document, ctx.account),
        "network.public_access": not restricted_to_private_network(document, ctx.name),
    }


def _versioning(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    response = read("s3:GetBucketVersioning", ctx.s3.get_bucket_versioning, Bucket=ctx.name)
    status = response.get("Status") or "Disabled"  # S3 gives no Status until versioning is first set
    return {
        "versioning.enabled": status == "Enabled",
        "versioning.status": status,
        "versioning.mfa_delete": response.get("MFADelete") == "Enabled",
    }


def _versioning_off(facts: Facts) -> bool:
    """Versioning was read and is not on: never enabled, or suspended."""
    return facts.peek("versioning.status") in ("Disabled", "Suspended")


def _object_lock(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    # Object Lock turns versioning on, and S3 then refuses to suspend it: no versioning, no lock.
    response = None if _versioning_off(facts) else read(
        "s3:GetObjectLockConfiguration",
        ctx.s3.get_object_lock_configuration,
        absent=("ObjectLockConfigurationNotFoundError",),
        Bucket=ctx.name,
    )
    config = (response or {}).get("ObjectLockConfiguration", {})
    enabled = config.get("ObjectLockEnabled") == "Enabled"
    retention = config.get("Rule", {}).get("DefaultRetention", {})
    mode = retention.get("Mode")
    days = retention.get("Days")
    if days is None and retention.get("Years") is not None:
        days = int(retention["Years"]) * 365
    return {
        "retention.object_lock": enabled,
        "retention.mode": mode,
        "retention.days": days,
        "retention.locked": enabled and mode == "COMPLIANCE",
    }


def _logging(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    response = read("s3:GetBucketLogging", ctx.s3.get_bucket_logging, Bucket=ctx.name)
    enabled = response.get("LoggingEnabled")
    target = f"{enabled.get('TargetBucket')}/{enabled.get('TargetPrefix', '')}" if enabled else None
    return {"logging.access_logs": bool(enabled), "logging.target": target}


def _replication(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    # S3 accepts a replication configuration only on a versioned bucket, and refuses to suspend
    # versioning while one is present: no versioning, no replication.
    response = None if _versioning_off(facts) else read(
        "s3:GetBucketReplication",
        ctx.s3.get_bucket_replication,
        absent=("ReplicationConfigurationNotFoundError",),
        Bucket=ctx.name,
    )
    rules = (response or {}).get("ReplicationConfiguration", {}).get("Rules", [])
    destinations = []
    for rule in rules:
        if rule.get("Status") != "Enabled":
            continue
        destination = rule.get("Destination", {})
        bucket = destination.get("Bucket", "").split(":::")[-1]
        if not bucket or any(d["bucket"] == bucket for d in destinations):
            continue
        destinations.append(
            {"bucket": bucket, "region": _destination_region(ctx, bucket), "account": destination.get("Account")}
        )
    return {"replication.enabled": bool(destinations), "replication.destinations": destinations}


def _destination_region(ctx: BucketContext, bucket: str) -> str | None:
    try:
        return ctx.regions.region(bucket)
    except ReadFailure:
        return None


def _data_regions(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    replicas: list[str] = []
    for destination in facts.get("replication.destinations"):
        region = destination["region"]
        if region is None:
            raise ReadFailure(
                f"s3:GetBucketLocation: the region of replica bucket {destination['bucket']} could not be read"
            )
        if region not in replicas:
            replicas.append(region)
    everywhere = [ctx.region] + [r for r in replicas if r != ctx.region]
    return {"location.data_regions": everywhere, "location.replica_regions": replicas}


def _lifecycle(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    response = read(
        "s3:GetBucketLifecycleConfiguration",
        ctx.s3.get_bucket_lifecycle_configuration,
        absent=("NoSuchLifecycleConfiguration",),
        Bucket=ctx.name,
    )
    rules = (response or {}).get("Rules", [])
    enabled = [r for r in rules if r.get("Status") == "Enabled"]
    return {"lifecycle.enabled": bool(enabled), "lifecycle.rule_count": len(enabled)}


def _tags(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    response = read("s3:GetBucketTagging", ctx.s3.get_bucket_tagging, absent=("NoSuchTagSet",), Bucket=ctx.name)
    return {"tags": {t["Key"]: t["Value"] for t in (response or {}).get("TagSet", [])}}


def _backup(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    return {"backup.protected": ctx.arn in ctx.services.backup_protected(ctx.region)}


def _threat_detection(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    return {"threat_detection.enabled": ctx.services.guardduty_s3_protection(ctx.region)}


def _data_discovery(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    return {"data_discovery.enabled": ctx.services.macie_enabled(ctx.region)}


def _private_endpoint(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    return {"network.private_endpoint_approved": ctx.services.s3_vpc_endpoint(ctx.region)}


def _audit_trail(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    trails = ctx.services.trails()
    return {
        "logging.object_audit": object_events_logged(trails, ctx.name, ctx.region),
        "logging.audit_log_bucket": any(t.bucket == ctx.name for t in trails),
    }


def _location(ctx: BucketContext, facts: Facts) -> dict[str, Any]:
    return {"location.region": ctx.region, "location.type": "region"}


_FLAG_PATHS = tuple(f"public_access.bucket_block.{ours}" for _, ours in BLOCK_FLAGS)
_ACCOUNT_FLAG_PATHS = tuple(f"public_access.account_block.{ours}" for _, ours in BLOCK_FLAGS)

BUCKET_FETCHERS: tuple[Fetcher[BucketContext], ...] = (
    Fetcher("location", ("location.region", "location.type"), _location),
    Fetcher(
        "encryption",
        ("encryption.at_rest", "encryption.algorithm", "encryption.key_id", "encryption.bucket_key", "encryption.double"),
        _encryption,
        calls=("s3:GetBucketEncryption",),
    ),
    Fetcher("encryption_key", ("encryption.key_managed_by",), _encryption_key, calls=("kms:DescribeKey",), requires=("encryption",)),
    Fetcher("key_rotation", ("encryption.key_rotation",), _key_rotation, calls=("kms:GetKeyRotationStatus",), requires=("encryption_key",)),
    Fetcher("bucket_block", _FLAG_PATHS, _bucket_block, calls=("s3:GetPublicAccessBlock",)),
    Fetcher("account_block", _ACCOUNT_FLAG_PATHS, _account_block, calls=("s3control:GetPublicAccessBlock",)),
    Fetcher("blocked", ("public_access.blocked",), _blocked, requires=("bucket_block", "account_block"), combines=True),
    Fetcher(
        "policy",
        (
            "raw.policy_present",
            "raw.policy_may_be_public",
            "transport.https_only",
            "transport.min_tls_version",
            "public_access.foreign_accounts",
            "network.public_access",
        ),
        _policy,
        calls=("s3:GetBucketPolicy",),
    ),
    Fetcher("policy_status", ("public_access.policy_public",), _policy_status, calls=("s3:GetBucketPolicyStatus",), uses=("policy",)),
    Fetcher("ownership", ("public_access.object_ownership", "public_access.acls_disabled"), _ownership, calls=("s3:GetBucketOwnershipControls",)),
    Fetcher("acl", ("public_access.acl_public", "public_access.acl_public_grantees"), _acl, calls=("s3:GetBucketAcl",), uses=("ownership",)),
    Fetcher(
        "public",
        ("public_access.public",),
        _public,
        requires=("policy_status", "acl", "ownership", "bucket_block", "account_block"),
        combines=True,
    ),
    Fetcher("versioning", ("versioning.enabled", "versioning.status", "versioning.mfa_delete"), _versioning, calls=("s3:GetBucketVersioning",)),
    Fetcher(
        "object_lock",
        ("retention.object_lock", "retention.mode", "retention.days", "retention.locked"),
        _object_lock,
        calls=("s3:GetObjectLockConfiguration",),
        uses=("versioning",),
    ),
    Fetcher("logging", ("logging.access_logs", "logging.target"), _logging, calls=("s3:GetBucketLogging",)),
    Fetcher(
        "replication",
        ("replication.enabled", "replication.destinations"),
        _replication,
        calls=("s3:GetBucketReplication", "s3:GetBucketLocation"),
        uses=("versioning",),
    ),
    Fetcher("data_regions", ("location.data_regions", "location.replica_regions"), _data_regions, requires=("replication",)),
    Fetcher("lifecycle", ("lifecycle.enabled", "lifecycle.rule_count"), _lifecycle, calls=("s3:GetBucketLifecycleConfiguration",)),
    Fetcher("tags", ("tags",), _tags, calls=("s3:GetBucketTagging",)),
    Fetcher("backup", ("backup.protected",), _backup, calls=("backup:ListProtectedResources",)),
    Fetcher("threat_detection", ("threat_detection.enabled",), _threat_detection, calls=("guardduty:ListDetectors", "guardduty:GetDetector")),
    Fetcher("data_discovery", ("data_discovery.enabled",), _data_discovery, calls=("macie2:GetMacieSession",)),
    Fetcher("private_endpoint", ("network.private_endpoint_approved",), _private_endpoint, calls=("ec2:DescribeVpcEndpoints",)),
    Fetcher(
        "audit_trail",
        ("logging.object_audit", "logging.audit_log_bucket"),
        _audit_trail,
        calls=("cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors"),
    ),
)
