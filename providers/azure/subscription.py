"""The Azure subscription as a cloud.account resource (the allowed locations policy, activity-log
alerts on storage account changes), and the
subscription-wide reads its storage accounts share (locks, Defender for Storage, backup vaults)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from cloudaudit.providers.azure.alerts import judge
from cloudaudit.providers.azure.guard import guarded
from cloudaudit.providers.azure.ids import AccountId, scope_of_lock
from cloudaudit.providers.facts import Facts, Fetcher, SharedReads

if TYPE_CHECKING:
    from cloudaudit.providers.azure.arm import ArmSession

LOCKS_API = "2020-05-01"
PRICINGS_API = "2024-01-01"
POLICY_API = "2023-04-01"
BACKUP_API = "2024-04-01"
ACTIVITY_LOG_ALERTS_API = "2020-10-01"
ALLOWED_LOCATIONS_DEFINITIONS = frozenset(
    {
        "/providers/microsoft.authorization/policydefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c",  # Allowed locations
        "/providers/microsoft.authorization/policydefinitions/e765b5de-1225-4ba3-bd56-1ac6695af988",  # ... for resource groups
    }
)


@dataclass
class SubscriptionShared:
    """Reads made once per subscription and shared by its storage accounts' worker threads;
    a failed read fails the facts of every account that needs it, with the same reason."""

    subscription: str
    session: "ArmSession"
    _shared: SharedReads = field(default_factory=SharedReads)

    def _once(self, name: str, load: Callable[[], Any]) -> Any:
        return self._shared.get(name, load)

    @property
    def arm_id(self) -> str:
        return f"/subscriptions/{self.subscription}"

    def lock_levels_for(self, where: AccountId) -> set[str]:
        """Levels of the locks on the account, its resource group or the subscription."""
        locks = self._once("locks", self._read_locks)
        scopes = {self.arm_id.lower(), f"{self.arm_id}/resourcegroups/{where.resource_group}".lower(), where.arm_id.lower()}
        return {level for scope, level in locks if scope in scopes}

    def _read_locks(self) -> list[tuple[str, str]]:
        locks = self.session.list(
            "authorization:ManagementLocks_ListAtSubscriptionLevel", f"{self.arm_id}/providers/Microsoft.Authorization/locks", LOCKS_API
        )
        return [(scope_of_lock(lock.get("id", "")), (lock.get("properties") or {}).get("level", "")) for lock in locks]

    def defender(self) -> "DefenderPlan":
        """Defender for Storage as the subscription sets it (pricings/StorageAccounts)."""
        return self._once("defender", self._read_defender)

    def _read_defender(self) -> "DefenderPlan":
        pricing = self.session.get("security:Pricings_Get", f"{self.arm_id}/providers/Microsoft.Security/pricings/StorageAccounts", PRICINGS_API)
        props = (pricing or {}).get("properties") or {}
        extensions = {e.get("name"): str(e.get("isEnabled")).lower() == "true" for e in props.get("extensions") or []}
        on = props.get("pricingTier") == "Standard"
        return DefenderPlan(on, on and extensions.get("SensitiveDataDiscovery", False), on and extensions.get("OnUploadMalwareScanning", False))

    def backed_up(self) -> frozenset[str]:
        """Lower-case ids of the storage accounts whose blobs an Azure Backup vault protects."""
        return self._once("backup", self._read_backup)

    def _read_backup(self) -> frozenset[str]:
        vaults = self.session.list(
            "dataprotection:BackupVaults_GetInSubscription", f"{self.arm_id}/providers/Microsoft.DataProtection/backupVaults", BACKUP_API
        )
        protected = set()
        for vault in vaults:
            for instance in self.session.list("dataprotection:BackupInstances_List", f"{vault['id']}/backupInstances", BACKUP_API):
                props = instance.get("properties") or {}
                source = (props.get("dataSourceInfo") or {}).get("resourceID") or ""
                state = props.get("currentProtectionState") or (props.get("protectionStatus") or {}).get("status")
                if state == "ProtectionConfigured" and source:
                    protected.add(source.lower())
        return frozenset(protected)


@dataclass(frozen=True)
class DefenderPlan:
    enabled: bool
    """pricingTier Standard: Defender for Storage watches every account that does not override it."""
    sensitive_data_discovery: bool
    malware_scanning: bool


@dataclass(frozen=True)
class SubscriptionContext:
    subscription: str
    session: "ArmSession"

    @property
    def arm_id(self) -> str:
        return f"/subscriptions/{self.subscription}"


def _allowed_locations(ctx: SubscriptionContext, facts: Facts) -> dict[str, Any]:
    assignments = ctx.session.list(
        "authorization:PolicyAssignments_List",
        f"{ctx.arm_id}/providers/Microsoft.Authorization/policyAssignments?$filter=atScope()&api-version={POLICY_API}",
        POLICY_API,
    )
    regions: list[str] = []
    enforced = False
    for assignment in assignments:
        props = assignment.get("properties") or {}
        if (props.get("policyDefinitionId") or "").lower() not in ALLOWED_LOCATIONS_DEFINITIONS:
            continue
        if props.get("enforcementMode", "Default") != "Default":
            continue
        enforced = True
        listed = ((props.get("parameters") or {}).get("listOfAllowedLocations") or {}).get("value") or []
        regions.extend(r.replace(" ", "").lower() for r in listed if r.replace(" ", "").lower() not in regions)
    return {"location.guardrail": enforced, "location.guardrail_regions": regions}


def _activity_log_alerts(ctx: SubscriptionContext, facts: Facts) -> dict[str, Any]:
    alerts = ctx.session.list(
        "insights:ActivityLogAlerts_ListBySubscriptionId",
        f"{ctx.arm_id}/providers/Microsoft.Insights/activityLogAlerts",
        ACTIVITY_LOG_ALERTS_API,
    )
    names = sorted({verdict.name for verdict in (judge(alert, ctx.subscription) for alert in alerts) if verdict.fires})
    return {"logging.policy_change_alerts": bool(names), "logging.policy_change_alert_names": names}


SUBSCRIPTION_FETCHERS: tuple[Fetcher[SubscriptionContext], ...] = guarded((
    Fetcher(
        "allowed_locations",
        ("location.guardrail", "location.guardrail_regions"),
        _allowed_locations,
        calls=("authorization:PolicyAssignments_List",),
    ),
    Fetcher(
        "activity_log_alerts",
        ("logging.policy_change_alerts", "logging.policy_change_alert_names"),
        _activity_log_alerts,
        calls=("insights:ActivityLogAlerts_ListBySubscriptionId",),
    ),
))
