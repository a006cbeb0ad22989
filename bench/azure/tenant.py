"""A seeded Azure tenant: N storage accounts in one subscription, each with its blob and file
service settings, containers and shares, and the status every rule must give each of them,
derived from these settings alone (what Azure documents, not what the scanner does)."""

from __future__ import annotations

import random
from dataclasses import dataclass

SUBSCRIPTION = "5e1c0b7a-0000-4000-8000-00000000be7c"
SUBSCRIPTION_NAME = "bench-practice"
RESOURCE_GROUPS = ("rg-phi", "rg-imaging", "rg-legacy", "rg-lab")
LOCKED_GROUP = "rg-phi"
"""A CanNotDelete lock on this resource group protects every account in it."""
ALLOWED_LOCATIONS = ("francecentral", "westeurope")
"""The subscription's Allowed locations policy assignment (all in the EEA: the rule passes)."""

LOCATIONS = ("francecentral", "westeurope", "northeurope", "germanywestcentral", "uksouth", "switzerlandnorth", "eastus")
PAIRS = {
    "francecentral": "francesouth", "westeurope": "northeurope", "northeurope": "westeurope",
    "germanywestcentral": "germanynorth", "uksouth": "ukwest", "switzerlandnorth": "switzerlandwest", "eastus": "westus",
}
"""Each region's paired region: where a geo-redundant SKU keeps its second copy."""
EEA = frozenset({"francecentral", "francesouth", "westeurope", "northeurope", "germanywestcentral", "germanynorth"})
"""The regions above (and their pairs) inside the EEA; the UK, Switzerland and the US are not."""
GEO_SKUS = ("Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS")
STANDARD_SKUS = ("Standard_LRS", "Standard_ZRS") + GEO_SKUS

MIN_SOFT_DELETE_DAYS = 7
"""The default of storage.soft-delete, azure.container-soft-delete and azure.share-soft-delete."""
MIN_RETENTION_DAYS = 7
"""The default of storage.object-lock."""
MAX_KEY_AGE_DAYS = 90
MAX_SAS_SECONDS = 3600

KEY_AGES = {"fresh": (10, 20), "old": (400, 5), "unrecorded": None}
"""Days since key1 and key2 were made; 'unrecorded' keys predate creation times (older than any limit)."""
SAS_POLICIES = {"none": None, "short-block": ("0.01:00:00", "Block"), "week-log": ("7.00:00:00", "Log")}
SMB_PROFILES = {
    "default": None,  # every dialect and cipher Azure accepts
    "maximum": ("SMB3.1.1;", "AES-256-GCM;"),
    "compatible": ("SMB3.0;SMB3.1.1", "AES-128-GCM;AES-256-GCM"),
}


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    public_access: str
    """None, Blob or Container (ARM's spelling)."""
    worm_state: str | None
    """The time-based immutability policy: Locked, Unlocked or None."""
    worm_days: int
    listed_in_full: bool
    """Whether BlobContainers_List carries the policy's period (else only hasImmutabilityPolicy,
    and the scan needs BlobContainers_Get)."""

    @property
    def audit_log(self) -> bool:
        return self.name.startswith("insights-logs-")


@dataclass(frozen=True)
class ShareSpec:
    name: str
    protocol: str
    """SMB or NFS."""


@dataclass(frozen=True)
class AccountSpec:
    name: str
    group: str
    location: str
    sku: str
    kind: str
    """StorageV2, or FileStorage (premium shares only: no blob service, no containers)."""
    https_only: bool | None
    """None: supportsHttpsTrafficOnly unset, as on accounts made before 2019 (http allowed)."""
    min_tls: str | None
    allow_blob_public: bool | None
    """None: unset, which still allows anonymous containers on old accounts."""
    shared_key: bool | None
    default_oauth: bool
    cross_tenant: bool | None
    public_network: str | None
    """Enabled, Disabled, or None (unset: Enabled)."""
    default_action: str
    bypass: str
    private_endpoint: str | None
    """Approved, Pending, or None (no private endpoint connection)."""
    key_vault: bool
    infrastructure_encryption: bool
    key_expiration_days: int | None
    key_ages: str
    sas: str
    versioning: bool
    blob_soft_delete: int | None
    container_soft_delete: int | None
    share_soft_delete: int | None
    smb: str
    diagnostics: str
    """all-three (StorageRead, StorageWrite, StorageDelete), all-logs (the allLogs group), read-only, none."""
    lifecycle: str
    """enabled, disabled (a policy whose only rule is off), none (no policy: 404)."""
    defender: str
    """on (the account overrides the subscription: enabled, with sensitive data discovery), off
    (overrides: disabled), inherit (no settings of its own: the subscription's Free plan)."""
    backed_up: bool
    account_lock: bool
    containers: tuple[ContainerSpec, ...]
    shares: tuple[ShareSpec, ...]

    @property
    def geo(self) -> bool:
        return self.sku in GEO_SKUS

    @property
    def secondary(self) -> str | None:
        return PAIRS[self.location] if self.geo else None

    @property
    def file_storage(self) -> bool:
        return self.kind == "FileStorage"


