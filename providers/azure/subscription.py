"""The Azure subscription as a cloud.account resource (Defender for Storage, the allowed
locations policy), and the subscription-wide reads its storage accounts share (locks)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cloudaudit.providers.azure.guard import guarded
from cloudaudit.providers.azure.ids import AccountId, scope_of_lock
from cloudaudit.providers.facts import Facts, Fetcher, ReadFailure

if TYPE_CHECKING:
    from cloudaudit.providers.azure.arm import ArmSession

LOCKS_API = "2020-05-01"
PRICINGS_API = "2024-01-01"
POLICY_API = "2023-04-01"
ALLOWED_LOCATIONS_DEFINITIONS = frozenset(
    {
        "/providers/microsoft.authorization/policydefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c",  # Allowed locations
        "/providers/microsoft.authorization/policydefinitions/e765b5de-1225-4ba3-bd56-1ac6695af988",  # ... for resource groups
    }
)


@dataclass
class SubscriptionShared:
    """Reads made once per subscription and shared by its storage accounts' worker threads."""

    subscription: str
    session: "ArmSession"
    _locks: list[tuple[str, str]] | ReadFailure | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def lock_levels_for(self, where: AccountId) -> set[str]:
        """Levels of the locks on the account, its resource group or the subscription."""
        with self._lock:
            if self._locks is None:
                self._locks = self._read_locks()
        if isinstance(self._locks, ReadFailure):
            raise self._locks
        scopes = {
            f"/subscriptions/{where.subscription}".lower(),
            f"/subscriptions/{where.subscription}/resourcegroups/{where.resource_group}".lower(),
            where.arm_id.lower(),
        }
        return {level for scope, level in self._locks if scope in scopes}

    def _read_locks(self) -> list[tuple[str, str]] | ReadFailure:
        try:
            locks = self.session.list(
                "authorization:ManagementLocks_ListAtSubscriptionLevel",
                f"/subscriptions/{self.subscription}/providers/Microsoft.Authorization/locks",
                LOCKS_API,
            )
        except ReadFailure as failure:
            return failure
        return [(scope_of_lock(lock.get("id", "")), (lock.get("properties") or {}).get("level", "")) for lock in locks]


@dataclass(frozen=True)
class SubscriptionContext:
    subscription: str
    session: "ArmSession"

    @property
    def arm_id(self) -> str:
        return f"/subscriptions/{self.subscription}"


def _defender(ctx: SubscriptionContext, facts: Facts) -> dict[str, Any]:
    pricing = ctx.session.get(
        "security:Pricings_Get", f"{ctx.arm_id}/providers/Microsoft.Security/pricings/StorageAccounts", PRICINGS_API
    )
    props = (pricing or {}).get("properties") or {}
    extensions = {e.get("name"): str(e.get("isEnabled")).lower() == "true" for e in props.get("extensions") or []}
    on = props.get("pricingTier") == "Standard"
    return {
        "threat_detection.enabled": on,
        "threat_detection.plan": props.get("subPlan") if on else None,
        "threat_detection.malware_scanning": on and extensions.get("OnUploadMalwareScanning", False),
        "threat_detection.sensitive_data_discovery": on and extensions.get("SensitiveDataDiscovery", False),
    }


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


SUBSCRIPTION_FETCHERS: tuple[Fetcher[SubscriptionContext], ...] = guarded((
    Fetcher(
        "defender",
        ("threat_detection.enabled", "threat_detection.plan", "threat_detection.malware_scanning", "threat_detection.sensitive_data_discovery"),
        _defender,
        calls=("security:Pricings_Get",),
    ),
    Fetcher(
        "allowed_locations",
        ("location.guardrail", "location.guardrail_regions"),
        _allowed_locations,
        calls=("authorization:PolicyAssignments_List",),
    ),
))
