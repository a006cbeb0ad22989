"""A deterministic mix of S3 bucket settings, and the status each rule must give each bucket.

`plan_tenant(n, seed)` always returns the same buckets for the same arguments. The expected
statuses are derived here from the settings alone, independently of the scanner's code, so
that the benchmark can tell whether every finding is right.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

ACCOUNT_ID = "123456789012"

REGIONS = ("eu-west-3", "eu-central-1", "eu-west-1", "us-east-1", "us-west-2")
REGION_WEIGHTS = (5, 2, 1, 1, 1)
EEA_REGIONS = frozenset({"eu-west-1", "eu-west-3", "eu-central-1"})
"""The EEA regions among REGIONS (the default allowed regions of the residency rules)."""

ENCRYPTIONS = ("none", "AES256", "aws-kms", "aws-kms-alias", "customer-kms")
"""none; SSE-S3; SSE-KMS with the AWS-managed key (no key id, or alias/aws/s3); a customer key."""
OWNERSHIPS = ("none", "BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter")
TLS_MINIMUMS = (None, "1.0", "1.2", "1.3")
BLOCK_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")

MIN_RETENTION_DAYS = 7
"""storage.object-lock's default min_retention_days."""

PARTNER_ACCOUNT = "111122223333"
"""Another AWS account that some bucket policies grant access to."""

FIRST_RELEASE_BUCKET_RULES = (
    "storage.encryption-at-rest", "storage.customer-managed-key", "storage.public-access-blocked",
    "storage.no-public-grants", "storage.acls-disabled", "storage.https-only", "storage.min-tls-1-2",
    "storage.region-allowed", "storage.replica-region-allowed", "storage.versioning", "aws.s3-mfa-delete",
    "storage.object-lock", "storage.access-logging", "storage.replication",
)
FIRST_RELEASE_ACCOUNT_RULES = ("aws.account-public-access-block", "aws.root-mfa", "aws.console-users-mfa")
BUCKET_RULES = FIRST_RELEASE_BUCKET_RULES + (
    "storage.lifecycle", "storage.no-cross-account-access", "storage.private-network-only",
    "storage.double-encryption", "storage.key-rotation", "storage.audit-log-immutable",
    "storage.backup-coverage", "storage.object-audit-logging", "storage.sensitive-data-discovery",
    "storage.threat-detection", "storage.private-endpoint",
)
ACCOUNT_RULES = FIRST_RELEASE_ACCOUNT_RULES + ("aws.root-hardware-mfa", "aws.access-key-rotation", "storage.access-change-alert")


@dataclass(frozen=True)
class LockSpec:
    """Object Lock on, with a default retention (mode and days or years) or none."""

    mode: str | None = None
    days: int | None = None
    years: int | None = None

    @property
    def retention_days(self) -> int | None:
        if self.days is not None:
            return self.days
        return self.years * 365 if self.years is not None else None


LOCKS = (LockSpec("GOVERNANCE", days=1), LockSpec("COMPLIANCE", days=30), LockSpec("GOVERNANCE", days=365), LockSpec())
"""Days only: with Years, moto also reports Days 0 (AWS reports one or the other)."""


@dataclass(frozen=True)
class BucketSpec:
    """How one benchmark bucket is configured."""

    name: str
    region: str
    encryption: str = "none"
    block_flags: tuple[str, ...] = ()
    """The bucket-level Block Public Access flags that are on."""
    ownership: str = "none"
    public_acl: bool = False
    public_policy: bool = False
    https_only: bool = False
    min_tls: str | None = None
    versioning: str | None = None
    """None (never set), 'Enabled' or 'Suspended'."""
    mfa_delete: bool = False
    lock: LockSpec | None = None
    logs_to: str | None = None
    replicate_to: str | None = None
    log_target: bool = False
    """Receives the access logs of its region (its policy lets S3 log delivery write)."""
    tags: dict[str, str] = field(default_factory=dict)
    lifecycle: bool = False
    partner_access: bool = False
    """The policy lets PARTNER_ACCOUNT read objects."""

    @property
    def versioned(self) -> bool:
        return self.versioning == "Enabled" or self.lock is not None

    @property
    def has_policy(self) -> bool:
        return self.public_policy or self.https_only or self.min_tls is not None or self.log_target or self.partner_access


@dataclass(frozen=True)
class TenantPlan:
    buckets: tuple[BucketSpec, ...]
    seed: int


def plan_tenant(n: int, seed: int = 7) -> TenantPlan:
    """n buckets: first one log/replica target per region (as many as n allows), then a mix."""
    rng = random.Random(seed)
    targets = [_target_bucket(seed, region) for region in REGIONS[: max(0, min(n, len(REGIONS)))]]
    by_region = {b.region: b.name for b in targets}
    buckets = list(targets)
    for index in range(n - len(targets)):
        buckets.append(_mixed_bucket(rng, f"bench{seed}-{index:05d}", by_region))
    return TenantPlan(tuple(buckets), seed)


def _target_bucket(seed: int, region: str) -> BucketSpec:
    return BucketSpec(
        name=f"bench{seed}-logs-{region}",
        region=region,
        encryption="AES256",
        block_flags=BLOCK_FLAGS,
        ownership="BucketOwnerEnforced",
        versioning="Enabled",
        log_target=True,
        tags={"role": "logs"},
    )


