"""A seeded Cloud Storage project: N buckets with a mix of settings, and the status every GCS
rule must give each, derived from the settings (as GCS documents them) and from what
gcp-storage-emulator holds of them."""

from __future__ import annotations

import random
from dataclasses import dataclass

PROJECT = "bench-practice"
DAY = 86400
LOCATIONS = {
    # code: (location type GCS reports, in the EEA, replica regions in the EEA)
    "EU": ("multi-region", True, True),
    "US": ("multi-region", False, True),
    "EUROPE-WEST9": ("region", True, True),
    "EUROPE-WEST2": ("region", False, True),  # London: outside the EEA
    "US-CENTRAL1": ("region", False, True),
    "EUR4": ("dual-region", True, True),  # europe-north1 + europe-west4
    "NAM4": ("dual-region", False, False),  # us-central1 + us-east1
}
"""A dual-region's two regions are its replicas; a region or multi-region code lists none."""
SOFT_DELETE = {"default": 7, "off": 0, "month": 30}
"""Soft delete retention in days: 'default' is what a new bucket gets (GCS and the emulator: 7)."""
IAM_PROFILES = ("none", "owners", "public", "partner")
"""none: the emulator's empty default policy; owners: the project's own roles; public: allUsers
may read objects; partner: a user outside the project (any domain fails with the default,
empty, list of allowed domains)."""
PARTNER = "user:it@partner-msp.example"
MIN_SOFT_DELETE_DAYS = 7
MIN_RETENTION_DAYS = 7


@dataclass(frozen=True)
class BucketSpec:
    name: str
    location: str
    uniform_access: bool
    prevention_enforced: bool
    cmek: bool
    versioning: bool
    retention_days: int
    """0: no retention policy."""
    locked: bool
    soft_delete: str
    logging: bool
    lifecycle: bool
    labels: bool
    iam: str
    public_acl: bool
    """allUsers READER in the bucket ACL (only with uniform access off, which ACLs need)."""

    @property
    def location_type(self) -> str:
        return LOCATIONS[self.location][0]


def key_name(bucket: "BucketSpec") -> str:
    """The bucket's default Cloud KMS key (customer-keyed buckets only)."""
    return f"projects/{PROJECT}/locations/europe-west9/keyRings/phi/cryptoKeys/{bucket.name}"


@dataclass(frozen=True)
class TenantPlan:
    buckets: tuple[BucketSpec, ...]


def plan_tenant(size: int, seed: int) -> TenantPlan:
    rng = random.Random(seed)
    return TenantPlan(tuple(_bucket(rng, i) for i in range(size)))


def _bucket(rng: random.Random, index: int) -> BucketSpec:
    uniform = rng.random() < 0.6
    enforced = rng.random() < 0.5
    retention = rng.choice((0, 0, 3, 30))
    # GCS refuses allUsers where prevention is enforced; the emulator would store it anyway.
    iam = rng.choice(IAM_PROFILES if not enforced else ("none", "owners", "partner"))
    return BucketSpec(
        name=f"bench-{index:05d}",
        location=rng.choice(tuple(LOCATIONS)),
        uniform_access=uniform,
        prevention_enforced=enforced,
        cmek=rng.random() < 0.3,
        versioning=rng.random() < 0.5,
        retention_days=retention,
        locked=retention > 0 and rng.random() < 0.5,
        soft_delete=rng.choice(tuple(SOFT_DELETE)),
        logging=rng.random() < 0.4,
        lifecycle=rng.random() < 0.4,
        labels=rng.random() < 0.6,
        iam=iam,
        public_acl=not uniform and not enforced and rng.random() < 0.3,
    )


def expected_statuses(plan: TenantPlan) -> dict[tuple[str, str], str]:
    """(bucket name or project id, rule id) -> PASS, FAIL or NOT_APPLICABLE. The emulator, and
    the bench server for the project's own APIs, serve every fact these rules read, so none is
    expected to give ERROR."""
    from bench.gcp.project import BUCKET_VERDICTS_FROM_PROJECT, PROJECT_VERDICTS, key_rotates

    expected = {(PROJECT, rule): _status(verdict) for rule, verdict in PROJECT_VERDICTS.items()}
    for bucket in plan.buckets:
        for rule, verdict in {**bucket_verdicts(bucket), **BUCKET_VERDICTS_FROM_PROJECT}.items():
            expected[(bucket.name, rule)] = _status(verdict)
        expected[(bucket.name, "storage.key-rotation")] = _status(key_rotates(bucket) if bucket.cmek else None)
    return expected


def _status(verdict: bool | None) -> str:
    return "NOT_APPLICABLE" if verdict is None else "PASS" if verdict else "FAIL"


def bucket_verdicts(b: BucketSpec) -> dict[str, bool | None]:
    kind, in_eea, replicas_in_eea = LOCATIONS[b.location]
    public_iam = b.iam == "public"
    return {
        "storage.encryption-at-rest": True,  # GCS encrypts every object
        "storage.customer-managed-key": b.cmek,
        "storage.double-encryption": None,  # not a GCS setting
        "storage.min-tls-1-2": None,
        "storage.versioning": b.versioning,
        "storage.object-lock": b.retention_days >= MIN_RETENTION_DAYS,
        "gcp.retention-policy-locked": b.retention_days > 0 and b.locked,
        "storage.replication": kind in ("dual-region", "multi-region"),  # GCS replicates by location type
        "storage.access-logging": b.logging,
        "storage.lifecycle": b.lifecycle,
        "storage.soft-delete": SOFT_DELETE[b.soft_delete] >= MIN_SOFT_DELETE_DAYS,
        "storage.region-allowed": in_eea,
        "storage.replica-region-allowed": replicas_in_eea,
        "storage.no-public-grants": not public_iam and not (b.public_acl and not b.uniform_access),
        # the project's organization policy does not enforce prevention (bench/gcp/project.py)
        "storage.public-access-blocked": b.prevention_enforced,
        "gcp.uniform-bucket-access": b.uniform_access,
        "gcp.iam-allowed-domains": b.iam != "partner",
    }
