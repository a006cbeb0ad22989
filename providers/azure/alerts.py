"""Does an activity-log alert fire when someone changes a storage account (STG-LOG-04)?

Changing who may reach the data (anonymous blob access, network rules, public network access,
shared-key access, a customer key) is a `Microsoft.Storage/storageAccounts/write` in the
Administrative category of the activity log. An alert counts when it is enabled, is scoped to the
subscription itself, sends to at least one action group, and its condition matches that event
unconditionally: category Administrative, that operation (`equals`, `containsAny` or an `anyOf`),
and no other filter (level, status, caller, resource group...) that would let some writes pass
unseen. `.../storageAccounts/delete` alone does not count: deleting an account removes the data
but does not open it to anyone. ARM compares these fields and values case-insensitively.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

WATCHED_OPERATION = "microsoft.storage/storageaccounts/write"
STORAGE_WRITE_EVENT: Mapping[str, str] = {
    "category": "administrative",
    "operationname": WATCHED_OPERATION,
    "resourceprovider": "microsoft.storage",
    "resourcetype": "microsoft.storage/storageaccounts",
}
"""The fields of a storage account write event that an alert may test without narrowing it:
any other field (level, status, caller, resourceGroup, resourceId...) matches only some writes."""
REQUIRED_FIELDS = frozenset({"category", "operationname"})


@dataclass(frozen=True)
class AlertVerdict:
    name: str
    """The alert's resource name."""
    fires: bool
    """It notifies someone of every storage account write in the subscription."""


def judge(alert: Mapping[str, Any], subscription: str) -> AlertVerdict:
    """One Microsoft.Insights/activityLogAlerts document (api-version 2020-10-01)."""
    props = alert.get("properties") or {}
    enabled = props.get("enabled", True) is not False  # ARM's default is true
    scoped = f"/subscriptions/{subscription}".lower() in {str(s).rstrip("/").lower() for s in props.get("scopes") or []}
    groups = [g for g in ((props.get("actions") or {}).get("actionGroups") or []) if (g or {}).get("actionGroupId")]
    fires = enabled and scoped and bool(groups) and matches_storage_writes((props.get("condition") or {}).get("allOf") or [])
    return AlertVerdict(str(alert.get("name") or alert.get("id") or "?"), fires)


def matches_storage_writes(all_of: Iterable[Mapping[str, Any]]) -> bool:
    """Every condition matches a storage account write, and category and operationName are
    among them (an alert on every administrative operation is not what the control asks)."""
    seen: set[str] = set()
    for condition in all_of:
        leaves = condition.get("anyOf") if condition.get("anyOf") else [condition]
        fields = {_field(leaf) for leaf in leaves}
        if len(fields) != 1:
            return False  # an anyOf over different fields: not a shape the portal makes; do not guess
        (name,) = fields
        if name not in STORAGE_WRITE_EVENT or not any(_accepts(leaf, STORAGE_WRITE_EVENT[name]) for leaf in leaves):
            return False
        seen.add(name)
    return REQUIRED_FIELDS <= seen


def _field(leaf: Mapping[str, Any]) -> str:
    return str(leaf.get("field") or "").lower()


def _accepts(leaf: Mapping[str, Any], value: str) -> bool:
    if leaf.get("equals") is not None:
        return str(leaf["equals"]).lower() == value
    return value in {str(v).lower() for v in leaf.get("containsAny") or []}