@dataclass(frozen=True)
class TenantPlan:
    accounts: tuple[AccountSpec, ...]

    @property
    def resources(self) -> int:
        return len(self.accounts) + sum(len(a.containers) + len(a.shares) for a in self.accounts)


def plan_tenant(size: int, seed: int) -> TenantPlan:
    rng = random.Random(seed)
    return TenantPlan(tuple(_account(rng, i) for i in range(size)))


def _account(rng: random.Random, index: int) -> AccountSpec:
    name = f"bench{index:05d}st"
    file_storage = rng.random() < 0.1
    kind = "FileStorage" if file_storage else "StorageV2"
    diagnostics = rng.choice(("all-three", "all-logs", "read-only", "none", "none"))
    if file_storage:
        containers: tuple[ContainerSpec, ...] = ()
        shares = (ShareSpec("imaging", "NFS" if rng.random() < 0.5 else "SMB"),)
    else:
        containers = (_container(rng, "records"), _container(rng, "insights-logs-storagewrite" if diagnostics != "none" else "exports"))
        shares = (ShareSpec("scans", "SMB"),)
    return AccountSpec(
        name=name,
        group=rng.choice(RESOURCE_GROUPS),
        location=rng.choice(LOCATIONS),
        sku="Premium_LRS" if file_storage else rng.choice(STANDARD_SKUS),
        kind=kind,
        https_only=rng.choice((True, True, False, None)),
        min_tls=rng.choice(("TLS1_2", "TLS1_2", "TLS1_1", "TLS1_0", None)),
        allow_blob_public=rng.choice((False, True, None)),
        shared_key=rng.choice((False, True, None)),
        default_oauth=rng.random() < 0.5,
        cross_tenant=rng.choice((False, True, None)),
        public_network=rng.choice(("Enabled", "Disabled", None)),
        default_action=rng.choice(("Allow", "Deny")),
        bypass=rng.choice(("AzureServices", "AzureServices, Logging, Metrics", "None")),
        private_endpoint=rng.choice((None, None, "Approved", "Pending")),
        key_vault=rng.random() < 0.3,
        infrastructure_encryption=rng.random() < 0.2,
        key_expiration_days=rng.choice((None, 60, 365)),
        key_ages=rng.choice(tuple(KEY_AGES)),
        sas=rng.choice(tuple(SAS_POLICIES)),
        versioning=not file_storage and rng.random() < 0.5,
        blob_soft_delete=None if file_storage else rng.choice((None, 3, 7, 30)),
        container_soft_delete=None if file_storage else rng.choice((None, 7, 14)),
        share_soft_delete=rng.choice((None, 3, 7, 14)),
        smb=rng.choice(tuple(SMB_PROFILES)),
        diagnostics=diagnostics,
        lifecycle=rng.choice(("enabled", "disabled", "none")),
        defender=rng.choice(("on", "off", "inherit")),
        backed_up=not file_storage and rng.random() < 0.2,
        account_lock=rng.random() < 0.2,
        containers=containers,
        shares=shares,
    )


def _container(rng: random.Random, name: str) -> ContainerSpec:
    worm = rng.choice((None, None, "Locked", "Unlocked"))
    return ContainerSpec(
        name=name,
        public_access=rng.choice(("None", "None", "Blob", "Container")),
        worm_state=worm,
        worm_days=rng.choice((3, 30, 365)) if worm else 0,
        listed_in_full=rng.random() < 0.5,
    )


# -- what every rule must say ------------------------------------------------------------------