def _mixed_bucket(rng: random.Random, name: str, targets: dict[str, str]) -> BucketSpec:
    region = rng.choices(REGIONS, REGION_WEIGHTS)[0]
    encryption = rng.choice(ENCRYPTIONS)
    block = rng.random()
    block_flags = BLOCK_FLAGS if block < 0.5 else tuple(f for f in BLOCK_FLAGS if rng.random() < 0.5) if block < 0.75 else ()
    ownership = rng.choice(OWNERSHIPS)
    # As AWS would: no public ACL where ACLs are disabled or blocked, no public policy where blocked.
    public_acl = ownership != "BucketOwnerEnforced" and "BlockPublicAcls" not in block_flags and rng.random() < 0.3
    public_policy = "BlockPublicPolicy" not in block_flags and rng.random() < 0.3
    https_only = rng.random() < 0.5
    min_tls = rng.choice(TLS_MINIMUMS)
    lock = rng.choice(LOCKS) if rng.random() < 0.25 else None
    versioning = "Enabled" if lock else rng.choice((None, "Enabled", "Suspended"))
    mfa_delete = versioning == "Enabled" and rng.random() < 0.3
    logs_to = targets.get(region) if rng.random() < 0.4 else None
    replicate_to = None
    if versioning == "Enabled" and rng.random() < 0.3:
        elsewhere = [t for r, t in targets.items() if r != region]
        replicate_to = rng.choice(elsewhere) if elsewhere else None
    tags = {"data": rng.choice(("patient-records", "imaging", "backups", "exports"))} if rng.random() < 0.6 else {}
    lifecycle = rng.random() < 0.4
    partner_access = rng.random() < 0.15
    return BucketSpec(
        name, region, encryption, block_flags, ownership, public_acl, public_policy, https_only, min_tls,
        versioning, mfa_delete, lock, logs_to, replicate_to, False, tags, lifecycle, partner_access,
    )


MOTO_SERVER_GAPS = {"storage.backup-coverage": "ERROR"}
"""Over HTTP, moto's server answers backup:ListProtectedResources with 404 (in-process moto
answers it), so the scan rightly cannot tell whether a bucket is backed up."""


def expected_statuses(plan: TenantPlan, over_moto_server: bool = False) -> dict[tuple[str, str], str]:
    """(resource name, rule id) -> PASS, FAIL, NOT_APPLICABLE (or ERROR where moto's server
    cannot answer) for every bucket rule and the account rules."""
    expected: dict[tuple[str, str], str] = {}
    regions = {b.name: b.region for b in plan.buckets}
    gaps = MOTO_SERVER_GAPS if over_moto_server else {}
    for bucket in plan.buckets:
        for rule, passes in _bucket_verdicts(bucket, regions).items():
            status = "NOT_APPLICABLE" if passes is None else "PASS" if passes else "FAIL"
            expected[(bucket.name, rule)] = gaps.get(rule, status) if passes is not None else status
    # The account: no account-wide block, moto always reports no root MFA, no IAM users.
    expected[(ACCOUNT_ID, "aws.account-public-access-block")] = "FAIL"
    expected[(ACCOUNT_ID, "aws.root-mfa")] = "FAIL"
    expected[(ACCOUNT_ID, "aws.root-hardware-mfa")] = "FAIL"
    expected[(ACCOUNT_ID, "aws.console-users-mfa")] = "PASS"
    expected[(ACCOUNT_ID, "aws.access-key-rotation")] = "PASS"
    expected[(ACCOUNT_ID, "storage.access-change-alert")] = "FAIL"
    return expected


def _bucket_verdicts(bucket: BucketSpec, regions: dict[str, str]) -> dict[str, bool | None]:
    """True (PASS), False (FAIL) or None (NOT_APPLICABLE) for each bucket rule. The tenant has
    no CloudTrail trail, AWS Backup plan, GuardDuty or VPC endpoint, no VPC-only policy, no DSSE-KMS,
    and its customer keys keep moto's default of no rotation."""
    retention_days = bucket.lock.retention_days if bucket.lock else None
    replica_regions = {regions[bucket.replicate_to]} if bucket.replicate_to else set()
    return {
        "storage.encryption-at-rest": bucket.encryption != "none",
        "storage.customer-managed-key": bucket.encryption == "customer-kms",
        "storage.public-access-blocked": set(bucket.block_flags) == set(BLOCK_FLAGS),
        "storage.no-public-grants": not (bucket.public_acl or bucket.public_policy),
        "storage.acls-disabled": bucket.ownership == "BucketOwnerEnforced",
        "storage.https-only": bucket.https_only,
        "storage.min-tls-1-2": bucket.min_tls in ("1.2", "1.3"),
        "storage.region-allowed": bucket.region in EEA_REGIONS,
        "storage.replica-region-allowed": replica_regions <= EEA_REGIONS,
        "storage.versioning": bucket.versioned,
        "aws.s3-mfa-delete": bucket.mfa_delete,
        "storage.object-lock": bucket.lock is not None and retention_days is not None and retention_days >= MIN_RETENTION_DAYS,
        "storage.access-logging": bucket.logs_to is not None,
        "storage.replication": bucket.replicate_to is not None,
        "storage.lifecycle": bucket.lifecycle,
        "storage.no-cross-account-access": not bucket.partner_access,
        "storage.private-network-only": False,
        "storage.double-encryption": False,
        "storage.key-rotation": False if bucket.encryption == "customer-kms" else None,
        "storage.audit-log-immutable": None,
        "storage.backup-coverage": False,
        "storage.object-audit-logging": False,
        "storage.sensitive-data-discovery": True,  # moto's GetMacieSession answers ENABLED
        "storage.threat-detection": False,
        "storage.private-endpoint": False,
    }