def expected_statuses(plan: TenantPlan) -> dict[tuple[str, str], str]:
    """(resource name, rule id) -> PASS, FAIL or NOT_APPLICABLE, for every account, container,
    share and the subscription. The ARM server answers every read the rules need; the one
    ERROR expected is storage.key-rotation on accounts with a Key Vault key, since the scan runs
    with a static Resource Manager token, which cannot read Key Vault ("not visible")."""
    expected: dict[tuple[str, str], str] = {
        (SUBSCRIPTION_NAME, "azure.allowed-locations-policy"): "PASS",
        (SUBSCRIPTION_NAME, "storage.access-change-alert"): "PASS",  # an alert on storageAccounts/write
    }
    for account in plan.accounts:
        for rule, verdict in account_verdicts(account).items():
            expected[(account.name, rule)] = _status(verdict)
        expected[(account.name, "storage.key-rotation")] = "ERROR" if account.key_vault else "NOT_APPLICABLE"
        for container in account.containers:
            for rule, verdict in container_verdicts(account, container).items():
                expected[(f"{account.name}/{container.name}", rule)] = _status(verdict)
        for share in account.shares:
            for rule, verdict in share_verdicts(account, share).items():
                expected[(f"{account.name}/{share.name}", rule)] = _status(verdict)
    return expected


def _status(verdict: bool | None) -> str:
    return "NOT_APPLICABLE" if verdict is None else "PASS" if verdict else "FAIL"


def account_verdicts(a: AccountSpec) -> dict[str, bool | None]:
    """True (PASS), False (FAIL) or None (NOT_APPLICABLE) for each storage account rule."""
    shared_key = a.shared_key is not False  # unset: allowed
    logged = a.diagnostics in ("all-three", "all-logs")
    key_ages = KEY_AGES[a.key_ages]
    sas = SAS_POLICIES[a.sas]
    public_network = a.public_network != "Disabled"
    blob = not a.file_storage
    return {
        "storage.encryption-at-rest": True,  # Azure encrypts every account; it cannot be turned off
        "storage.customer-managed-key": a.key_vault,
        "storage.double-encryption": a.infrastructure_encryption,
        "storage.https-only": a.https_only is True,
        "storage.min-tls-1-2": a.min_tls == "TLS1_2",
        "storage.region-allowed": a.location in EEA,
        "storage.replica-region-allowed": a.secondary is None or a.secondary in EEA,
        "storage.versioning": a.versioning,  # a FileStorage account has no blob versioning
        "storage.access-logging": logged,
        "storage.object-audit-logging": logged,
        "storage.threat-detection": a.defender == "on",
        "storage.sensitive-data-discovery": a.defender == "on",
        "storage.private-network-only": not public_network,
        "storage.backup-coverage": a.backed_up,
        "storage.lifecycle": a.lifecycle == "enabled",
        "azure.blob-anonymous-access-disabled": a.allow_blob_public is False,
        "azure.cross-tenant-replication-disabled": a.cross_tenant is False,
        "azure.shared-key-access-disabled": not shared_key and a.default_oauth,
        "azure.access-key-rotation": None if not shared_key else (
            a.key_expiration_days is not None and a.key_expiration_days <= MAX_KEY_AGE_DAYS
            and key_ages is not None and max(key_ages) <= MAX_KEY_AGE_DAYS
        ),
        "azure.sas-expiry-policy": None if not shared_key else (
            sas is not None and _seconds(sas[0]) <= MAX_SAS_SECONDS and sas[1] == "Block"
        ),
        "azure.network-default-deny": not public_network or (a.default_action == "Deny" and "AzureServices" in a.bypass),
        "storage.private-endpoint": a.private_endpoint == "Approved",
        "storage.soft-delete": None if not blob else (a.blob_soft_delete or 0) >= MIN_SOFT_DELETE_DAYS,
        "azure.container-soft-delete": None if not blob else (a.container_soft_delete or 0) >= MIN_SOFT_DELETE_DAYS,
        "azure.geo-redundant-storage": a.geo,
        "azure.delete-lock": a.account_lock or a.group == LOCKED_GROUP,
    }


def container_verdicts(a: AccountSpec, c: ContainerSpec) -> dict[str, bool | None]:
    worm = c.worm_state is not None
    return {
        # Public only when the container allows it and so does its account.
        "azure.container-not-public": c.public_access == "None" or a.allow_blob_public is False,
        "storage.object-lock": worm and c.worm_days >= MIN_RETENTION_DAYS,
        "storage.audit-log-immutable": worm if c.audit_log else None,
    }


def share_verdicts(a: AccountSpec, s: ShareSpec) -> dict[str, bool | None]:
    smb = SMB_PROFILES[a.smb]
    return {
        "azure.share-soft-delete": (a.share_soft_delete or 0) >= MIN_SOFT_DELETE_DAYS,
        "azure.smb-hardened": None if s.protocol != "SMB" else smb == SMB_PROFILES["maximum"],
    }


def _seconds(period: str) -> int:
    """d.hh:mm:ss -> seconds."""
    days, _, clock = period.rpartition(".")
    hours, minutes, seconds = (int(part) for part in clock.split(":"))
    return ((int(days or 0) * 24 + hours) * 60 + minutes) * 60 + seconds
